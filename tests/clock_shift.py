"""`rehearse run` with its wall clock moved by CLOCK_SHIFT_SECONDS, for end-to-end tests.

time_machine moves the clock (ticking on from there) before the bot starts, so a test reaches
tomorrow's check-in without waiting a day; asyncio's monotonic clock is left alone.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

import time_machine

if __name__ == "__main__":
    shift = timedelta(seconds=float(os.environ.get("CLOCK_SHIFT_SECONDS", "0")))
    time_machine.travel(datetime.now(UTC) + shift, tick=True).start()
    sys.argv = ["rehearse", "run"]
    from bot.cli import main

    main()
