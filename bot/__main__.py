"""`python -m bot`: the same CLI as `rehearse` (a participant trial tried it first)."""

from bot.cli import main

if __name__ == "__main__":
    main()
