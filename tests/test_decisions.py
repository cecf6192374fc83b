"""Decisions of planners and residents bind the proposal: tiny cities whose answer can be said in a sentence."""

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from zy_geo import InputError, ProposalParams
from zy_geo.areas import Apart, Decisions, Together, propose_areas
from zy_geo.config import load_config

from .tiny_city import CRS, area_of, check_one_outcome_each, compounds, outcomes, river, street, u

CITY = Path(__file__).resolve().parents[1] / "outputs" / "bench" / "scale_1" / "city.gpkg"


# --- each decision honoured ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("exact_max_units", [10, 0])  # the exact partition and the greedy pass
def test_together_makes_one_area_of_two_units_zy_geo_keeps_apart(exact_max_units):
    # two viable compounds 200 m apart (beyond max_gap_m): zy_geo makes two areas; residents agreed on one
    c = compounds([(0, 0, 60, 60), (260, 0, 320, 60)], [100, 100])
    params = ProposalParams(exact_max_units=exact_max_units)
    assert len(propose_areas(c, streets=street(), params=params).areas) == 2
    d = Decisions(together=[Together((u(1), u(2)), reason="两小区业主大会同意合并")])
    r = propose_areas(c, streets=street(), params=params, decisions=d)
    assert r.areas["unit_ids"].tolist() == [[u(1), u(2)]]
    area = r.areas.iloc[0]
    assert area["decision"] == "together: 两小区业主大会同意合并"
    assert "decision:together" in area["bound_by"].split(",")
    assert "按决定合为一个区域（两小区业主大会同意合并）" in area["explanation"]
    assert set(r.members["decision"]) == {"together: 两小区业主大会同意合并"}
    assert area.geometry.covers(c.geometry.union_all())  # one fence around both
    check_one_outcome_each(r, c)


@pytest.mark.parametrize("exact_max_units", [10, 0])
def test_apart_keeps_two_units_zy_geo_would_merge(exact_max_units):
    # two small compounds 20 m apart: together 100 households, one area; residents refused
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [50, 50])
    params = ProposalParams(exact_max_units=exact_max_units)
    assert propose_areas(c, streets=street(), params=params).areas["unit_ids"].tolist() == [[u(1), u(2)]]
    d = Decisions(apart=[Apart((u(1), u(2)), reason="居民不同意合并")])
    r = propose_areas(c, streets=street(), params=params, decisions=d)
    assert r.areas.empty
    assert outcomes(r) == {u(1): "remainder", u(2): "remainder"}
    assert r.remainders["reason"].str.contains("按决定不得与相邻单元合并").all()
    assert set(r.members["decision"]) == {"apart: 居民不同意合并"}
    check_one_outcome_each(r, c)


def test_apart_in_a_row_of_three_lets_the_middle_join_one_side():
    # a–b–c in a row, 20 m gaps, 50 households each: a and c apart; b joins one of them
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (160, 0, 220, 60)], [50, 50, 50])
    r = propose_areas(c, streets=street(), decisions=Decisions(apart=[[u(1), u(3)]]))
    area = area_of(r)
    assert area[u(1)] != area[u(3)] or r.members.set_index("unit_id").loc[u(1), "outcome"] != "area"
    assert len(r.areas) == 1 and u(2) in r.areas["unit_ids"].iloc[0]
    assert "decision:apart" in r.areas["bound_by"].iloc[0]
    check_one_outcome_each(r, c)


def test_no_merge_unit_stays_alone_its_own_area_when_viable():
    # a (100) and b (50) 20 m apart would merge; a refused any merger: a alone, b too small alone
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [100, 50])
    d = Decisions(no_merge={u(1): "业主反对合并"})
    r = propose_areas(c, streets=street(), decisions=d)
    assert r.areas["unit_ids"].tolist() == [[u(1)]]
    assert r.areas["decision"].iloc[0] == "no_merge: 业主反对合并"
    assert "decision:no_merge" in r.areas["bound_by"].iloc[0]
    assert outcomes(r) == {u(1): "area", u(2): "remainder"}
    check_one_outcome_each(r, c)


def test_no_merge_unit_too_small_is_left_as_it_is_not_absorbed():
    # a small unit next to a managed compound would be absorbed (扩围); its residents refused
    c = compounds([(0, 0, 60, 60), (80, 0, 200, 100)], [40, 400], )
    c["mode"] = ["none", "professional"]
    assert outcomes(propose_areas(c, streets=street())) == {u(1): "absorbed"}
    r = propose_areas(c, streets=street(), decisions=Decisions(no_merge=[u(1)]))
    assert outcomes(r) == {u(1): "remainder"}
    reason = r.remainders["reason"].iloc[0]
    assert reason.startswith("居民不同意合并") and "不并入相邻已管理小区" in reason
    assert r.remainders["decision"].iloc[0] == "no_merge"


def test_excluded_unit_leaves_the_proposal_with_its_reason_and_households_are_accounted():
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (160, 0, 220, 60)], [50, 50, 70])
    d = Decisions(exclude={u(3): "拟拆迁"})
    r = propose_areas(c, streets=street(), decisions=d)
    assert outcomes(r) == {u(1): "area", u(2): "area", u(3): "excluded"}
    row = r.members.set_index("unit_id").loc[u(3)]
    assert row["reason"] == "不纳入本次方案：拟拆迁" and row["decision"] == "exclude: 拟拆迁"
    assert r.members["unit_id"].tolist() == [u(1), u(2), u(3)]  # in the units' order
    total = r.summary().iloc[-1]
    assert (total["households"], total["households_excluded"], total["covered_share"]) == (170, 70, 1.0)
    assert u(3) not in r.remainders["unit_id"].tolist()
    sheets = r.xlsx_sheets()
    assert "不纳入本次方案" in sheets["单元去向"]["去向"].tolist()
    assert sheets["汇总"]["不纳入方案户数"].iloc[-1] == 70
    assert sheets["决定"].values.tolist() == [["exclude（不纳入本次方案）", u(3), "拟拆迁", ""]]
    check_one_outcome_each(r, c)


def test_together_over_the_household_limit_is_made_and_flagged():
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [700, 700])
    d = Decisions(together=[[u(1), u(2)]])
    r = propose_areas(c, streets=street(), decisions=d)
    area = r.areas.iloc[0]
    assert area["households"] == 1400 and area["unit_ids"] == [u(1), u(2)]
    assert "over_max_households" in area["bound_by"] and "超过上限 1200 户" in area["explanation"]


# --- contradictions, barriers and ids --------------------------------------------------------------------------------

def test_a_pair_both_together_and_apart_is_rejected_naming_both():
    with pytest.raises(InputError, match=r"together #1 \(业主大会同意\) puts .*0001' and .*0002' in one area, "
                                         r"but apart #1 \(居民不同意\) keeps them apart"):
        Decisions(together=[Together((u(1), u(2)), "业主大会同意")], apart=[Apart((u(2), u(1)), "居民不同意")])


def test_two_together_groups_sharing_a_unit_conflict_with_an_apart_pair_across_them():
    with pytest.raises(InputError, match=r"together #1 and together #2 put .*0001' and .*0003' in one area "
                                         r"\(the groups share a unit\), but apart #1"):
        Decisions(together=[[u(1), u(2)], [u(2), u(3)]], apart=[[u(1), u(3)]])


def test_no_merge_in_a_together_group_and_an_excluded_unit_in_a_decision_are_rejected():
    with pytest.raises(InputError, match="2 problems") as exc:
        Decisions(together=[[u(1), u(2)]], no_merge=[u(1)], exclude={u(2): "拟拆迁"})
    text = str(exc.value)
    assert f"no_merge lists '{u(1)}', but together #1 puts it in one area with '{u(2)}'" in text
    assert f"exclude takes '{u(2)}' (拟拆迁) out of the programme, but together #1 also decides about it" in text


def test_together_across_a_river_is_rejected_naming_units_and_barrier_and_allowed_with_the_flag():
    # a and b 80 m apart with a 40 m river between them
    c = compounds([(0, 0, 60, 60), (140, 0, 200, 60)], [100, 100])
    rivers = river(80, 120)
    with pytest.raises(InputError, match=rf"together #1 \(跨河合并\): cannot be one area: '{u(1)}' \(.*\) and "
                                         rf"'{u(2)}' \(.*\) are separated by a river\. Fix: .*allow_across"):
        propose_areas(c, streets=street(), rivers=rivers,
                      decisions=Decisions(together=[Together((u(1), u(2)), "跨河合并")]))
    d = Decisions(together=[Together((u(1), u(2)), "跨河合并", allow_across=True)])
    r = propose_areas(c, streets=street(), rivers=rivers, decisions=d)
    area = r.areas.iloc[0]
    assert area["unit_ids"] == [u(1), u(2)]
    assert "decision:together-across" in area["bound_by"]
    assert "跨越河流" in area["explanation"] and "新建围挡按整组外围计价" in area["explanation"]
    assert area.geometry.covers(c.geometry.union_all())  # the fence encloses the whole group, over the river
    assert area.geometry.intersects(rivers.geometry.iloc[0])
    assert "+" in area["enclosure_id"]
    alone = propose_areas(c.iloc[[0]], streets=street(), rivers=rivers).areas.iloc[0]
    assert area["new_fence_m"] > 2 * alone["new_fence_m"]  # priced around both and the river between


def test_together_across_a_street_line_names_it_and_the_area_belongs_to_the_larger_side():
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [100, 150])
    streets = gpd.GeoDataFrame({"street": ["莲花街道", "三贤祠街道"], "street_code": ["512002001", "512002002"],
                                "body": ["雁江区", "雁江区"]},
                               geometry=[box(-100, -100, 70, 200), box(70, -100, 300, 200)], crs=CRS)
    with pytest.raises(InputError, match="separated by a street line"):
        propose_areas(c, streets=streets, decisions=Decisions(together=[[u(1), u(2)]]))
    r = propose_areas(c, streets=streets, decisions=Decisions(together=[Together((u(1), u(2)), allow_across=True)]))
    assert r.areas[["street", "households"]].values.tolist() == [["三贤祠街道", 250]]
    assert r.areas["area_id"].iloc[0].startswith("512002002-")
    assert "街道界线" in r.areas["explanation"].iloc[0]


def test_an_unknown_id_suggests_the_closest_and_a_managed_compound_is_named():
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (160, 0, 220, 60)], [50, 50, 300])
    c["mode"] = ["none", "none", "professional"]
    d = Decisions(together=[[u(1), "512002001-O002"]], no_merge=[u(3)])
    with pytest.raises(InputError, match="2 problems") as exc:
        propose_areas(c, streets=street(), decisions=d)
    text = str(exc.value)
    assert "names '512002001-O002', which is not a unit of this city (did you mean '512002001-0002'" in text
    assert f"no_merge names '{u(3)}', a compound under property management" in text
    assert exc.value.report is not None and len(exc.value.report.errors) == 2


def test_a_building_id_points_to_its_scattered_unit():
    c = compounds([(0, 0, 60, 60)], [100])
    b = gpd.GeoDataFrame({"building_id": ["b7", "b8"], "compound_id": [None, None], "households": [20, 20]},
                         geometry=[box(100, 0, 110, 20), box(115, 0, 125, 20)], crs=CRS)
    with pytest.raises(InputError, match="names building 'b8', which is part of the unit 'B:b7'"):
        propose_areas(c, streets=street(), buildings=b, decisions=Decisions(no_merge=["b8"]))


# --- the ledger's consent ------------------------------------------------------------------------------------------

def test_consent_columns_make_a_compound_no_merge_and_say_so():
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (300, 0, 360, 60), (380, 0, 440, 60)], [50, 50, 50, 50],
                   consent_merge=[False, None, None, None], owners_consent_share=[None, None, 0.5, 0.9])
    r = propose_areas(c, streets=street())
    assert outcomes(r) == dict.fromkeys([u(1), u(2), u(3), u(4)], "remainder")
    reasons = r.members.set_index("unit_id")["reason"]
    assert "台账：业主不同意合并（同意合并：否）" in reasons[u(1)]
    assert "业主同意合并比例 50% 低于 67%" in reasons[u(3)]
    assert r.members.set_index("unit_id")["decision"][u(3)].startswith("no_merge: 台账")
    lower = propose_areas(c, streets=street(), params=ProposalParams(merge_consent_min=0.4))
    assert [u(3), u(4)] in lower.areas["unit_ids"].tolist()


def test_consent_refused_inside_a_together_group_is_a_contradiction():
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [50, 50], consent_merge=[True, False])
    with pytest.raises(InputError, match=r"puts '.*0002' in one area with others, but 台账：业主不同意合并"):
        propose_areas(c, streets=street(), decisions=Decisions(together=[[u(1), u(2)]]))


def test_a_share_that_is_not_between_0_and_1_is_an_error_with_the_fix():
    c = compounds([(0, 0, 60, 60)], [50], owners_consent_share=[75.0])
    with pytest.raises(InputError, match=r"write 0\.75 for 75 %"):
        propose_areas(c, streets=street())


def test_the_ledger_reads_the_consent_columns(tmp_path):
    from zy_geo import read_ledger

    p = tmp_path / "台账.csv"
    p.write_text("小区名称,街道（镇）,户数,同意合并,业主同意比例\n甲小区,莲花街道,50,否,\n乙小区,莲花街道,60,,75%\n",
                 encoding="utf-8")
    t = read_ledger(p).table
    assert t["consent_merge"].tolist()[0] is False and t["owners_consent_share"].tolist()[1] == 0.75


# --- the config file -------------------------------------------------------------------------------------------------

GOOD = """
[proposal]
max_households = 1000
no_merge = ["512002001-0020"]
exclude = { "512002001-0030" = "拟拆迁" }
merge_consent_min = 0.75

[[proposal.together]]
units = ["512002001-0003", "512002001-0004"]
reason = "两小区业主大会同意合并"

[[proposal.together]]
units = ["512002001-0005", "512002001-0006"]
allow_across = true

[[proposal.apart]]
units = ["512002001-0010", "512002001-0011"]
reason = "居民不同意合并"

[proposal.streets."莲花街道"]
max_households = 800
"""


def _write(tmp_path, text, name="proposal.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_config_decisions_are_read_and_round_trip(tmp_path):
    cfg = load_config(_write(tmp_path, GOOD))
    d = cfg.decisions
    assert d.together == (Together(("512002001-0003", "512002001-0004"), "两小区业主大会同意合并"),
                          Together(("512002001-0005", "512002001-0006"), "", allow_across=True))
    assert d.apart == (Apart(("512002001-0010", "512002001-0011"), "居民不同意合并"),)
    assert dict(d.no_merge) == {"512002001-0020": ""} and dict(d.exclude) == {"512002001-0030": "拟拆迁"}
    assert cfg.proposal.merge_consent_min == 0.75 and cfg.proposal.max_households == 1000
    assert cfg.streets["莲花街道"].max_households == 800
    for changed_only in (False, True):
        back = load_config(_write(tmp_path, cfg.to_toml(changed_only=changed_only), f"back_{changed_only}.toml"))
        assert back == cfg
    assert load_config(_write(tmp_path, "[[proposal.together]]\nunits = ['a', 'b']\n", "only.toml")).to_toml(
        changed_only=True) == '[[proposal.together]]\nunits = ["a", "b"]\n'


@pytest.mark.parametrize(("text", "where", "match"), [
    ('[proposal.together]\nunits = ["a", "b"]\n', r"\[proposal\]",
     r"together must be a list of groups\. Fix: write each group as a table \[\[proposal\.together\]\] "
     r"\(double brackets\)"),
    ('[[proposal.together]]\nunits = "a, b"\n', r"\[\[proposal\.together\]\] #1",
     r"units must be a list of unit ids \(text\), found \"a, b\""),
    ('[[proposal.apart]]\nunits = ["a"]\n', r"\[\[proposal\.apart\]\] #1", "units must name at least two units"),
    ('[[proposal.together]]\nunits = ["a", "b"]\nreasons = "x"\n', r"\[\[proposal\.together\]\] #1",
     r"reasons is not a key of a together group \(did you mean reason\?\)"),
    ('[[proposal.apart]]\nunits = ["a", "b"]\nallow_across = true\n', r"\[\[proposal\.apart\]\] #1",
     "allow_across applies to together groups only"),
    ('[[proposal.together]]\nunits = ["a", "b"]\nallow_across = "yes"\n', r"\[\[proposal\.together\]\] #1",
     "allow_across must be true or false"),
    ('[proposal]\nexclude = ["a"]\n', r"\[proposal\]", r"every excluded unit needs its reason"),
    ('[proposal]\nexclude = { "a" = "" }\n', r"\[proposal\]", r"exclude gives 'a' no reason"),
    ('[proposal]\nmerge_consent_min = 1.5\n', r"\[proposal\]", "merge_consent_min must be between 0 and 1"),
    ('[proposal.streets."莲花街道"]\nexclude = ["a"]\n', r"\[proposal\.streets\.\"莲花街道\"\]",
     r"every excluded unit needs its reason"),
    ('[[proposal.streets."莲花街道".together]]\nunits = ["a"]\n',
     r"\[\[proposal\.streets\.\"莲花街道\"\.together\]\] #1", "units must name at least two units"),
    ('[proposal]\nexclude = { "a" = "拟拆迁" }\n[proposal.streets."莲花街道"]\nexclude = { "a" = "危房" }\n',
     r"\[proposal\.streets\.\"莲花街道\"\]", r"excludes 'a' for '危房', but another section excludes it for '拟拆迁'"),
    ('[proposal.streets."莲花街道"]\nno_merge = ["a"]\n[[proposal.together]]\nunits = ["a", "b"]\n', r"\[proposal\]",
     r"no_merge lists 'a', but \[\[proposal\.together\]\] #1 .*puts it in one area with 'b'"),
    ('[proposal]\nno_merge = ["a"]\n[[proposal.together]]\nunits = ["a", "b"]\nreason = "同意"\n', r"\[proposal\]",
     r"no_merge lists 'a', but \[\[proposal\.together\]\] #1 \(同意\) puts it in one area with 'b'"),
])
def test_config_mistakes_name_the_file_section_and_fix(tmp_path, text, where, match):
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=rf"`{path}` {where}: .*{match}"):
        load_config(path)


def test_a_street_office_keeps_its_decisions_under_its_street_and_they_bind_as_the_city_s(tmp_path):
    city_wide = load_config(_write(tmp_path, f"""
[proposal]
no_merge = ["{u(3)}"]
exclude = {{ "{u(5)}" = "拟拆迁" }}

[[proposal.together]]
units = ["{u(1)}", "{u(2)}"]
reason = "两小区业主大会同意合并"
""", "city.toml"))
    per_street = load_config(_write(tmp_path, f"""
[proposal]
exclude = {{ "{u(5)}" = "拟拆迁" }}

[proposal.streets."莲花街道"]
no_merge = ["{u(3)}"]

[[proposal.streets."莲花街道".together]]
units = ["{u(1)}", "{u(2)}"]
reason = "两小区业主大会同意合并"
""", "street.toml"))
    assert per_street.decisions == city_wide.decisions
    assert "莲花街道" not in per_street.streets  # decisions only: no street overrides made
    # written back city-wide, it reads to the same decisions (a proposal's record keeps this form)
    again = load_config(_write(tmp_path, per_street.to_toml(changed_only=False), "again.toml"))
    assert again.decisions == per_street.decisions and again.streets == per_street.streets == {}


def test_an_unknown_id_in_a_config_names_the_file(tmp_path):
    path = _write(tmp_path, '[proposal]\nno_merge = ["512002001-0009"]\n')
    c = compounds([(0, 0, 60, 60)], [100])
    with pytest.raises(InputError, match=rf"`{path}` \[proposal\]: no_merge names '512002001-0009', which is not a "
                                         r"unit of this city \(did you mean '512002001-0001'\?\)"):
        propose_areas(c, streets=street(), decisions=load_config(path).decisions)


# --- the sample ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_layers(tmp_path_factory):
    from zy_geo import read_city
    from zy_geo.sample.generate import generate_sample

    # the benchmark's cached city when there is one (the same sample: scale 1, seed 2023)
    city = CITY if CITY.exists() else generate_sample(tmp_path_factory.mktemp("city"), scale=1, seed=2023)["city"]
    return read_city(city)


def test_locks_and_refusals_on_the_sample_are_all_honoured(sample_layers):
    layers = sample_layers
    kw = {k: layers.get(k) for k in ("buildings", "roads", "rivers", "rail")}
    first = propose_areas(layers["compounds"], streets=layers["streets"], **kw)
    merged = first.areas[first.areas["n_units"] >= 2]["unit_ids"].tolist()
    assert len(merged) >= 15
    together = [tuple(ids[:2]) for ids in merged[:10]]
    apart = [tuple(ids[:2]) for ids in merged[10:15]]
    d = Decisions(together=[list(p) for p in together], apart=[list(p) for p in apart])
    again = propose_areas(layers["compounds"], streets=layers["streets"], decisions=d, **kw)
    m = again.members.set_index("unit_id")
    for a, b in together:
        assert m.loc[a, "outcome"] == m.loc[b, "outcome"] == "area" and m.loc[a, "area_id"] == m.loc[b, "area_id"]
    for a, b in apart:
        assert not (m.loc[a, "outcome"] == m.loc[b, "outcome"] == "area" and m.loc[a, "area_id"] == m.loc[b, "area_id"])
        assert "apart" in m.loc[a, "decision"]
    assert m.index.is_unique and len(m) == len(first.members)
    assert m["outcome"].isin(["area", "absorbed", "remainder"]).all()
    in_areas = [u for ids in again.areas["unit_ids"] for u in ids]
    assert len(in_areas) == len(set(in_areas)) == int((m["outcome"] == "area").sum())
    assert again.summary().iloc[-1]["households"] == first.summary().iloc[-1]["households"]
    assert (again.areas["decision"] != "").sum() >= 10
    assert (again.areas["decision"] == "").sum() > 100  # the rest is zy_geo's own
