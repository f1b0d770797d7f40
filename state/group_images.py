"""Pictures for leaders: an invitation link as a QR code, and the group's style mix by week.

Both return PNG bytes (no files, no display). matplotlib is imported on first use: it costs about
half a second, which start-up and every other command should not pay.
"""

from __future__ import annotations

import io
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
