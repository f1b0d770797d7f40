"""Pictures for leaders: an invitation link as a QR code, the group's style mix by week, and
how the group voted in a live rehearsal.

Each returns PNG bytes (no files, no display). matplotlib is imported on first use: it costs about
half a second, which start-up and every other command should not pay.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

STYLE_COLOURS = {
    "assertive": "#2e7d32",
    "passive": "#1565c0",
    "aggressive": "#c62828",
    "passive-aggressive": "#6a1b9a",
}


def qr_png(url: str, scale: int = 8) -> bytes:
    """A QR code a participant can scan from the leader's screen in a video call."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def style_chart_png(title: str, weeks: list[tuple[date, dict[str, int]]]) -> bytes:
    """Stacked bars: each week's share of assertive, passive, aggressive, passive-aggressive."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6), dpi=100)
    ax = fig.add_subplot()
    labels = [f"{w:%d %b}" for w, _ in weeks]
    x = list(range(len(weeks)))
    bottom = [0.0] * len(weeks)
    for style, colour in STYLE_COLOURS.items():
        shares = [100 * counts.get(style, 0) / (sum(counts.values()) or 1) for _, counts in weeks]
        if any(shares):
            ax.bar(x, shares, bottom=bottom, color=colour, label=style, width=0.6)
            bottom = [b + s for b, s in zip(bottom, shares, strict=True)]
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of choices")
    ax.set_xlabel("week starting")
    ax.set_title(title, fontsize=10)
    if weeks:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def vote_chart_png(title: str, bars: Sequence[tuple[str, str, int]]) -> bytes:
    """How a group voted: one bar per option, top to bottom in the poll's order, coloured by
    the option's style, with its votes and share at the end. `bars`: (option, style, votes)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    total = sum(n for _, _, n in bars)
    fig = Figure(figsize=(6.4, 1.5 + 0.62 * len(bars)), dpi=100)
    ax = fig.add_subplot()
    y = list(range(len(bars)))[::-1]
    colours = [STYLE_COLOURS.get(style, "#757575") for _, style, _ in bars]
    ax.barh(y, [n for _, _, n in bars], color=colours, height=0.6)
    ax.set_yticks(y)
    ax.set_yticklabels(
        [textwrap.fill(label, 26, max_lines=2, placeholder="…") for label, _, _ in bars],
        fontsize=9,
    )
    for tick, colour in zip(ax.get_yticklabels(), colours, strict=True):
        tick.set_color(colour)  # the style shows even on an option nobody chose
    top = max((n for _, _, n in bars), default=0)
    ax.set_xlim(0, max(top, 1) * 1.3)
    for yi, (_, _, n) in zip(y, bars, strict=True):
        share = f" ({round(100 * n / total)}%)" if total else ""
        ax.text(n + max(top, 1) * 0.02, yi, f"{n}{share}", va="center", fontsize=9)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("votes")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=10, pad=22)
    styles = [s for s in STYLE_COLOURS if any(style == s for _, style, _ in bars)]
    ax.legend(
        handles=[Patch(color=STYLE_COLOURS[s], label=s) for s in styles],
        fontsize=8,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=len(styles) or 1,
        frameon=False,
        handlelength=1.2,
    )
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
