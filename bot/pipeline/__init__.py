"""What every update passes through around the features, in bot/app.py's handler table.

Before any feature: `flood` (group -15: a user's updates past the cap are screened for crisis
words and skipped) and `gate` (group -10: a redelivered update is skipped; consent, what
typed text answers and the scene a crisis card would stop are read once). After them:
`gate.after` (group 100: the update's id is remembered, unless a handler marked it in its own
write or only read). Between, after the features' own handlers: `buttons` (every inline button
no feature routed by pattern, handed to the module it belongs to) and `catchalls` (commands in
group chats, unknown commands, edits, anything that isn't text, and the bot being blocked).
"""
