import warnings

import geopandas as gpd
import geopandas.testing
import numpy as np
import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from zy_geo.crs import (
    assert_metric,
    bd09_to_gcj02,
    bd09_to_wgs84,
    frame_of,
    from_frame,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_frame,
    to_metric,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from zy_geo.errors import CRSError

china = st.tuples(st.floats(73.7, 134.7), st.floats(18.2, 53.5))


def _pr(fn, lon, lat):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = fn(prcoords.Coords(lat, lon))
    return c.lon, c.lat


def test_reference_value_of_domain_brief():
    assert wgs84_to_gcj02(104.6270, 30.1310) == pytest.approx((104.6294027859, 30.1281521760), abs=1e-9)
    assert wgs84_to_bd09(104.6270, 30.1310) == pytest.approx((104.6358339182, 30.1344212625), abs=1e-9)


@settings(max_examples=300)
@given(china)
def test_forward_agrees_with_prcoords(pt):
    lon, lat = pt
    assert wgs84_to_gcj02(lon, lat) == pytest.approx(_pr(prcoords.wgs_gcj, lon, lat), abs=1e-9)
    assert gcj02_to_bd09(lon, lat) == pytest.approx(_pr(prcoords.gcj_bd, lon, lat), abs=1e-9)
    assert wgs84_to_bd09(lon, lat) == pytest.approx(_pr(prcoords.wgs_bd, lon, lat), abs=1e-9)


@settings(max_examples=300)
@given(china)
def test_round_trips_below_1e7_degrees(pt):
    lon, lat = pt
    assert gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)) == pytest.approx((lon, lat), abs=1e-7)
    assert bd09_to_wgs84(*wgs84_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-7)
    assert bd09_to_gcj02(*gcj02_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-7)


def test_inverse_agrees_with_prcoords_and_is_tighter():
    lon, lat = wgs84_to_gcj02(104.627, 30.131)
    ours = gcj02_to_wgs84(lon, lat)
    theirs = _pr(prcoords.gcj_wgs_bored, lon, lat)
    assert ours == pytest.approx(theirs, abs=1e-7)
    residual = lambda p: max(abs(a - b) for a, b in zip(wgs84_to_gcj02(*p), (lon, lat), strict=True))  # noqa: E731
    assert residual(ours) <= residual(theirs)
    assert residual(ours) < 1e-9


def test_arrays_scalars_nan_and_outside_china():
    lon = np.array([104.627, 2.35, np.nan])
    lat = np.array([30.131, 48.85, 30.0])
    x, y = wgs84_to_gcj02(lon, lat)
    assert isinstance(x, np.ndarray)
    assert x.shape == (3,)
    assert (x[1], y[1]) == (2.35, 48.85)  # Paris passes unchanged
    assert np.isnan(x[2])
    assert isinstance(wgs84_to_gcj02(104.6, 30.1)[0], float)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def _layer():
    ring = [(104.62, 30.12), (104.64, 30.12), (104.64, 30.14), (104.62, 30.14)]
    hole = [(104.625, 30.125), (104.63, 30.125), (104.63, 30.13)]
    poly = Polygon(ring, [hole])
    multi = MultiPolygon([Polygon([(104.60, 30.10), (104.61, 30.10), (104.61, 30.11)]), poly])
    line = LineString([(104.62, 30.12), (104.65, 30.15)])
    return gpd.GeoDataFrame({"name": ["洞", "多", "线", "点"]},
                            geometry=[poly, multi, line, Point(104.627, 30.131)], crs="EPSG:4326")


def test_whole_layer_shift_is_ziyang_sized_and_reversible():
    g = _layer()
    shifted = to_frame(g, "gcj02")
    assert frame_of(shifted) == "gcj02"
    assert shifted.crs.to_epsg() == 4326
    metric = g.to_crs("EPSG:4544")
    shift_m = shifted.set_crs(4326, allow_override=True).to_crs(4544).centroid.distance(metric.centroid)
    assert shift_m.between(370, 420).all()
    assert list(shifted.geometry.iloc[0].interiors)  # the hole survives
    back = to_metric(shifted)
    assert frame_of(back) == "EPSG:4544"
    geopandas.testing.assert_geoseries_equal(back.geometry, metric.geometry, check_less_precise=True)
    bd = to_frame(shifted, "bd09")
    assert frame_of(bd) == "bd09"
    assert to_metric(bd).geometry.iloc[3].distance(metric.geometry.iloc[3]) < 1e-3


def test_from_frame_declares_amap_data():
    g = gpd.GeoDataFrame(geometry=[Point(104.6294027859, 30.1281521760)], crs="EPSG:4326")
    w = from_frame(g, "gcj02")
    assert frame_of(w) == "EPSG:4326"
    assert (w.geometry.x.iloc[0], w.geometry.y.iloc[0]) == pytest.approx((104.627, 30.131), abs=1e-9)


def test_metric_guard_refuses_shifted_and_geographic():
    g = _layer()
    with pytest.raises(CRSError, match=r"shifted to gcj02.*to_metric"):
        assert_metric(to_frame(g, "gcj02"), what="compounds")
    with pytest.raises(CRSError, match="not a metric CRS"):
        assert_metric(g)
    assert_metric(to_metric(g))
    # the mark survives a careless to_crs, so the guard still fires
    careless = to_frame(g, "gcj02").to_crs(4544)
    with pytest.raises(CRSError, match="shifted"):
        assert_metric(careless)
    with pytest.raises(CRSError, match="no CRS"):
        to_metric(gpd.GeoDataFrame(geometry=[Point(0, 0)]))


@settings(max_examples=100)
@given(china)
def test_inverse_solves_the_forward_to_1e9_degrees(pt):
    lon, lat = pt
    for fwd, inv in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84), (gcj02_to_bd09, bd09_to_gcj02)):
        assert fwd(*inv(lon, lat)) == pytest.approx((lon, lat), abs=1e-9)


@given(st.lists(china, min_size=1, max_size=20))
def test_arrays_give_what_scalars_give_in_the_same_shape(pts):
    lon = np.array([p[0] for p in pts]).reshape(-1, 1)
    lat = np.array([p[1] for p in pts]).reshape(-1, 1)
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09, bd09_to_wgs84, gcj02_to_bd09, bd09_to_gcj02):
        x, y = fn(lon, lat)
        assert x.shape == lon.shape
        assert y.shape == lat.shape
        for i, p in enumerate(pts):
            assert (x[i, 0], y[i, 0]) == fn(*p)


def test_bd09_shift_is_ziyang_sized_and_frames_chain_both_ways():
    g = _layer()
    metric = g.to_crs("EPSG:4544")
    bd = to_frame(metric, "bd09")  # EPSG:4544 → bd09 through WGS84
    shift_m = bd.set_crs(4326, allow_override=True).to_crs(4544).centroid.distance(metric.centroid)
    assert shift_m.between(880, 990).all()
    gcj = to_frame(bd, "gcj02")  # bd09 → gcj02 directly
    geopandas.testing.assert_geoseries_equal(gcj.geometry, to_frame(g, "gcj02").geometry, check_less_precise=True)
    same = to_frame(gcj, "GCJ-02")
    assert frame_of(same) == "gcj02"
    assert same.geometry.equals(gcj.geometry)


def test_nan_and_empty_geometries_pass_through_a_layer_shift():
    g = gpd.GeoDataFrame(geometry=[Point(104.627, 30.131), Polygon(), None], crs="EPSG:4326")
    shifted = to_frame(g, "gcj02")
    assert shifted.geometry.iloc[1].is_empty
    assert shifted.geometry.iloc[2] is None
    x, y = gcj02_to_wgs84(np.array([np.nan, 104.63]), np.array([np.nan, 30.13]))
    assert np.isnan(x[0])
    assert np.isnan(y[0])
    assert not np.isnan(x[1])


def test_bad_declarations_raise_with_the_fix():
    with pytest.raises(CRSError, match="frame must be one of"):
        from_frame(_layer(), "wgs")
    with pytest.raises(CRSError, match=r"must hold lon/lat degrees.*EPSG:4544"):
        from_frame(_layer().to_crs(4544), "gcj02")
    with pytest.raises(CRSError, match="projected CRS"):
        to_metric(_layer(), crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"no CRS.*set_crs"):
        assert_metric(gpd.GeoDataFrame(geometry=[Point(0, 0)]), what="roads")
