"""Small PNG charts for /progress, drawn with matplotlib's Agg backend (no display needed).

matplotlib is imported on first use: it costs about half a second, which the bot's start-up and
every other command should not pay.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(figsize: tuple[float, float], dpi: int) -> Figure:
    """A figure on the Agg backend: matplotlib is imported here, when the first chart is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=dpi)


def _save(fig: Figure, fmt: str = "png") -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format=fmt)
    return out.getvalue()


def _gaps(values: list[int | None]) -> list[float]:
    """The values to plot, NaN where there is none: the line breaks there instead of joining."""
    return [v if v is not None else float("nan") for v in values]


def mood_chart(days: list[date], moods: list[int | None], urges: list[int | None] | None) -> bytes:
    """Mood (and urge, on a recovery track) per day, 0-5; a gap where there was no check-in."""
    fig = _figure((6.4, 3.2), 100)
    ax = fig.add_subplot()
    x = list(range(len(days)))
    ax.plot(x, _gaps(moods), "o-", label="Mood")
    if urges is not None:
        ax.plot(x, _gaps(urges), "s--", label="Urge")
    ax.set_ylim(-0.3, 5.3)
    ax.set_yticks(range(6))
    ax.set_xticks(x)
    ax.set_xticklabels([f"{d.day}" for d in days], fontsize=8)
    ax.set_xlabel(f"{days[0]:%d %b} – {days[-1]:%d %b}" if days else "")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Your last 14 days", fontsize=10)
    fig.tight_layout()
    return _save(fig)


SAFETY_LEVEL = 3  # a self-harm or suicide cell this high is shaded


def _card_figure(card: dict) -> Figure:
    """The diary card as on paper: days across, items down, one value per cell."""
    rows = card["rows"] or [["No items", [""] * len(card["days"]), False]]
    height = 1.5 + 0.3 * len(rows)
    fig = _figure((8.27, max(3.0, height)), 110)
    ax = fig.add_subplot()
    ax.axis("off")
    who = f" · {card['name']}" if card.get("name") else ""
    ax.set_title(f"Diary card{who} · {card['period']}", fontsize=11, loc="left")
    table = ax.table(
        cellText=[cells for _, cells, _ in rows],
        rowLabels=[label for label, _, _ in rows],
        colLabels=card["days"],
        loc="upper center",
        cellLoc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 1.3)
    for r, (_, cells, safety) in enumerate(rows, start=1):
        for c, value in enumerate(cells):
            if safety and value.isdigit() and int(value) >= SAFETY_LEVEL:
                table[r, c].set_facecolor("#f6d5d5")
    foot = [f"Urges of 3+ ridden out (not acted on), last 14 days: {card['rode_out']}"]
    if card.get("skills"):
        foot.append("Skills this week: " + ", ".join(card["skills"]))
    foot.append("Empty: no check-in that day. Made with the Rehearse bot; not a medical record.")
    fig.text(0.02, 0.02, "\n".join(foot), fontsize=8, va="bottom")
    fig.subplots_adjust(left=0.28, right=0.98, top=0.9, bottom=0.05 + 0.05 * len(foot))
    return fig


def diary_card(card: dict, fmt: str = "png") -> bytes:
    """The card (`state.checkins.card_data`) as a PNG picture or a one-page PDF."""
    return _save(_card_figure(card), fmt)


def anxiety_chart(labels: list[str], before: list[int | None], after: list[int | None]) -> bytes:
    """Anxiety before and after each exposure practice, 0-10, oldest first."""
    fig = _figure((6.4, 3.2), 100)
    ax = fig.add_subplot()
    x = list(range(len(labels)))
    ax.plot(x, _gaps(before), "o-", label="Before")
    ax.plot(x, _gaps(after), "s--", label="After")
    ax.set_ylim(-0.3, 10.3)
    ax.set_yticks(range(0, 11, 2))
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Anxiety before and after practice (0-10)", fontsize=10)
    fig.tight_layout()
    return _save(fig)
