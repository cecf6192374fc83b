import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from zy_geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from zy_geo.errors import CRSError, InputError, ProblemReport
from zy_geo.ledger._names import name_key, norm_id, norm_name
from zy_geo.ledger.join import join_ledger
from zy_geo.ledger.read import LedgerResult

X0, Y0 = 462000, 3334000  # EPSG:4544, in Ziyang
FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _polys():
    """Six 60 m squares in a row, 100 m apart; 和平苑 twice in 莲花街道."""
    names = ["锦华小区", "建设路12号院", "和平苑", "和平苑", "滨江花园", "凤岭小区"]
    streets = ["莲花街道"] * 4 + ["资溪街道"] * 2
    return gpd.GeoDataFrame(
        {"compound_id": [f"512002001-{i:04d}" for i in range(1, 7)], "name": names, "street": streets,
         "households": [100, 20, 30, 40, 50, 60], "mode": ["none"] * 6, "managed": [False] * 6,
         "gate": [False] * 6},
        geometry=[box(X0 + i * 100, Y0, X0 + i * 100 + 60, Y0 + 60) for i in range(6)], crs="EPSG:4544")


def _lonlat(x, y, to=wgs84_to_gcj02):
    p = gpd.GeoSeries(gpd.points_from_xy([x], [y]), crs="EPSG:4544").to_crs(4326).iloc[0]
    return to(p.x, p.y)


def _centre(i, to=wgs84_to_gcj02):
    return _lonlat(X0 + i * 100 + 30, Y0 + 30, to)


def _ledger(rows):
    df = pd.DataFrame(rows)
    df["sheet"] = "台账"
    df["source_row"] = range(5, 5 + len(df))
    return df


def _pairs(r):
    return {int(i): (c, m) for i, c, m in r.matches[["ledger_index", "compound_id", "method"]].to_numpy()}


def test_each_pass_with_exact_expectations():
    lon, lat = _centre(5)
    ledger = _ledger({
        "compound_id": ["５１２００２００１－１", None, None, None, None, None],
        "name": ["锦华小区", "建设路１２号", "和平苑", "锦华小区", "凤岭新村", "无名"],
        "street": ["莲花街道", "莲花街道", "莲花街道", "资溪街道", "资溪街道", "资溪街道"],
        "households": [110, 24, 35, 9, 66, 5],
        "lon": [None, None, None, None, lon, None], "lat": [None, None, None, None, lat, None],
    })
    r = join_ledger(_polys(), ledger)
    assert _pairs(r) == {0: ("512002001-0001", "id"), 1: ("512002001-0002", "name"),
                         4: ("512002001-0006", "point")}
    # 和平苑 is ambiguous in 莲花街道; 锦华小区 of 资溪街道 is not the one of 莲花街道; 无名 has nothing
    assert r.unmatched_ledger.index.tolist() == [2, 3, 5]
    codes = {p.row: p.code for p in r.problems}
    assert codes == {7: "ambiguous_name", 8: "unmatched", 10: "unmatched"}
    amb = next(p for p in r.problems if p.row == 7)
    assert amb.layer == "台账"
    assert "512002001-0003" in amb.message
    assert "512002001-0004" in amb.message
    assert "not a compound of 资溪街道" in r.unmatched_ledger.loc[3, "reason"]
    j = r.joined.set_index("compound_id")
    assert j.loc["512002001-0001", "households"] == 110  # the ledger overrides the map
    assert j.loc["512002001-0006", "households"] == 66
    assert j.loc["512002001-0006", "match_method"] == "point"
    assert j.loc["512002001-0002", "ledger_row"] == 6
    assert j.loc["512002001-0002", "ledger_name"] == "建设路１２号"
    assert j.loc["512002001-0003", "match_method"] == "none"
    assert j.loc["512002001-0003", "households"] == 30
    assert sorted(r.unmatched_compounds["compound_id"]) == ["512002001-0003", "512002001-0004", "512002001-0005"]


def test_gcj02_point_matches_only_after_conversion():
    lon, lat = _centre(0)
    ledger = pd.DataFrame({"name": ["另一个名字"], "street": ["莲花街道"], "lon": [lon], "lat": [lat]})
    assert _pairs(join_ledger(_polys(), ledger)) == {0: ("512002001-0001", "point")}
    wrong = join_ledger(_polys(), ledger, coord_frame="EPSG:4326")  # read as GPS: ~390 m off
    assert wrong.matches.empty
    assert "its point lies in no compound polygon" in wrong.unmatched_ledger["reason"].iat[0]


def test_bd09_and_wgs84_frames():
    bd = _centre(2, wgs84_to_bd09)
    wgs = _centre(4, lambda x, y: (x, y))
    ledger = pd.DataFrame({"name": ["甲"], "street": ["莲花街道"], "lon": [bd[0]], "lat": [bd[1]]})
    assert _pairs(join_ledger(_polys(), ledger, coord_frame="bd09")) == {0: ("512002001-0003", "point")}
    assert join_ledger(_polys(), ledger, coord_frame="gcj02").matches.empty
    ledger = pd.DataFrame({"name": ["甲"], "street": ["莲花街道"], "lon": [wgs[0]], "lat": [wgs[1]]})
    assert _pairs(join_ledger(_polys(), ledger, coord_frame="EPSG:4490")) == {0: ("512002001-0005", "point")}


def test_ambiguous_name_resolved_by_point():
    lon, lat = _centre(3)
    ledger = _ledger({"name": ["和平苑"], "street": ["莲花街道"], "lon": [lon], "lat": [lat]})
    r = join_ledger(_polys(), ledger)
    assert _pairs(r) == {0: ("512002001-0004", "point")}
    assert not [p for p in r.problems if p.severity != "info"]


def test_point_in_two_polygons_is_ambiguous():
    polys = _polys()
    polys.loc[1, "geometry"] = box(X0, Y0, X0 + 160, Y0 + 60)  # overlaps square 0
    lon, lat = _centre(0)
    r = join_ledger(polys, _ledger({"name": ["甲"], "street": ["莲花街道"], "lon": [lon], "lat": [lat]}))
    assert r.matches.empty
    assert [p.code for p in r.problems.warnings] == ["ambiguous_point"]  # + mostly_unmatched: the only row


def test_two_rows_for_one_compound_are_both_reported():
    ledger = _ledger({"compound_id": [None, None, "512002001-5", None],
                      "name": ["凤岭小区", "凤岭小区", "滨江花园", "滨江花园"],
                      "street": ["资溪街道"] * 4})
    r = join_ledger(_polys(), ledger)
    # rows 0 and 1 claim 凤岭小区 in the same pass: neither is guessed
    # row 2 takes 滨江花园 by id; row 3 names it too and stays unmatched
    assert _pairs(r) == {2: ("512002001-0005", "id")}
    assert r.unmatched_ledger.index.tolist() == [0, 1, 3]
    dbl = sorted(p.row for p in r.problems if p.code == "double_match")
    assert dbl == [5, 6, 7, 8]
    assert "row 8" in next(p.message for p in r.problems if p.row == 7)


def test_suffix_variant_matches_only_when_unambiguous():
    polys = _polys()
    polys.loc[4, "name"] = "滨江小区"
    polys.loc[5, "name"] = "滨江苑"  # both loosen to 滨江 in 资溪街道
    ledger = _ledger({"name": ["滨江院", "锦华苑"], "street": ["资溪街道", "莲花街道"]})
    r = join_ledger(polys, ledger)
    assert _pairs(r) == {1: ("512002001-0001", "name")}
    assert [(p.row, p.code) for p in r.problems] == [(5, "ambiguous_name")]


def test_snap_distance():
    lon, lat = _lonlat(X0 + 70, Y0 + 30)  # 10 m east of square 0, 30 m west of square 1
    ledger = pd.DataFrame({"name": ["甲"], "street": ["莲花街道"], "lon": [lon], "lat": [lat]})
    assert join_ledger(_polys(), ledger).matches.empty
    r = join_ledger(_polys(), ledger, max_snap_m=20)
    assert _pairs(r) == {0: ("512002001-0001", "point")}
    assert r.matches["detail"].iat[0] == "gcj02 point snapped 10.0 m"
    assert join_ledger(_polys(), ledger, max_snap_m=5).matches.empty


def test_prefer_and_managed_follows_mode():
    ledger = pd.DataFrame({"compound_id": ["512002001-0001"], "households": [150], "mode": ["professional"],
                           "gate": pd.array([pd.NA], dtype="boolean")})
    j = join_ledger(_polys(), ledger).joined.set_index("compound_id")
    assert j.loc["512002001-0001", "households"] == 150
    assert j.loc["512002001-0001", "managed"]
    assert not j.loc["512002001-0001", "gate"]  # NA in the ledger keeps the map's value
    j = join_ledger(_polys(), ledger, prefer="polygons").joined.set_index("compound_id")
    assert j.loc["512002001-0001", "households"] == 100
    assert j.loc["512002001-0001", "mode"] == "none"


def test_cross_checks_street_and_point():
    lon, lat = _centre(3)
    ledger = _ledger({"compound_id": ["512002001-0001"], "street": ["资溪街道"], "lon": [lon], "lat": [lat]})
    r = join_ledger(_polys(), ledger)
    assert _pairs(r) == {0: ("512002001-0001", "id")}
    assert sorted(p.code for p in r.problems) == ["point_elsewhere", "street_mismatch"]


def test_pii_never_joined_and_ledger_result_names_file():
    ledger = pd.DataFrame({"name": ["锦华小区", "乱写"], "street": ["莲花街道"] * 2, "households": [1, 2],
                           "contact_phone": ["13800000000"] * 2, "id_number": ["512002"] * 2})
    r = join_ledger(_polys(), LedgerResult(ledger, ProblemReport(), "survey.xlsx"))
    assert not {"contact_phone", "id_number"} & set(r.joined.columns)
    assert not {"contact_phone", "id_number"} & set(r.unmatched_ledger.columns)
    assert str(r.problems.problems[0]).startswith("[warning] `survey.xlsx`: ledger row '乱写' (ledger index 1)")


def test_reconciliation_by_street():
    ledger = _ledger({"name": ["锦华小区", "滨江花园", "乱写"], "street": ["莲花街道", "资溪街道", "资溪街道"]})
    rec = join_ledger(_polys(), ledger).reconciliation().set_index("street")
    assert rec.loc["莲花街道"].to_dict() == {"compounds": 4, "ledger_rows": 1, "matched_by_id": 0,
                                          "matched_by_name": 1, "matched_by_point": 0, "ledger_unmatched": 0,
                                          "compounds_without_ledger": 3}
    assert rec.loc["资溪街道", "ledger_unmatched"] == 1
    assert rec.loc["合计"].tolist() == rec.drop(index="合计").sum().tolist()


def test_html_escapes_names():
    ledger = _ledger({"name": ["<script>alert(1)</script>"], "street": ["莲花街道"]})
    out = join_ledger(_polys(), ledger)._repr_html_()
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


def test_bad_inputs_say_how_to_fix():
    ledger = pd.DataFrame({"name": ["甲"], "street": ["莲花街道"]})
    with pytest.raises(CRSError, match="to_metric"):
        join_ledger(_polys().to_crs(4326), ledger)
    with pytest.raises(InputError, match=r"\['street'\]"):
        join_ledger(_polys().drop(columns="street"), ledger)
    with pytest.raises(InputError, match="'gcj02'"):
        join_ledger(_polys(), ledger, coord_frame="amap?")
    with pytest.raises(InputError, match="'ledger' or 'polygons'"):
        join_ledger(_polys(), ledger, prefer="newest")


def test_names_and_ids():
    assert norm_id("512002001-12") == norm_id("512002001-0012") == "512002001-0012"
    assert norm_id("51200200112") == "51200200112"  # no dash: not guessed
    assert norm_name("和平苑（二期）") != norm_name("和平苑(一期)")
    assert name_key("东苑") == "东苑"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 9999), st.booleans())
def test_norm_id_pads_any_serial(serial, wide):
    text = f"512002001-{serial}"
    assert norm_id(text.translate(FULLWIDTH) if wide else text) == f"512002001-{serial:04d}"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=12))  # any unicode, combining marks included
def test_name_normalisation_is_idempotent(text):
    assert norm_name(norm_name(text)) == norm_name(text)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["锦华小区", "和平苑", "滨江花园", "乱写", "凤岭小区", "建设路12号"]),
                          st.sampled_from(["莲花街道", "资溪街道"]),
                          st.sampled_from([None, "512002001-1", "512002001-6", "512002009-1"]),
                          st.sampled_from([None, 0, 2, 5])), min_size=1, max_size=10))
def test_every_ledger_row_matched_or_listed(rows):
    pts = [(None, None) if r[3] is None else _centre(r[3]) for r in rows]
    ledger = pd.DataFrame({"compound_id": [r[2] for r in rows], "name": [r[0] for r in rows],
                           "street": [r[1] for r in rows], "lon": [p[0] for p in pts],
                           "lat": [p[1] for p in pts]}, index=[f"L{i}" for i in range(len(rows))])
    r = join_ledger(_polys(), ledger)
    seen = list(r.matches["ledger_index"]) + list(r.unmatched_ledger.index)
    assert sorted(seen) == sorted(ledger.index)
    assert r.matches["compound_id"].is_unique
    assert len(r.matches) + len(r.unmatched_compounds) == len(r.joined) == 6
    assert r.unmatched_ledger["reason"].notna().all()


# --- a ledger of another place ----------------------------------------------------------------------------------


def _named(names):
    return _ledger({"name": names, "street": ["莲花街道"] * len(names),
                    "households": pd.array([60] * len(names), dtype="Int64")})


def test_a_ledger_that_mostly_matches_no_compound_is_an_error_in_the_join():
    r = join_ledger(_polys(), _named(["锦华小区", "某甲", "某乙", "某丙"]))
    (err,) = r.problems.errors
    assert err.code == "mostly_unmatched"
    assert err.message.startswith("3 of 4 ledger rows (75%) match no compound polygon")
    assert join_ledger(_polys(), _named(["锦华小区", "建设路12号院", "某甲"])).problems.ok  # a typo: a warning
    assert join_ledger(_polys(), _named(["锦华小区", "某甲", "某乙"]), max_unmatched_share=0.7).problems.ok
    with pytest.raises(InputError, match=r"max_unmatched_share=1\.5"):
        join_ledger(_polys(), _named(["锦华小区"]), max_unmatched_share=1.5)


def test_the_run_stops_on_a_ledger_of_another_place(tmp_path):
    from zy_geo.pipeline import run

    city = tmp_path / "city.gpkg"
    _polys().to_file(city, layer="compounds")
    halves = [box(X0 - 100, Y0 - 100, X0 + 390, Y0 + 200), box(X0 + 390, Y0 - 100, X0 + 700, Y0 + 200)]
    gpd.GeoDataFrame({"code": ["512002001", "512002003"], "street": ["莲花街道", "资溪街道"]}, geometry=halves,
                     crs="EPSG:4544").to_file(city, layer="streets")
    ledger = tmp_path / "莲花街道.csv"
    ledger.write_text("小区名称,户数\n某甲,60\n某乙,70\n锦华小区,80\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"(?s)joined to `city.gpkg` cannot be used.*2 of 3 ledger rows \(67%\)"):
        run(city, ledger, out_dir=tmp_path / "out")
    assert (tmp_path / "out" / "join_problems.csv").exists()  # the reconciliation is written first
