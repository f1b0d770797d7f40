"""Telegram handlers: thin, they parse the update, call the core, and send what it returns."""
