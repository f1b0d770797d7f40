"""Feature packages, in the style of telegram-pdf-bot: each module here brings its own handlers.

A module exposes `register(app)` (add its handlers; they run before the catch-all text and button
handlers), and optionally `COMMANDS` (BotCommand list for the menu) and `ACTIONS`, the simple
`name[:arg]` buttons it owns: routed by pattern, one CallbackQueryHandler per button (`ROUTES`,
see bot/routes.py; checkins.py and week.py), or, in the older modules, all through one
`on_action(update, context, data)`. bot/app.py lists them, in order, in FEATURES.
`checkin_messages.py` is no feature of its own: it draws the queued check-ins for the sender.
"""
