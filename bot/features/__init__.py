"""Feature packages, in the style of telegram-pdf-bot: each module here brings its own handlers.

A module exposes `register(app)` (add its handlers; they run before the catch-all text and button
handlers), and optionally `COMMANDS` (BotCommand list for the menu) and `ACTIONS` with
`on_action(update, context, data)` for simple `name[:arg]` buttons it owns. bot/app.py lists them,
in order, in FEATURES.
"""
