"""Small PNG charts for /progress, drawn with matplotlib's Agg backend (no display needed).

matplotlib is imported on first use: it costs about half a second, which the bot's start-up and
every other command should not pay.
"""

from __future__ import annotations

import io
from datetime import date


def mood_chart(days: list[date], moods: list[int | None], urges: list[int | None] | None) -> bytes:
    """Mood (and urge, on a recovery track) per day, 0-5; a gap where there was no check-in."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.add_subplot()
    x = list(range(len(days)))
    ax.plot(x, [m if m is not None else float("nan") for m in moods], "o-", label="Mood")
    if urges is not None:
        ax.plot(x, [u if u is not None else float("nan") for u in urges], "s--", label="Urge")
    ax.set_ylim(-0.3, 5.3)
    ax.set_yticks(range(6))
    ax.set_xticks(x)
    ax.set_xticklabels([f"{d.day}" for d in days], fontsize=8)
    ax.set_xlabel(f"{days[0]:%d %b} – {days[-1]:%d %b}" if days else "")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Your last 14 days", fontsize=10)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def anxiety_chart(labels: list[str], before: list[int | None], after: list[int | None]) -> bytes:
    """Anxiety before and after each exposure practice, 0-10, oldest first."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.add_subplot()
    x = list(range(len(labels)))
    ax.plot(x, [b if b is not None else float("nan") for b in before], "o-", label="Before")
    ax.plot(x, [a if a is not None else float("nan") for a in after], "s--", label="After")
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks(range(0, 11, 2))
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Anxiety before and after practice (0-10)", fontsize=10)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
