"""Static figures for reports: the coverage choropleth as a PNG, with Chinese labels.

matplotlib's default font has no Chinese glyphs; :func:`chinese_font` finds an installed CJK
font (Noto Sans/Serif CJK from Debian's ``fonts-noto-cjk``, WenQuanYi, Source Han …) and warns,
with the install command, if there is none.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import ZyGeoWarning, require

_CJK_HINTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi", "SimHei", "Microsoft YaHei",
              "PingFang", "Droid Sans Fallback")


def chinese_font() -> str | None:
    """Name of an installed font that has Chinese glyphs (SC variants preferred), or None."""
    from matplotlib import font_manager

    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    for hint in _CJK_HINTS:
        hits = [n for n in names if n.startswith(hint)]
        if hits:
            return next((n for n in hits if n.endswith(" SC")), hits[0])
    return None


def coverage_figure(streets: gpd.GeoDataFrame, compounds: pd.DataFrame, path: str | Path, *,
                    title: str = "住宅小区物业管理户数覆盖率", dpi: int = 150) -> Path:
    """Street choropleth of household coverage (managed households / households) as a PNG.

    Parameters
    ----------
    streets : GeoDataFrame
        Street/town polygons with ``street``.
    compounds : DataFrame
        Compounds with ``street``, ``households`` and ``mode``.
    path : str or Path
        PNG to write.
    title : str
        Figure title (Chinese).
    dpi : int
        Resolution.

    Returns
    -------
    Path
    """
    require("matplotlib", package="matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = chinese_font()
    if font is None:
        warnings.warn("no Chinese font found, labels will show as boxes; install one "
                      "(Debian: apt-get install fonts-noto-cjk)", ZyGeoWarning, stacklevel=2)
    from .maps import household_share

    share = household_share(compounds, "street")
    s = streets.to_crs("EPSG:4544").assign(share=lambda d: d["street"].map(share).astype(float))
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(8, 8))
        s.plot(column="share", ax=ax, cmap="RdYlGn", vmin=0, vmax=1, edgecolor="#333333", linewidth=1,
               legend=True, legend_kwds={"label": "户数覆盖率", "shrink": 0.6},
               missing_kwds={"color": "#cccccc", "label": "无数据"})
        for _, row in s.iterrows():
            p = row.geometry.representative_point()
            text = row["street"] + ("" if np.isnan(row["share"]) else f"\n{row['share']:.0%}")
            ax.annotate(text, (p.x, p.y), ha="center", va="center", fontsize=9)
        ax.set_title(title)
        ax.set_axis_off()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        plt.close(fig)
    return path
