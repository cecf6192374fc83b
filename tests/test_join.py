import geopandas as gpd
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from zy_geo.crs import wgs84_to_gcj02
from zy_geo.join import join_ledger

X0, Y0 = 462000, 3334000


def _polys():
    names = ["锦华小区", "建设路12号院", "和平苑", "和平苑", "滨江花园", "凤岭小区"]
    streets = ["莲花街道", "莲花街道", "莲花街道", "莲花街道", "资溪街道", "资溪街道"]
    return gpd.GeoDataFrame(
        {"compound_id": [f"512002001-{i:04d}" for i in range(1, 7)], "name": names, "street": streets,
         "households": [100, 20, 30, 40, 50, 60], "mode": ["none"] * 6},
        geometry=[box(X0 + i * 100, Y0, X0 + i * 100 + 60, Y0 + 60) for i in range(6)], crs="EPSG:4544")


def _gcj_of(poly_index):
    p = _polys().to_crs(4326).geometry.iloc[poly_index].centroid
    return wgs84_to_gcj02(p.x, p.y)


def test_each_pass_and_what_stays_unmatched():
    lon, lat = _gcj_of(5)
    ledger = pd.DataFrame({
        "compound_id": ["５１２００２００１－１", None, None, None, None, None],
        "name": ["锦华小区", "建设路１２号", "和平苑", "锦华小区", "凤岭新村", "无名"],
        "street": ["莲花街道", "莲花街道", "莲花街道", "资溪街道", "资溪街道", "资溪街道"],
        "households": [110, 24, 35, 9, 66, 5],
        "lon": [None, None, None, None, lon, None], "lat": [None, None, None, None, lat, None],
        "sheet": ["S"] * 6, "source_row": [5, 6, 7, 8, 9, 10],
    })
    r = join_ledger(_polys(), ledger)
    got = dict(zip(r.matches["ledger_index"], zip(r.matches["compound_id"], r.matches["method"], strict=True), strict=True))
    assert got == {0: ("512002001-0001", "id"), 1: ("512002001-0002", "name"), 4: ("512002001-0006", "point")}
    # 和平苑 is ambiguous in 莲花街道; 锦华小区 of 资溪街道 is not the one of 莲花街道; 无名 has nothing
    assert sorted(r.unmatched_ledger["name"]) == ["和平苑", "无名", "锦华小区"]
    assert any(p.code == "ambiguous_name" and p.row == 7 for p in r.problems)
    j = r.joined.set_index("compound_id")
    assert j.loc["512002001-0001", "households"] == 110 and j.loc["512002001-0006", "match_method"] == "point"
    assert j.loc["512002001-0003", "match_method"] == "none"
    rec = r.reconciliation().set_index("street")
    assert rec.loc["合计", "matched_by_id"] == 1 and rec.loc["合计", "ledger_unmatched"] == 3


def test_gcj02_point_treated_as_wgs84_misses():
    lon, lat = _gcj_of(0)
    ledger = pd.DataFrame({"name": ["另一个名字"], "street": ["莲花街道"], "households": [1], "lon": [lon], "lat": [lat]})
    assert join_ledger(_polys(), ledger, coord_frame="gcj02").matches["method"].tolist() == ["point"]
    assert join_ledger(_polys(), ledger, coord_frame="EPSG:4326").matches.empty  # ~390 m off


def test_pii_never_joined():
    ledger = pd.DataFrame({"name": ["锦华小区"], "street": ["莲花街道"], "households": [1],
                           "contact_phone": ["13800000000"], "id_number": ["512002"]})
    j = join_ledger(_polys(), ledger).joined
    assert "contact_phone" not in j.columns and "id_number" not in j.columns


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["锦华小区", "和平苑", "滨江花园", "乱写", "凤岭小区"]),
                          st.sampled_from(["莲花街道", "资溪街道"])), min_size=1, max_size=12))
def test_every_ledger_row_matched_or_listed(rows):
    ledger = pd.DataFrame({"name": [r[0] for r in rows], "street": [r[1] for r in rows], "households": 1})
    r = join_ledger(_polys(), ledger)
    assert len(r.matches) + len(r.unmatched_ledger) == len(ledger)
    assert r.matches["compound_id"].is_unique
