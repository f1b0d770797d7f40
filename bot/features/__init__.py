"""The features: what a participant or a leader does with the bot, one module (or a small
package) each. A feature lists its handlers (python-telegram-bot's), parses the update, calls
its service in state/ (on `Services`, bot/services.py), renders and sends; it never opens a
transaction itself.

Every feature has the same shape (#17): `handlers()` lists its python-telegram-bot handlers,
its `CommandHandler`s and a `CallbackQueryHandler(pattern=...)` over bot/callbacks.py's grammar
for its own buttons (bot/routes.py: `action`, or `private_action`, which asks for consent
first); bot/app.py puts them in its one ordered table, the core's first (safety, onboarding,
practice, info, safety_plan, privacy), then FEATURES' (checkins, week, groups, live,
observability, retention). A feature may also list `ACTIONS` (the `name[:arg]` buttons it
routes; `GROUP_ACTIONS`, those that work in a group chat), `COMMANDS` for the menu, `on_text`
for typed answers, and `setup(app)` for what runs beside its handlers (a job, the outbox sender).

`checkin_messages.py`, `group_messages.py` and `live_messages.py` are no features of their
own: they draw the queued messages of check-ins, groups and live rehearsals for the sender.
"""
