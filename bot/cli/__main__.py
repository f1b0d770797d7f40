"""`python -m bot.cli …`: the same as the `rehearse` console script (the tests start the bot so)."""

from bot.cli import main

main()
