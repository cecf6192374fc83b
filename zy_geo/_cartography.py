"""Map furniture shared by every static figure: a scale bar and a north arrow (metric frames)."""

from __future__ import annotations

import math
from typing import Any


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the view."""
    target = span_m / 5
    exp = 10 ** math.floor(math.log10(target))
    return min((m * exp for m in (1, 2, 5, 10)), key=lambda v: abs(v - target))


def scale_bar(ax: Any, bounds: tuple[float, float, float, float]) -> None:
    """A black-and-white bar of a round length in the lower left of a metric map."""
    x0, y0, x1, y1 = bounds
    length = _nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.05, y0 + (y1 - y0) * 0.05
    h = (y1 - y0) * 0.008
    ax.add_patch(_rect(bx, by, length / 2, h, "#000000"))
    ax.add_patch(_rect(bx + length / 2, by, length / 2, h, "#ffffff"))
    ax.text(bx, by + h * 2.5, "0", fontsize=7, ha="center")
    ax.text(bx + length, by + h * 2.5, f"{length:g} 米", fontsize=7, ha="center")


def _rect(x: float, y: float, w: float, h: float, colour: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="#000000", linewidth=0.6, zorder=20)


def north_arrow(ax: Any) -> None:
    """An arrow and 北 in the upper right (metric frames here are grid-north up)."""
    ax.annotate("", xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction",
                arrowprops={"arrowstyle": "-|>", "color": "#000000", "lw": 1.4}, zorder=20)
    ax.text(0.95, 0.965, "北", transform=ax.transAxes, ha="center", va="bottom", fontsize=9, zorder=20)
