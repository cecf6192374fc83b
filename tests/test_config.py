"""One config: one loader, the same checks everywhere, every mistake named by file, section and key."""

import math
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zy_geo
from zy_geo import InputError, ProposalParams, load_proposal_config, load_settings
from zy_geo._options import options_of
from zy_geo.cli import cli
from zy_geo.config import NOTICE, SECTIONS, Config, ModeRules, Prices, Settings, load_config
from zy_geo.plans.modes import load_mode_rules

README = Path(__file__).resolve().parents[1] / "README.md"


def _write(tmp_path, text, name="p.toml"):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


# one line, one mistake: (file text, section as the message names it, key, what the message says)
MISTAKES = [
    ('[prices]\nfence_per_m_yuan = "80"\n', "[prices]", "fence_per_m_yuan",
     r'must be a number, found "80" \(text\)\. Fix: remove the quotes: fence_per_m_yuan = 80'),
    ('[proposal]\nrespect_cost_cap = "yes"\n', "[proposal]", "respect_cost_cap", "must be true or false"),
    ("tianditu_key_env = 4544\n", "top level", "tianditu_key_env", "must be text in quotes"),
    ('[proposal]\ncrossable = "path"\n', "[proposal]", "crossable", r"must be a list of text, e.g. \[\"path\"\]"),
    ("[operating]\ncollection_rate = 1.5\n", "[operating]", "collection_rate", "must be between 0 and 1, found 1.5"),
    ("[proposal]\nhull_ratio = -0.1\n", "[proposal]", "hull_ratio", r"must be between 0 and 1 \(0 tightest hull"),
    ("[prices]\ncamera_yuan = -1\n", "[prices]", "camera_yuan", "must be ≥ 0, found -1"),
    ("[prices]\ncamera_yuan = nan\n", "[prices]", "camera_yuan", "must be a number, found nan"),
    ("[proposal]\nmax_gap_m = inf\n", "[proposal]", "max_gap_m", "must be a finite number, found inf"),
    ("[proposal]\nmin_households = 80.7\n", "[proposal]", "min_households",
     r"must be a whole number, found 80\.7 .*Fix: write 80 or 81"),
    ("[proposal]\nmin_households = true\n", "[proposal]", "min_households", "must be a whole number, found true"),
    ('[modes]\nprofessional_min_households = "300"\n', "[modes]", "professional_min_households",
     "must be a whole number, found \"300\" \\(text\\). Fix: remove the quotes"),
    ("[modes]\nself_needs_party_org = 1\n", "[modes]", "self_needs_party_org", "must be true or false, found 1"),
    ("[modes]\nself_max_household = 30\n", "[modes]", "self_max_household",
     r"is an unknown setting \(did you mean self_max_households\?\)"),
    ("[prices]\nfee_per_m2_month_yuan = 0.3\n", "[prices]", "fee_per_m2_month_yuan",
     r"is not a setting of \[prices\]; it belongs under \[operating\]"),
    ("max_gap_m = 60\n", "top level", "max_gap_m", r"is not a top-level setting; it belongs under \[proposal\]"),
    ("[proposal]\nsubsidy_cap_yuan = 40000\n", "[proposal]", "subsidy_cap_yuan",
     r"is not a setting of \[proposal\]; it belongs at the top of the file, before any \[section\]"),
    ("[prices]\ntemporary_barrier_per_m_yuan = 60\n", "[prices]", "temporary_barrier_per_m_yuan",
     "is no longer a setting: temporary barriers .* are priced with fence_per_m_yuan"),
    ('metric_crs = "EPSG:4326"\n', "top level", "metric_crs",
     r'must be "auto" or a projected CRS in metres; "EPSG:4326" \(WGS 84\) is geographic \(degrees\)\. '
     r'Fix: write metric_crs = "auto"'),
    ('metric_crs = "EPSG:45xx"\n', "top level", "metric_crs", r'must be "auto" or a CRS that PROJ knows'),
    ("metric_crs = 4549\n", "top level", "metric_crs", "must be text in quotes"),
    ('[proposal.streets."莲花街道"]\norphan_gap_m = 5\n', '[proposal.streets."莲花街道"]', "orphan_gap_m",
     r"cannot be set per street.*set it under \[proposal\] instead"),
    ('[proposal.streets."莲花街道"]\nmax_gap_m = "40"\n', '[proposal.streets."莲花街道"]', "max_gap_m",
     "must be a number"),
    ("[proposal]\nmin_households = 2000\n", "[proposal]", "min_households",
     r"\(2000\) is above max_households \(1200\)"),
    ('[proposal]\ncrossable = ["arterial"]\n', "[proposal]", "crossable",
     "lists 'arterial': arterial roads can never be crossed"),
    ('[proposal]\ncrossable = ["lcoal", "path"]\n', "[proposal]", "crossable",
     r"has unknown road class\(es\) \['lcoal'\] \(did you mean 'local' for 'lcoal'\?\)"),
    ("[proposal.streets]\nmax_households = 800\n", "[proposal.streets]", "max_households",
     "is set without a street name"),
]


@pytest.mark.parametrize(("text", "section", "key", "match"), MISTAKES, ids=[m[2] + "|" + m[3][:20] for m in MISTAKES])
def test_each_mistake_names_the_file_section_and_key(tmp_path, text, section, key, match):
    f = _write(tmp_path, text)
    where = re.escape(f"`{f}` {section}: {key} ")
    with pytest.raises(InputError, match=where + match) as err:
        load_config(f)
    (problem,) = err.value.report.problems
    assert (problem.source, problem.layer, problem.column) == (str(f), section, key)
    assert problem.fix
    assert "Traceback" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "match"),
    [("[proposals]\nmax_gap_m = 40\n", r"\[proposals\]: unknown section \(did you mean \[proposal\]\?\)"),
     ("[mode]\nself_max_households = 30\n", r"\[mode\]: unknown section \(did you mean \[modes\]\?\)"),
     ('[proposal.street."莲花街道"]\nmax_households = 800\n',
      r"\[proposal.street\]: unknown section \(did you mean \[proposal.streets\]\?\)"),
     ("[import]\nx = 1\n", r"\[import\]: unknown section. Fix: use some of \[prices\], \[operating\]"),
     ("prices = 3\n", r"top level: prices must be a section \[prices\]")],
)
def test_misspelt_sections_are_named_with_the_closest_valid_one(tmp_path, text, match):
    f = _write(tmp_path, text)
    with pytest.raises(InputError, match=re.escape(f"`{f}` ") + match):
        load_config(f)


def test_every_problem_of_a_file_comes_in_one_message(tmp_path):
    f = _write(tmp_path, 'subsidy_cap_yuan = -1\n[prices]\nfense_per_m_yuan = 90\ncamera_yuan = "x"\n'
                         '[proposal]\nmin_households = 80.7\n[modes]\nself_min_consent = 2\n[price]\na = 1\n')
    with pytest.raises(InputError, match=r"has 6 problems; fix them and run again") as err:
        load_config(f)
    lines = str(err.value).splitlines()[1:]
    assert len(lines) == 6
    assert all(line.strip().startswith(f"`{f}`") for line in lines)
    assert [(p.layer, p.column) for p in err.value.report] == [
        ("[price]", None), ("top level", "subsidy_cap_yuan"), ("[prices]", "fense_per_m_yuan"),
        ("[prices]", "camera_yuan"), ("[proposal]", "min_households"), ("[modes]", "self_min_consent")]


def test_a_street_inherits_no_second_report_of_a_proposal_conflict(tmp_path):
    f = _write(tmp_path, '[proposal]\nmin_households = 2000\n[proposal.streets."莲花街道"]\nmax_gap_m = 40\n')
    with pytest.raises(InputError) as err:
        load_config(f)
    assert len(err.value.report) == 1
    assert "[proposal]: min_households (2000)" in str(err.value)


def test_a_street_conflict_hidden_behind_a_proposal_conflict_is_still_an_input_error(tmp_path):
    f = _write(tmp_path, '[proposal]\nmin_households = 2000\n[proposal.streets."莲花街道"]\nmax_households = 50\n')
    with pytest.raises(InputError, match=r"\[proposal\]: min_households \(2000\)"):
        load_config(f)


def test_values_are_coerced_not_truncated(tmp_path):
    cfg = load_config(_write(tmp_path, "[proposal]\nmin_households = 80.0\nmax_gap_m = 40\n"
                                       "coverage_weight_m = inf\n[prices]\ncamera_yuan = 1200\n"))
    assert cfg.proposal.min_households == 80
    assert isinstance(cfg.proposal.min_households, int)
    assert cfg.proposal.max_gap_m == 40.0
    assert isinstance(cfg.proposal.max_gap_m, float)
    assert math.isinf(cfg.proposal.coverage_weight_m)
    assert cfg.prices.camera_yuan == 1200.0


def test_a_file_that_is_not_utf8_is_named_with_the_line_and_the_fix(tmp_path):
    f = tmp_path / "gbk.toml"
    f.write_bytes('[proposal]\n[proposal.streets."莲花街道"]\nmax_households = 800\n'.encode("gbk"))
    with pytest.raises(InputError, match=re.escape(f"`{f}` is not UTF-8 text") + r".* on line 2; it looks like GBK"
                                         r".*Fix: save it as UTF-8"):
        load_config(f)


def test_a_byte_order_mark_from_notepad_is_fine(tmp_path):
    f = tmp_path / "bom.toml"
    f.write_bytes("\ufeff[proposal]\nmax_households = 800\n".encode())
    assert load_config(f).proposal.max_households == 800


@pytest.mark.parametrize(
    ("text", "match"),
    [("subsidy_cap_yuan = \n", r"Fix the syntax at line 1, column 20: 'subsidy_cap_yuan ='"),
     ("[proposal]\nmax_gap_m = “60”\n", r"at line 2, column 13: .*\(Chinese quotation marks"),
     ("[proposal.streets.莲花街道]\nmax_households = 800\n",
      r"at line 1, column 19: .*a street name in a section header needs double quotes")],
)
def test_a_file_that_is_not_toml_says_line_and_column(tmp_path, text, match):
    f = _write(tmp_path, text)
    with pytest.raises(InputError, match=re.escape(f"`{f}` is not valid TOML: ") + ".*" + match):
        load_config(f)


def test_a_missing_file_or_a_folder_is_clear(tmp_path):
    with pytest.raises(InputError, match="does not exist; check the path"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(InputError, match="is a folder"):
        load_config(tmp_path)


def _readme_toml() -> str:
    section = README.read_text(encoding="utf-8").split("## Command line", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```toml\n(.*?)```", section, re.S)[1]


def test_the_readme_example_loads_round_trips_and_marks_defaults(tmp_path):
    cfg = load_config(_write(tmp_path, _readme_toml(), "readme.toml"))
    assert cfg.proposal.crossable == ("path", "local")
    assert cfg.proposal.max_gap_m == 60.0
    assert cfg.streets["莲花街道"].max_households == 800
    assert cfg.streets["莲花街道"].crossable == ("path", "local")
    assert cfg.prices.fence_per_m_yuan == 120.0
    assert cfg.modes.professional_min_households == 300
    for changed_only in (False, True):
        text = cfg.to_toml(changed_only=changed_only)
        assert load_config(_write(tmp_path, text, f"back_{changed_only}.toml")) == cfg
    short = cfg.to_toml(changed_only=True)
    assert "fence_per_m_yuan = 120.0  # changed (default 80.0)" in short
    assert "camera_yuan" not in short
    assert '[proposal.streets."莲花街道"]\nmax_households = 800' in short
    full = cfg.to_toml()
    assert re.search(r"^camera_yuan = 1500.0  # default: ", full, re.M)
    assert re.search(rf"^subsidy_cap_yuan = 50000.0  # default \({NOTICE} §五\(二\)", full, re.M)
    table = cfg.options().set_index(["section", "key"])
    assert not table.loc[("prices", "fence_per_m_yuan"), "is_default"]
    assert table.loc[("prices", "camera_yuan"), "is_default"]
    # a street lists only what it changes
    assert cfg.options().query("section == 'proposal.streets'")["key"].tolist() == ["max_households"]


def test_the_parameter_sheet_comes_from_the_config(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from zy_geo import propose_areas

    cfg = load_config(_write(tmp_path, _readme_toml()))
    c = gpd.GeoDataFrame({"compound_id": ["a"], "households": [90], "mode": ["none"], "kind": ["open"]},
                         geometry=[box(0, 0, 60, 60)], crs="EPSG:4544")
    s = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["1"], "body": ["雁江区"]},
                         geometry=[box(-100, -100, 200, 200)], crs="EPSG:4544")
    sheet = propose_areas(c, streets=s, params=cfg.proposal, street_params=cfg.streets,
                          settings=cfg.settings).parameters()
    rows = {(r.适用范围, r.参数): r.来源 for r in sheet.itertuples()}
    assert rows["全市", "max_gap_m"] == "默认"
    assert rows["全市", "crossable"] == "已修改"
    assert rows["莲花街道", "max_households"] == "已修改"
    assert ("莲花街道", "max_gap_m") not in rows
    assert rows["全市", "subsidy_cap_yuan"] == "默认（通知规定）"
    assert rows["全市", "fence_per_m_yuan"] == "已修改"
    assert rows["全市", "camera_yuan"] == "默认（估算用，请按本地价格替换）"
    assert "temporary_barrier_per_m_yuan" not in set(sheet["参数"])
    assert sheet["名称"].ne("").all()


def test_every_option_is_documented_and_notice_defaults_cite_the_notice():
    for cls in SECTIONS.values():
        for key, opt in options_of(cls).items():
            assert opt.doc, key
            assert opt.zh, key
            assert (opt.basis == "notice") == bool(opt.cite), key
            assert not opt.cite or opt.cite.startswith(NOTICE), key
        assert "Attributes" in cls.__doc__
    assert options_of(Settings)["subsidy_cap_yuan"].cite.endswith("每个小区不超过5万元")


def test_objects_built_in_python_get_the_same_checks():
    with pytest.raises(InputError, match=r"ProposalParams: min_households must be a whole number, found 80.7"):
        ProposalParams(min_households=80.7)
    with pytest.raises(InputError, match=r"ModeRules: self_min_consent must be between 0 and 1"):
        ModeRules(self_min_consent=1.5)
    with pytest.raises(InputError, match=r"Prices: camera_yuan must be a number, found nan"):
        Prices(camera_yuan=float("nan"))
    assert ProposalParams(crossable=["path", "local"]).crossable == ("path", "local")  # hashable again
    assert isinstance(ProposalParams(max_gap_m=40).max_gap_m, float)


def test_the_old_loaders_are_thin_wrappers_with_the_same_checks(tmp_path):
    f = _write(tmp_path, _readme_toml())
    cfg = load_config(f)
    assert load_proposal_config(f) == (cfg.proposal, cfg.streets, cfg.settings)
    assert load_settings(f) == cfg.settings
    assert load_mode_rules(f) == cfg.modes
    bad = _write(tmp_path, '[modes]\nself_max_households = "30"\n', "modes.toml")
    with pytest.raises(InputError, match=r"\[modes\]: self_max_households must be a whole number"):
        load_mode_rules(bad)  # was a TypeError traceback deep in recommend_modes
    with pytest.raises(InputError, match=r"\[modes\]: self_max_households"):
        load_proposal_config(bad)
    with pytest.raises(InputError, match=r"\[proposal\]: min_households must be a whole number"):
        load_proposal_config(_write(tmp_path, "[proposal]\nmin_households = 80.7\n", "p2.toml"))
    assert {"Settings", "ProposalParams", "load_settings", "load_proposal_config"} <= set(zy_geo.__all__)


def test_a_run_reads_the_config_once_before_any_data(tmp_path, monkeypatch):
    import zy_geo.config
    import zy_geo.pipeline

    reads = []
    real = zy_geo.config._read_toml
    monkeypatch.setattr(zy_geo.config, "_read_toml", lambda path: reads.append(path) or real(path))

    class StopError(Exception):
        pass

    def stop(*args, **kwargs):
        raise StopError

    monkeypatch.setattr(zy_geo.pipeline, "read_city", stop)
    f = _write(tmp_path, _readme_toml())
    for call in (lambda: zy_geo.pipeline.run("city.gpkg", config=f, out_dir=tmp_path / "o"),
                 lambda: zy_geo.pipeline.propose("city.gpkg", config=f),
                 lambda: zy_geo.pipeline.plan("city.gpkg", config=f, out_dir=tmp_path / "o")):
        reads.clear()
        with pytest.raises(StopError):
            call()
        assert reads == [f]
    with pytest.raises(InputError, match=r"\[proposal\]: min_households"):  # a bad file stops before the data
        zy_geo.pipeline.run("city.gpkg", config=_write(tmp_path, "[proposal]\nmin_households = 0.5\n", "b.toml"),
                            out_dir=tmp_path / "o")
    with pytest.warns(DeprecationWarning, match="pass the same file as config="), pytest.raises(StopError):
        zy_geo.pipeline.plan("city.gpkg", prices=f, out_dir=tmp_path / "o")


@pytest.mark.parametrize("command", ["run", "propose", "plan", "demo"])
def test_every_command_that_uses_settings_takes_config_and_stops_on_a_bad_one(tmp_path, command):
    bad = _write(tmp_path, "[proposal]\nmin_households = 80.7\n", "bad.toml")
    city = _write(tmp_path, "", "city.gpkg")  # never read: the config is checked first
    args = {"run": [str(city)], "propose": [str(city), "--out", str(tmp_path / "p.gpkg")],
            "plan": [str(city), "--out", str(tmp_path / "plans")], "demo": ["--out", str(tmp_path / "demo")]}
    res = CliRunner().invoke(cli, [command, *args[command], "--config", str(bad)])
    assert res.exit_code == 1
    assert f"`{bad}` [proposal]: min_households must be a whole number" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "demo" / "sample").exists()


def test_plan_still_takes_the_old_prices_option_with_a_notice(tmp_path):
    bad = _write(tmp_path, "[modes]\nself_max_households = 30.5\n", "prices.toml")
    res = CliRunner().invoke(cli, ["plan", str(bad), "--prices", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "--prices is deprecated; use --config" in res.output
    assert f"`{bad}` [modes]: self_max_households must be a whole number" in res.output
    assert "--prices" not in CliRunner().invoke(cli, ["plan", "--help"]).output


# any valid config written out reads back the same
def _value(opt):
    if opt.kind is bool:
        return st.booleans()
    if opt.kind is tuple:
        return st.lists(st.sampled_from(opt.choices), unique=True).map(tuple)
    if opt.kind is str:
        return st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
    low = opt.ge if opt.ge is not None else -1e6
    high = opt.le if opt.le is not None else 1e6
    if opt.kind is int:
        return st.integers(int(low), int(high))
    return st.floats(low, high, allow_nan=False) | (st.just(math.inf) if opt.allow_inf else st.nothing())


def _section(cls):
    return st.fixed_dictionaries({k: _value(o) for k, o in options_of(cls).items()}).filter(
        lambda v: cls is not ProposalParams or v["min_households"] <= v["max_households"]).map(lambda v: cls(**v))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(top=st.fixed_dictionaries({k: st.sampled_from(["auto", "EPSG:4544", "EPSG:4549", "EPSG:32610"])
                                  if k == "metric_crs" else _value(o) for k, o in options_of(Settings).items()}),
       prices=_section(Prices), proposal=_section(ProposalParams), modes=_section(ModeRules),
       street_max=st.integers(1, 5000))
def test_any_valid_config_round_trips_through_toml(top, prices, proposal, modes, street_max):
    streets = {}
    if street_max >= proposal.min_households:
        streets = {"莲花街道": ProposalParams(**{**{k: getattr(proposal, k) for k in options_of(ProposalParams)},
                                              "max_households": street_max})}
    cfg = Config(Settings(**top, prices=prices), proposal, streets, modes)
    with tempfile.TemporaryDirectory() as d:
        for changed_only in (False, True):
            f = Path(d) / "c.toml"
            f.write_text(cfg.to_toml(changed_only=changed_only), encoding="utf-8")
            assert load_config(f) == cfg
