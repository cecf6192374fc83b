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


def png_bytes(rgba: Any, dpi: float, *, level: int = 1) -> bytes:
    r"""A rendered figure's pixels (``canvas.buffer_rgba()``) as PNG bytes, quickly.

    Pillow, which ``savefig`` uses, tries five PNG row filters on every row and keeps the best:
    most of the time of encoding a plan figure went there. Rows here are stored unfiltered and
    deflated at ``level``: the same pixels (RGBA, as ``savefig`` writes them), a file ≈ 20 % larger,
    written ≈ 6× faster. The resolution is recorded (``pHYs``) as ``savefig`` records it.

    Parameters
    ----------
    rgba : array-like of uint8, shape (height, width, 4)
        The pixels.
    dpi : float
        Resolution the figure was drawn at.
    level : int
        zlib compression level.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import numpy as np
    >>> png_bytes(np.full((2, 3, 4), 255, np.uint8), 160)[:8]
    b'\x89PNG\r\n\x1a\n'
    """
    import struct
    import zlib

    import numpy as np

    px = np.asarray(rgba, dtype=np.uint8)
    h, w, _ = px.shape
    raw = np.empty((h, w * 4 + 1), np.uint8)
    raw[:, 0] = 0  # filter type 0 (None) on every row
    raw[:, 1:] = px.reshape(h, w * 4)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ppm = round(dpi / 0.0254)  # pixels per metre
    return b"".join((b"\x89PNG\r\n\x1a\n",
                     chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)),  # 8-bit RGBA
                     chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
                     chunk(b"IDAT", zlib.compress(raw.data, level)),
                     chunk(b"IEND", b"")))
