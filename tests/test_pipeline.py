"""The main job end to end on the sample, and proposal invariants on it."""

import warnings

import pandas as pd
import pytest
from click.testing import CliRunner

from zy_geo.cli import cli
from zy_geo.pipeline import run
from zy_geo.sample.generate import generate_sample


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
    return generate_sample(tmp_path_factory.mktemp("city"), scale=1, seed=2023)


@pytest.fixture(scope="module")
def result(sample_files, tmp_path_factory):
    return run(sample_files["city"], sample_files["ledger"], out_dir=tmp_path_factory.mktemp("out"), keep_going=True)


def test_outputs_written(result):
    for key in ("ledger_clean", "ledger_problems", "reconciliation", "proposals", "proposals_summary",
                "coverage", "map"):
        assert result.files[key].exists() and result.files[key].stat().st_size > 0, key
    assert result.files["map"].stat().st_size < 3_000_000


def test_no_ledger_row_silently_lost(result):
    acc = result.ledger.accounting()
    assert acc["read"] == acc["kept"] + acc["rejected"] + acc["skipped"]
    assert len(result.join.matches) + len(result.join.unmatched_ledger) == acc["kept"]


def test_membership_is_a_partition_of_unmanaged_units(result):
    p = result.proposals
    m = p.members
    assert m["unit_id"].is_unique
    assert m["outcome"].isin(["area", "absorbed", "remainder"]).all()
    unmanaged = result.compounds.loc[result.compounds["mode"] == "none", "compound_id"]
    assert set(unmanaged) == set(m.loc[m["source"] == "compound", "unit_id"])
    in_areas = [u for ids in p.areas["unit_ids"] for u in ids]
    assert len(in_areas) == len(set(in_areas)) == int((m["outcome"] == "area").sum())
    total = p.summary().iloc[-1]
    assert total["households_in_areas"] + total["households_absorbed"] + total["households_remaining"] == \
        m["households"].sum()


def test_no_area_crosses_a_street_or_barrier(result):
    p = result.proposals
    streets = result.layers["streets"].set_index("street")
    for _, a in p.areas.iterrows():
        assert streets.loc[a["street"], "geometry"].buffer(0.5).covers(a.geometry), a["area_id"]
    river = result.layers["rivers"].geometry.iloc[0]
    assert not p.areas.intersects(river.buffer(-1)).any()
    members = p.members[p.members["outcome"] == "area"]
    assert (members.groupby("area_id")["enclosure_id"].agg(lambda s: len(set(s))) == 1).all()


def test_coverage_totals_consistent(result):
    cov = result.coverage
    total = cov.iloc[-1]
    groups = cov[~cov["street"].isin(["小计", "合计"])]
    assert groups["households"].sum() == total["households"] == result.compounds["households"].sum()
    assert 0 < total["coverage_households"] < 1


def test_cli_demo_and_propose(sample_files, tmp_path):
    runner = CliRunner()
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # as outside the suite: the sample ledger's errors are a warning here
        res = runner.invoke(cli, ["propose", str(sample_files["city"]), "--survey", str(sample_files["ledger"]),
                                  "--out", str(tmp_path / "p.gpkg")])
    assert res.exit_code == 0, res.output
    # the rows the ledger rejects are said, with how to list them
    assert "warning: the ledger `survey_ledger.xlsx` has 6 error(s); those rows are left out" in res.output
    assert "zy-geo validate survey_ledger.xlsx --problems problems.csv" in res.output
    assert "areas for" in res.output and (tmp_path / "p_summary.xlsx").exists()
    assert "step/s" not in res.output and "|" not in res.output, "no progress bars when output is not a terminal"
    summary = pd.read_excel(tmp_path / "p_summary.xlsx", sheet_name="汇总")
    assert summary.iloc[-1]["街道（镇）"] == "合计"


def test_a_city_without_streets_is_an_error_naming_the_layer(sample_files, tmp_path):
    import pyogrio

    city = tmp_path / "no_streets.gpkg"
    for name, _ in pyogrio.list_layers(sample_files["city"]):
        if name in ("compounds", "tuoxi"):
            pyogrio.write_dataframe(pyogrio.read_dataframe(sample_files["city"], layer=name), city, layer=name)
    res = CliRunner().invoke(cli, ["propose", str(city), "--out", str(tmp_path / "p.gpkg")])
    assert res.exit_code == 1
    assert "no_streets.gpkg` has no layer 'streets'" in res.output
    assert "Traceback" not in res.output
