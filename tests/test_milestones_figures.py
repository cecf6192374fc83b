import os
import subprocess
import sys
import warnings

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from zy_geo.figures import coverage_figure
from zy_geo.milestones import milestone_batch, milestone_status, milestone_table

SIX = ["gate", "cleaning", "maintenance", "greening", "security", "parking"]


def _compounds():
    return pd.DataFrame({
        "street": ["莲花街道", "莲花街道", "资溪街道", "资溪街道"],
        "households": [100, 200, 300, 400],
        "mode": ["professional", "none", "none", "community_center"],
        "renovated": [True, True, False, None],
        "kind": ["open", "open", "enclosed", "open"],
        **{k: [True, False, False, True] for k in SIX},
    })


def test_batches_and_status_around_the_deadlines():
    c = _compounds()
    assert milestone_batch(c).tolist() == ["2023-06-30", "2023-06-30", "2023-06-30", "2023-12-31"]
    assert milestone_status(c, as_of="2023-05-01").tolist() == ["done", "on_time", "on_time", "done"]
    assert milestone_status(c, as_of="2023-06-15").tolist() == ["done", "due", "due", "done"]
    assert milestone_status(c, as_of="2023-07-01").tolist() == ["done", "overdue", "overdue", "done"]


def test_milestone_table_counts_households():
    t = milestone_table(_compounds(), as_of="2023-07-01", by=["street"]).set_index("street")
    assert t.loc["合计", "2023-06-30_overdue_households"] == 500
    assert t.loc["合计", "2023-06-30_done_households"] == 100
    assert t.loc["合计", "2023-12-31_done_households"] == 400
    assert t.loc["莲花街道", "households"] == 300


def test_coverage_figure_writes_png_with_chinese_font(tmp_path):
    streets = gpd.GeoDataFrame({"street": ["莲花街道", "资溪街道"]},
                               geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs="EPSG:4544")
    c = _compounds()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warnings from matplotlib
        path = coverage_figure(streets, c, tmp_path / "f.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


_FRESH_FIGURES = """
import warnings, sys
warnings.simplefilter("error")  # any missing-glyph warning fails the run
import geopandas as gpd, pandas as pd
from shapely.geometry import box
from matplotlib import font_manager
from zy_geo.figures import coverage_figure
from zy_geo._fonts import chinese_font_path, chinese_rc

fam = chinese_rc()["font.family"]
used = font_manager.findfont(font_manager.FontProperties(family=fam), fallback_to_default=False)
assert used == str(chinese_font_path()), (used, fam)
streets = gpd.GeoDataFrame({"street": ["莲花街道", "狮子山街道"]},
                           geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs="EPSG:4544")
c = pd.DataFrame({"street": ["莲花街道", "狮子山街道"], "households": [100, 300],
                  "mode": ["professional", None]})
coverage_figure(streets, c, sys.argv[1])
print("ok")
"""


def test_figures_draw_chinese_in_a_fresh_matplotlib_config(tmp_path):
    """A new MPLCONFIGDIR (no font cache) and whatever system fonts: no missing glyph, our font used."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "PYTHONWARNINGS": "error"}
    out = tmp_path / "fresh.png"
    r = subprocess.run([sys.executable, "-c", _FRESH_FIGURES, str(out)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "missing from font" not in r.stderr
    assert r.stdout.strip() == "ok" and out.stat().st_size > 5000
