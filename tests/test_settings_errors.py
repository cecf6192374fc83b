import pandas as pd
import pytest

from zy_geo import InputError, ProblemReport, load_settings
from zy_geo.errors import MissingDependencyError, require
from zy_geo.schema import LEDGER_COLUMNS, SIX_HAVES, load_jurisdictions


def test_report_gathers_and_orders_problems():
    r = ProblemReport()
    r.add("warning", "street written 莲花街道办事处, read as 莲花街道", source="a.xlsx", layer="莲花街道",
          row=9, column="街道（镇）")
    r.add("error", "'约120户' is not a number", source="a.xlsx", layer="莲花街道", row=17,
          column="户数", value="约120户", fix="enter an integer")
    r.add("info", "personal data column 联系电话 found and withheld")
    assert not r.ok
    assert len(r.errors) == 1 and len(r.warnings) == 1
    text = r.format()
    assert text.splitlines()[0].startswith("[error] `a.xlsx` sheet 莲花街道 row 17, column 户数")
    assert "'约120户'" in text and "Fix: enter an integer" in text
    assert text.splitlines()[-1] == "1 errors, 1 warnings, 1 notes"
    df = r.to_frame()
    assert list(df["row"]) == [9, 17, pd.NA] or df["row"].isna().sum() == 1
    with pytest.raises(InputError, match="row 17") as info:
        r.raise_if_errors("survey")
    assert info.value.report is r


def test_report_html_escapes_values():
    r = ProblemReport()
    r.add("error", "bad name", value="<script>alert(1)</script>")
    out = r._repr_html_()
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_strict_turns_warnings_into_errors():
    r = ProblemReport()
    r.add("warning", "odd")
    r.raise_if_errors()
    with pytest.raises(InputError):
        r.raise_if_errors(strict=True)


def test_settings_defaults_and_toml_override(tmp_path):
    s = load_settings()
    assert s.subsidy_cap_yuan == 50000.0 and s.metric_crs == "auto"
    f = tmp_path / "p.toml"
    f.write_text('subsidy_cap_yuan = 40000\n[prices]\nfence_per_m_yuan = 200\n[proposal]\nx = 1\n',
                 encoding="utf-8")
    s2 = load_settings(f)
    assert s2.subsidy_cap_yuan == 40000.0 and s2.prices.fence_per_m_yuan == 200.0
    assert s2.prices.camera_yuan == s.prices.camera_yuan


@pytest.mark.parametrize(
    ("text", "match"),
    [("[prices]\nfense_per_m_yuan = 1\n", r"\[prices\]: fense_per_m_yuan is an unknown setting \(did you mean "
                                            r"fence_per_m_yuan\?\)"),
     ("tianditu_key_env = 4544\n", "top level: tianditu_key_env must be text in quotes"),
     ('metric_crs = "EPSG:4490"\n', r'top level: metric_crs must be "auto" or a projected CRS in metres; '
                                    r'"EPSG:4490" \(China Geodetic Coordinate System 2000\) is geographic'),
     ("subsidy_cap_yuan = \n", "not valid TOML")],
)
def test_settings_errors_say_what_to_fix(tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_settings(f)


def test_missing_file_is_clear(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_require_names_install_command():
    with pytest.raises(MissingDependencyError, match=r'pip install "zy-geo\[test\]"'):
        require("surely_not_a_module_zy", extra="test")


def test_jurisdictions_are_data_with_string_codes():
    j = load_jurisdictions()
    assert set(j.body) == {"雁江区", "高新区", "临空经济区"}
    assert j.code.map(type).eq(str).all() and j.code.str.len().eq(9).all()
    assert set(SIX_HAVES) <= set(LEDGER_COLUMNS)
