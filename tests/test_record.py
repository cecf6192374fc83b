"""Every proposal records what it came from, and re-running it from that record gives the same proposal."""

import hashlib
import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

import zy_geo
from zy_geo import InputError, ProposalResult, ZyGeoWarning
from zy_geo.areas import propose_areas
from zy_geo.areas.record import PARAMETERS_KEY, RECORD_TABLE, config_from_record, portable_record, read_record
from zy_geo.cli import cli
from zy_geo.config import load_config
from zy_geo.pipeline import propose, rerun

from .tiny_city import compounds, street, u

# the sample ledger carries offices' mistakes on purpose: propose says its rejected rows in a warning
pytestmark = pytest.mark.filterwarnings("ignore:the ledger `survey_ledger.xlsx` has:UserWarning")

ZIYANG = (462_000, 3_330_000)  # metres in EPSG:4544, near the city centre
BENCH = Path(__file__).resolve().parents[1] / "outputs" / "bench" / "scale_1"


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _city(folder, boxes=((0, 0, 60, 60), (80, 0, 140, 60), (300, 0, 360, 60), (380, 0, 440, 60)),
          hh=(100, 100, 100, 100)):
    """A city GeoPackage in Ziyang: open compounds in pairs 20 m apart, one street."""
    folder.mkdir(parents=True, exist_ok=True)
    city, streets = compounds(list(boxes), list(hh)), street()
    city.geometry, streets.geometry = (g.geometry.translate(*ZIYANG) for g in (city, streets))
    path = folder / "city.gpkg"
    city.to_file(path, layer="compounds", engine="pyogrio")
    streets.to_file(path, layer="streets", engine="pyogrio")
    return path


_DECISIONS_TOML = f"""\
[proposal]
max_households = 900
no_merge = ["{u(4)}"]

[proposal.streets."莲花街道"]
max_gap_m = 50.0

[[proposal.apart]]
units = ["{u(1)}", "{u(2)}"]
reason = "居民不同意合并"
"""


def _config(folder, text=_DECISIONS_TOML):
    path = folder / "proposal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _same(a, b):
    """Two proposal GeoPackages with the same areas, members, fence and cost (every column, every boundary)."""
    a, b = ProposalResult.from_gpkg(a), ProposalResult.from_gpkg(b)
    for layer in ("areas", "members", "remainders", "enclosures"):
        assert_geodataframe_equal(getattr(a, layer), getattr(b, layer), check_like=False)
    pd.testing.assert_frame_equal(a.summary(), b.summary())


def _rerun_same(first, again):
    """``zy-geo propose --rerun FIRST --out AGAIN`` succeeds and gives the same proposal; its output."""
    res = _propose_cli("--rerun", first, "--out", again)
    assert res.exit_code == 0, res.output
    _same(first, again)
    return res.output


def _set_record(path, key, value):
    """Change one entry of a proposal's record, as a hand (or another version) would."""
    with sqlite3.connect(path) as db:
        db.execute(f"UPDATE {RECORD_TABLE} SET value = ? WHERE key = ?", (value, key))


def _propose_cli(*args):
    return CliRunner().invoke(cli, ["propose", *map(str, args)])


# --- what a proposal records ---------------------------------------------------------------------------------------

def test_a_proposal_records_the_hash_of_each_input_the_whole_config_and_the_version(tmp_path):
    city, config = _city(tmp_path / "in"), _config(tmp_path / "in")
    out = tmp_path / "p.gpkg"
    r = propose(city, config=config, out=out, command="zy-geo propose city.gpkg --config proposal.toml --out p.gpkg")
    rec = read_record(out)
    assert rec == portable_record(r.record, tmp_path) == ProposalResult.from_gpkg(out).record
    assert rec["zy_geo_version"] == zy_geo.__version__
    assert rec["command"] == "zy-geo propose city.gpkg --config proposal.toml --out p.gpkg"
    assert (rec["city.name"], rec["city.path"], rec["city.sha256"]) == ("city.gpkg", "in/city.gpkg", _sha(city))
    assert r.record["city.path"] == str(city.absolute())  # absolute in memory, relative in the file
    assert rec["city.size_bytes"] == str(city.stat().st_size)
    assert (rec["config.name"], rec["config.sha256"]) == ("proposal.toml", _sha(config))
    assert "ledger.sha256" not in rec and "edits.sha256" not in rec
    assert rec["crs.metric_crs"] == "EPSG:4544" and rec["crs.metric_crs_how"] == "auto"
    # the whole config, decisions and per-street overrides included, reads back to an equal Config
    assert config_from_record(rec, out) == load_config(config)
    assert f'no_merge = ["{u(4)}"]' in rec[PARAMETERS_KEY] and "[[proposal.apart]]" in rec[PARAMETERS_KEY]
    # the table QGIS shows: key, value and a Chinese name on every row
    table = pyogrio.read_dataframe(out, layer=RECORD_TABLE, read_geometry=False)
    assert list(table.columns) == ["key", "value", "名称"]
    assert table.set_index("key").loc["city.sha256", "名称"] == "城市数据 SHA-256"
    assert dict(pyogrio.list_layers(out))[RECORD_TABLE] is None  # a table, not a layer without geometry
    # the 参数 sheet: hashes, version and command
    sheet = pd.read_excel(tmp_path / "p_summary.xlsx", sheet_name="参数").set_index("参数")
    assert sheet.loc["city.sha256", "取值"] == _sha(city) and sheet.loc["config.sha256", "取值"] == _sha(config)
    assert sheet.loc["city.sha256", "来源"].startswith("city.gpkg，")
    assert sheet.loc["zy_geo_version", "取值"] == zy_geo.__version__
    assert sheet.loc["command", "取值"].startswith("zy-geo propose")
    assert sheet.loc["metric_crs", "取值"].startswith("EPSG:4544")  # the frames stay recorded


def test_the_command_line_is_recorded_as_typed(tmp_path):
    city = _city(tmp_path / "in")
    res = _propose_cli(city, "--out", tmp_path / "p.gpkg", "--metric-crs", "EPSG:4544")
    assert res.exit_code == 0, res.output
    rec = read_record(tmp_path / "p.gpkg")
    # as typed, with absolute paths made relative to the proposal's folder
    assert rec["command"] == "zy-geo propose in/city.gpkg --out p.gpkg --metric-crs EPSG:4544"
    assert rec["option.metric_crs"] == "EPSG:4544" and rec["crs.metric_crs_how"] == "--metric-crs"
    # a re-run takes the options outside the config from the record too
    assert read_record(rerun(tmp_path / "p.gpkg", out=tmp_path / "q.gpkg").record and tmp_path / "q.gpkg")[
        "crs.metric_crs_how"] == "--metric-crs"


def test_a_proposal_made_in_python_records_its_parameters_and_version(tmp_path):
    city = _city(tmp_path)
    c, streets = (gpd.read_file(city, layer=n, engine="pyogrio") for n in ("compounds", "streets"))
    r = propose_areas(c, streets=streets)
    assert r.record["zy_geo_version"] == zy_geo.__version__ and "city.sha256" not in r.record
    assert r.record["command"].startswith("zy_geo.propose_areas")
    assert PARAMETERS_KEY in r.record


# --- re-running --------------------------------------------------------------------------------------------------

def test_a_rerun_with_nothing_changed_gives_the_same_proposal(tmp_path):
    city, config = _city(tmp_path / "in"), _config(tmp_path / "in")
    first = tmp_path / "first.gpkg"
    res = _propose_cli(city, "--config", config, "--out", first)
    assert res.exit_code == 0, res.output
    again = tmp_path / "again.gpkg"
    output = _rerun_same(first, again)
    assert "re-ran `first.gpkg` from its record: city `city.gpkg`, config `proposal.toml`" in output
    rec = read_record(again)
    assert (rec["rerun_of.name"], rec["rerun_of.sha256"]) == ("first.gpkg", _sha(first))
    assert rec["config.sha256"] == _sha(config) and rec[PARAMETERS_KEY] == read_record(first)[PARAMETERS_KEY]
    assert rec["command"] == "zy-geo propose --out again.gpkg --rerun first.gpkg"  # relative to the proposal
    assert "accepted_changed_inputs" not in rec
    # the decisions bound the re-run as they bound the first
    r = ProposalResult.from_gpkg(again)
    assert r.members.set_index("unit_id").loc[u(4), "decision"] == "no_merge"
    # the config file itself is not needed: its content is in the record
    config.unlink()
    rerun(first, out=tmp_path / "third.gpkg")
    _same(first, tmp_path / "third.gpkg")


def test_a_changed_input_is_refused_naming_the_file_both_hashes_and_the_fix(tmp_path):
    city = _city(tmp_path / "in")
    first = tmp_path / "first.gpkg"
    propose(city, out=first)
    old = _sha(city)
    _city(tmp_path / "in", hh=(100, 100, 100, 40))  # the survey team corrected one compound
    new = _sha(city)
    with pytest.raises(InputError) as err:
        rerun(first, out=tmp_path / "again.gpkg")
    msg = str(err.value)
    assert f"the city file `{city.absolute()}` is not the one `first.gpkg` was proposed from" in msg
    assert f"recorded sha256 {old[:12]}…" in msg and f"found {new[:12]}…" in msg
    assert "--city PATH" in msg and "--accept-changed-inputs" in msg
    assert not (tmp_path / "again.gpkg").exists()
    res = _propose_cli("--rerun", first, "--out", tmp_path / "again.gpkg")
    assert res.exit_code == 1 and "recorded sha256" in res.output
    # accepted: re-run on the new file, and said so in the record
    res = _propose_cli("--rerun", first, "--out", tmp_path / "again.gpkg", "--accept-changed-inputs")
    assert res.exit_code == 0, res.output
    assert "re-ran on changed inputs (--accept-changed-inputs): city `city.gpkg`" in res.output
    rec = read_record(tmp_path / "again.gpkg")
    assert rec["accepted_changed_inputs"] == f"city `city.gpkg`: recorded sha256 {old[:12]}…, found {new[:12]}…"
    assert rec["city.sha256"] == new
    sheet = pd.read_excel(tmp_path / "again_summary.xlsx", sheet_name="参数").set_index("参数")
    assert sheet.loc["accepted_changed_inputs", "取值"].startswith("city `city.gpkg`")


def test_inputs_moved_are_found_beside_the_proposal_or_where_given(tmp_path):
    city = _city(tmp_path / "in")
    first = tmp_path / "first.gpkg"
    propose(city, out=tmp_path / "in" / "first.gpkg")
    shutil.copy(tmp_path / "in" / "first.gpkg", first)
    # the folder copied whole to another place: the city is found beside the proposal
    shutil.copytree(tmp_path / "in", tmp_path / "moved")
    shutil.rmtree(tmp_path / "in")
    rerun(tmp_path / "moved" / "first.gpkg", out=tmp_path / "moved" / "again.gpkg")
    _same(first, tmp_path / "moved" / "again.gpkg")
    # only the proposal kept: the missing city is named with the fix
    (tmp_path / "alone").mkdir()
    shutil.copy(tmp_path / "moved" / "first.gpkg", tmp_path / "alone" / "first.gpkg")
    with pytest.raises(InputError, match=r"the city file `city.gpkg` \(城市数据\) that `first.gpkg` was proposed "
                                         r"from is missing: not at its recorded path .* fix: pass it with --city PATH"):
        rerun(tmp_path / "alone" / "first.gpkg")
    res = _propose_cli("--rerun", tmp_path / "alone" / "first.gpkg", "--city", tmp_path / "moved" / "city.gpkg",
                       "--out", tmp_path / "alone" / "again.gpkg")
    assert res.exit_code == 0, res.output
    _same(first, tmp_path / "alone" / "again.gpkg")


def test_a_written_record_names_no_folder_of_this_machine_and_a_tree_moved_whole_reruns(tmp_path):
    home = tmp_path / "home" / "zhangsan"  # a home folder is often a person's name
    city, config = _city(home / "ziyang" / "data"), _config(home / "ziyang" / "data")
    out = home / "ziyang" / "out" / "p.gpkg"
    res = _propose_cli(city, "--config", config, f"--out={out}")
    assert res.exit_code == 0, res.output
    table = pyogrio.read_dataframe(out, layer=RECORD_TABLE, read_geometry=False)
    assert not table["value"].str.contains("zhangsan").any(), table[table["value"].str.contains("zhangsan")]
    rec = read_record(out)
    assert (rec["city.path"], rec["config.path"]) == ("../data/city.gpkg", "../data/proposal.toml")
    assert rec["command"] == "zy-geo propose ../data/city.gpkg --config ../data/proposal.toml --out p.gpkg"
    sheet = pd.read_excel(out.with_name("p_summary.xlsx"), sheet_name="参数")
    assert not sheet.astype(str).apply(lambda c: c.str.contains("zhangsan")).any().any()
    # the whole tree handed to someone else: the city is found by its relative path, not beside the proposal
    shutil.copytree(home / "ziyang", tmp_path / "lisi" / "ziyang")
    shutil.rmtree(home)
    again = rerun(tmp_path / "lisi" / "ziyang" / "out" / "p.gpkg", out=tmp_path / "lisi" / "ziyang" / "out" / "q.gpkg")
    assert again.record["city.path"] == str((tmp_path / "lisi" / "ziyang" / "data" / "city.gpkg").resolve())
    assert read_record(tmp_path / "lisi" / "ziyang" / "out" / "q.gpkg")["rerun_of.path"] == "p.gpkg"


def test_every_missing_input_is_named_in_one_message(tmp_path):
    city = _city(tmp_path / "in")
    first = tmp_path / "in" / "first.gpkg"
    propose(city, out=first)
    edited = tmp_path / "in" / "edited.gpkg"
    shutil.copy(first, edited)
    second = tmp_path / "second.gpkg"
    propose(city, edits=edited, out=second)
    city.unlink()
    edited.unlink()
    with pytest.raises(InputError) as err:
        rerun(second)
    msg = str(err.value)
    assert msg.startswith("cannot re-run `second.gpkg`:\n")
    assert "the city file `city.gpkg`" in msg and "--city PATH" in msg
    assert "the edits file `edited.gpkg`" in msg and "--edits PATH" in msg
    assert len(err.value.report.errors) == 2


def test_a_proposal_without_a_record_is_told_to_propose_again(tmp_path):
    city = _city(tmp_path)
    r = propose(city)
    r.record = {}  # as zy_geo wrote proposals before they were recorded
    old = r.to_gpkg(tmp_path / "old.gpkg")
    assert RECORD_TABLE not in dict(pyogrio.list_layers(old)) and ProposalResult.from_gpkg(old).record == {}
    with pytest.raises(InputError, match=r"`old.gpkg` holds no record of how it was made .* Propose it again from its "
                                         r"files — zy-geo propose CITY.gpkg"):
        rerun(old)
    res = _propose_cli("--rerun", old, "--out", tmp_path / "new.gpkg")
    assert res.exit_code == 1 and "holds no record" in res.output


def test_a_proposal_made_from_layers_in_memory_cannot_be_rerun_and_says_why(tmp_path):
    c = gpd.read_file(_city(tmp_path), layer="compounds")
    streets = gpd.read_file(tmp_path / "city.gpkg", layer="streets")
    p = propose_areas(c, streets=streets).to_gpkg(tmp_path / "p.gpkg")
    with pytest.raises(InputError, match=r"names no city file: it was proposed in Python from layers in memory"):
        rerun(p)


def test_a_proposal_of_another_version_is_rerun_with_a_warning(tmp_path):
    city = _city(tmp_path)
    first = tmp_path / "first.gpkg"
    propose(city, out=first)
    _set_record(first, "zy_geo_version", "0.0.9")
    with pytest.warns(ZyGeoWarning, match=rf"proposed by zy_geo 0.0.9; this is zy_geo {zy_geo.__version__}.*zy-geo "
                                          r"diff first.gpkg NEW.gpkg"):
        rerun(first, out=tmp_path / "again.gpkg")
    _same(first, tmp_path / "again.gpkg")


def test_recorded_parameters_this_version_cannot_read_are_refused_with_the_version(tmp_path):
    city = _city(tmp_path)
    first = tmp_path / "first.gpkg"
    propose(city, out=first)
    _set_record(first, PARAMETERS_KEY, "[proposal]\nmax_houses = 3\n")
    _set_record(first, "zy_geo_version", "9.0")
    with pytest.warns(ZyGeoWarning), pytest.raises(InputError, match=r"parameters recorded in `first.gpkg` \(by zy_geo "
                                                                      r"9.0\) cannot be read by this zy_geo"):
        rerun(first)


def test_a_rerun_with_edits_locks_the_same_areas(tmp_path):
    city = _city(tmp_path / "in")
    first = tmp_path / "in" / "first.gpkg"
    propose(city, out=first)
    edited = tmp_path / "in" / "edited.gpkg"
    shutil.copy(first, edited)
    members = gpd.read_file(edited, layer="members", engine="pyogrio")
    a1, a2 = sorted(members["area_id"].unique())
    members.loc[members["unit_id"] == u(2), "area_id"] = a2  # the planner moves a unit
    members.to_file(edited, layer="members", driver="GPKG", engine="pyogrio")
    second = tmp_path / "second.gpkg"
    res = _propose_cli(city, "--edits", edited, "--out", second)
    assert res.exit_code == 0, res.output
    assert read_record(second)["edits.sha256"] == _sha(edited)
    again = tmp_path / "again.gpkg"
    assert "edits `edited.gpkg`" in _rerun_same(second, again)
    assert ProposalResult.from_gpkg(again).members.set_index("unit_id").loc[u(2), "area_id"] == a2
    # the edited file changed since: refused, named
    members.loc[members["unit_id"] == u(2), "area_id"] = a1
    members.to_file(edited, layer="members", driver="GPKG", engine="pyogrio")
    with pytest.raises(InputError, match=r"the edits file `.*edited.gpkg` is not the one `second.gpkg` was proposed "
                                         r"from.*--edits PATH"):
        rerun(second)


def test_the_command_line_refuses_what_a_rerun_cannot_take(tmp_path):
    city = _city(tmp_path)
    first = tmp_path / "first.gpkg"
    propose(city, out=first)
    cases = [
        (["--rerun", first, "--config", _config(tmp_path), "--out", tmp_path / "a.gpkg"], 2, "--config would change"),
        (["--rerun", first, "--metric-crs", "EPSG:4545", "--out", tmp_path / "a.gpkg"], 2, "--metric-crs"),
        (["--out", tmp_path / "a.gpkg"], 2, "give the city GeoPackage"),
        ([city, "--accept-changed-inputs", "--out", tmp_path / "a.gpkg"], 2, "belongs to --rerun"),
        (["--rerun", first, "--out", first], 2, "is an input of this command"),
        ([city, "--city", first, "--rerun", first, "--out", tmp_path / "a.gpkg"], 2, "the city is given twice"),
    ]
    for args, code, text in cases:
        res = _propose_cli(*args)
        assert res.exit_code == code and text in res.output, (args, res.output)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("x\n", encoding="utf-8")
    res = _propose_cli("--rerun", first, "--survey", ledger, "--out", tmp_path / "a.gpkg")
    assert res.exit_code == 1 and "`first.gpkg` was proposed without a 摸底台账 (ledger)" in res.output
    assert not (tmp_path / "a.gpkg").exists()


# --- the sample --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The scale-1 sample's city and ledger, copied (the re-runs check their hashes; nothing else may change them)."""
    folder = tmp_path_factory.mktemp("record_sample")
    if (BENCH / "city.gpkg").exists() and (BENCH / "survey_ledger.xlsx").exists():
        for name in ("city.gpkg", "survey_ledger.xlsx"):
            shutil.copy(BENCH / name, folder / name)
        return {"city": folder / "city.gpkg", "ledger": folder / "survey_ledger.xlsx"}
    return zy_geo.generate_sample(folder, scale=1)


@pytest.fixture(scope="module")
def sample_first(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("record_first") / "first.gpkg"
    res = _propose_cli(sample["city"], "--survey", sample["ledger"], "--out", out)
    assert res.exit_code == 0, res.output
    return out


def _decisions_toml(first):
    """Decisions on the sample: two pairs kept together, one pair apart, a refusal and a demolition."""
    areas = ProposalResult.from_gpkg(first).areas
    merged = [ids for ids in areas["unit_ids"] if len(ids) >= 2]
    together = "".join(f'\n[[proposal.together]]\nunits = ["{ids[0]}", "{ids[1]}"]\nreason = "业主大会同意"\n'
                       for ids in merged[:2])
    apart = f'\n[[proposal.apart]]\nunits = ["{merged[2][0]}", "{merged[2][1]}"]\nreason = "居民不同意合并"\n'
    return (f'[proposal]\nmax_households = 1000\nno_merge = ["{merged[3][0]}"]\n'
            f'exclude = {{ "{merged[4][0]}" = "拟拆迁" }}\n' + apart + together)


def test_the_sample_reruns_to_the_same_proposal(sample, sample_first, tmp_path):
    again = tmp_path / "again.gpkg"
    assert "181 areas for 115122 households" in _rerun_same(sample_first, again)
    rec = read_record(again)
    assert rec["ledger.sha256"] == _sha(sample["ledger"]) and rec["city.sha256"] == _sha(sample["city"])


def test_the_sample_with_decisions_reruns_to_the_same_proposal(sample, sample_first, tmp_path):
    config = tmp_path / "decisions.toml"
    config.write_text(_decisions_toml(sample_first), encoding="utf-8")
    first = tmp_path / "first.gpkg"
    res = _propose_cli(sample["city"], "--survey", sample["ledger"], "--config", config, "--out", first)
    assert res.exit_code == 0, res.output
    decided = ProposalResult.from_gpkg(first)
    assert (decided.areas["decision"] != "").sum() >= 2 and (decided.members["outcome"] == "excluded").sum() == 1
    again = tmp_path / "again.gpkg"
    _rerun_same(first, again)
    assert config_from_record(read_record(again), again) == load_config(config)


def test_the_sample_with_edits_reruns_to_the_same_proposal(sample, sample_first, tmp_path):
    edited = tmp_path / "edited.gpkg"
    shutil.copy(sample_first, edited)
    areas = gpd.read_file(edited, layer="areas", engine="pyogrio")
    gone = areas[areas["n_units"] >= 2]["area_id"].iloc[:3].tolist()
    areas[~areas["area_id"].isin(gone)].to_file(edited, layer="areas", driver="GPKG", engine="pyogrio")
    second = tmp_path / "second.gpkg"
    res = _propose_cli(sample["city"], "--survey", sample["ledger"], "--edits", edited, "--out", second)
    assert res.exit_code == 0, res.output
    again = tmp_path / "again.gpkg"
    _rerun_same(second, again)
    assert read_record(again)["edits.sha256"] == _sha(edited)
