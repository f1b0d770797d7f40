"""The features: what a participant or a leader does with the bot, one module (or a small
package) each. A feature lists its handlers (python-telegram-bot's), parses the update, calls
its service in state/ (on `Services`, bot/services.py), renders and sends; it never opens a
transaction itself.

Two shapes live here side by side (#17). The practice core (practice, onboarding: /start and
the consent buttons, info: /help, /skills and /progress, safety: the crisis response and
/safety, safety_plan, privacy) has its commands in bot/app.py's `add_handlers`, and its
buttons reach `on_action` (practice's own, `on_button`) through bot/pipeline/buttons.py. The
modules in bot/app.py's FEATURES (checkins, week, groups, live, observability, retention)
expose `register(app)` (their handlers run before the catch-alls), and optionally `COMMANDS`
for the menu, `on_text` for typed answers, and `ACTIONS`, the `name[:arg]` buttons they own:
routed by pattern, one CallbackQueryHandler per button (`ROUTES`, through bot/routes.py;
checkins and week), or, in the older ones, all through one `on_action(update, context, data)`.

`checkin_messages.py` is no feature of its own: it draws the queued check-ins for the sender.
"""
