import geopandas as gpd
import pytest
from shapely.geometry import box

from zy_geo import InputError
from zy_geo.plans.funding import funding_split, funding_totals
from zy_geo.settings import Settings

CRS = "EPSG:4544"
# Tuoxi: x < 100 (west of a river at x = 100..140)
TUOXI = gpd.GeoDataFrame(geometry=[box(-500, -500, 100, 500)], crs=CRS)


def _items(*specs):
    return gpd.GeoDataFrame({"body": [b for b, *_ in specs], "street": [s for _, s, *_ in specs],
                             "cost_yuan": [c for *_, c, _ in specs]},
                            geometry=[g for *_, g in specs], crs=CRS)


def test_west_east_and_straddling_compounds():
    items = _items(("雁江区", "莲花街道", 60000.0, box(0, 0, 50, 50)),       # west: 50/50, capped
                   ("雁江区", "莲花街道", 20000.0, box(200, 0, 250, 50)),    # east: district alone
                   ("雁江区", "资溪街道", 40000.0, box(70, 0, 110, 40)),     # 75 % west: Tuoxi, flagged
                   ("雁江区", "资溪街道", 40000.0, box(90, 0, 130, 40)),     # 25 % west: district, flagged
                   ("高新区", "狮子山街道", 30000.0, box(0, 100, 50, 150)))  # west but not Yanjiang: body
    f = funding_split(items, tuoxi=TUOXI)
    assert f["rule"].tolist() == ["tuoxi_50_50", "body", "tuoxi_50_50", "body", "body"]
    assert f["subsidy_yuan"].tolist() == [50000.0, 20000.0, 40000.0, 40000.0, 30000.0]
    assert f["city_yuan"].tolist() == [25000.0, 0.0, 20000.0, 0.0, 0.0]
    assert f["remaining_yuan"].tolist() == [10000.0, 0.0, 0.0, 0.0, 0.0]
    assert f["straddles"].tolist() == [False, False, True, True, False]
    assert f["tuoxi_share"].tolist() == [1.0, 0.0, 0.75, 0.25, 1.0]
    assert f["payer"].tolist()[-1] == "高新区管委会财政"
    assert (f["city_yuan"] + f["body_yuan"] == f["subsidy_yuan"]).all()


def test_cap_and_share_from_settings():
    items = _items(("雁江区", "莲花街道", 60000.0, box(0, 0, 50, 50)))
    f = funding_split(items, tuoxi=TUOXI, settings=Settings(subsidy_cap_yuan=40000.0, tuoxi_city_share=0.3))
    assert f.loc[0, "subsidy_yuan"] == 40000.0 and f.loc[0, "city_yuan"] == pytest.approx(12000.0)


def test_totals_add_up():
    items = _items(("雁江区", "莲花街道", 60000.0, box(0, 0, 50, 50)),
                   ("雁江区", "资溪街道", 20000.0, box(200, 0, 250, 50)),
                   ("高新区", "狮子山街道", 30000.0, box(0, 100, 50, 150)))
    f = funding_split(items, tuoxi=TUOXI).assign(street=items["street"])
    t = funding_totals(f, by=["body", "street"])
    total = t.iloc[-1]
    assert total["subsidy_yuan"] == t.iloc[:-1]["subsidy_yuan"].sum() == f["subsidy_yuan"].sum() == 100000.0
    assert total["items"] == 3


def test_bad_input_named():
    items = _items(("雁江区", "莲花街道", -1.0, box(0, 0, 50, 50)))
    with pytest.raises(InputError, match="cost ≥ 0"):
        funding_split(items, tuoxi=TUOXI)
    ok = _items(("雁江区", "莲花街道", 1.0, box(0, 0, 50, 50)))
    with pytest.raises(InputError, match="metric"):
        funding_split(ok.to_crs(4326), tuoxi=TUOXI)


def test_a_city_without_a_cofunded_area_has_every_body_pay_its_own():
    import geopandas as gpd
    from shapely.geometry import box

    from zy_geo.config import Settings
    from zy_geo.plans.funding import funding_split

    items = gpd.GeoDataFrame({"body": ["崇川区", "雁江区"], "cost_yuan": [80000.0, 30000.0]},
                             geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10)], crs="EPSG:4549")
    f = funding_split(items, tuoxi=None)
    assert f["rule"].tolist() == ["body", "body"]
    assert f["body_yuan"].tolist() == [50000.0, 30000.0] and f["city_yuan"].sum() == 0
    area = gpd.GeoDataFrame(geometry=[box(-5, -5, 40, 40)], crs="EPSG:4549")
    any_body = funding_split(items, tuoxi=area, settings=Settings(cofund_body="", tuoxi_city_share=0.3))
    assert any_body["city_yuan"].tolist() == [15000.0, 9000.0]
    only = funding_split(items, tuoxi=area, settings=Settings(cofund_body="崇川区"))
    assert only["rule"].tolist() == ["tuoxi_50_50", "body"]
