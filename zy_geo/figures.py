"""Static figures for reports: the coverage choropleth as a PNG, with Chinese labels.

matplotlib's default font has no Chinese glyphs; every figure draws with the Noto Sans SC font that
zy_geo ships as a dependency and registers explicitly (:mod:`zy_geo._fonts`), so Chinese renders the
same on any machine, with or without system CJK fonts.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._cartography import north_arrow, scale_bar
from ._fonts import chinese_font, chinese_rc
from .crs import zone_crs
from .errors import require
from .write import OutputFolder, writing

__all__ = ["chinese_font", "coverage_figure"]


def coverage_figure(streets: gpd.GeoDataFrame, compounds: pd.DataFrame, path: str | Path, *,
                    title: str = "住宅小区物业管理户数覆盖率", dpi: int = 150, folder: OutputFolder | None = None,
                    force: bool = False) -> Path:
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
    folder : OutputFolder, optional
        The command's output folder (``path`` relative to it; :mod:`zy_geo.write`).
    force : bool
        Overwrite a file zy_geo did not write.

    Returns
    -------
    Path
    """
    require("matplotlib", package="matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .maps import household_share

    share = household_share(compounds, "street")
    metric = streets if streets.crs is not None and streets.crs.is_projected else streets.to_crs(zone_crs(streets))
    s = metric.assign(share=lambda d: d["street"].map(share).astype(float))
    with plt.rc_context(chinese_rc()):
        fig, ax = plt.subplots(figsize=(8, 8))
        s.plot(column="share", ax=ax, cmap="RdYlGn", vmin=0, vmax=1, edgecolor="#333333", linewidth=1,
               legend=True, legend_kwds={"label": "户数覆盖率", "shrink": 0.6},
               missing_kwds={"color": "#cccccc", "label": "无数据"})
        for _, row in s.iterrows():
            p = row.geometry.representative_point()
            text = row["street"] + ("" if np.isnan(row["share"]) else f"\n{row['share']:.0%}")
            ax.annotate(text, (p.x, p.y), ha="center", va="center", fontsize=9)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        scale_bar(ax, tuple(s.total_bounds))
        north_arrow(ax)
        try:
            with writing(path, folder, suffixes=(".png", ".pdf", ".svg"), what="figure", force=force) as (out, name):
                written = out.write_figure(fig, name, dpi=dpi, bbox_inches="tight")
        finally:
            plt.close(fig)
    return written
