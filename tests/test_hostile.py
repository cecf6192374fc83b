"""Hostile input through every command (issue 14, item 6).

A catalogue of hostile strings and numbers, planted in a tiny city GeoPackage, its survey ledger
(.xlsx and .csv) and the file names of both, and fed through ``sample``, ``validate``, ``propose``,
``run``, ``plan`` and ``demo``. For every case:

1. no traceback: no uncaught exception, exit code 0, 1 (input errors) or 2 (usage errors);
2. nothing is written outside ``--out`` (the whole temporary tree, the working folder included, is
   compared before and after);
3. the inputs are unchanged (sha256 of the city, the ledger and the config);
4. no spreadsheet written holds a live formula (xlsx: no formula cell; csv: no cell that begins with
   ``= + - @``, tab or CR unless it is a plain number or begins with ``'``);
5. no output holds the phone and ID-card numbers planted in the inputs (csv, xlsx, html, docx, gpkg
   attributes, file names, the terminal);

and, beside them: no control or bidi character in any output, markup escaped in every HTML page (the
map's GeoJSON decoded as the browser does), one plan file per plan inside ``--out`` whatever the ids.
Hostile names for ``--out`` and for the input files, hostile ``--scale``/``--seed`` and hostile
configs go through the same checks. The string-level rules of the writer (:mod:`zy_geo.write`) and
the ledger reader are checked with hypothesis on the catalogue and on strings built from it.

A case that must wait for other work can be marked ``xfail(strict=True)`` through :data:`KNOWN` or
:data:`CONFIG_KNOWN`, so it fails loudly once it passes; both are empty.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import shutil
import warnings
import zipfile
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from zy_geo.cli import cli
from zy_geo.errors import UsageError, ZyGeoWarning
from zy_geo.sample.generate import make_sample, write_sample
from zy_geo.write import OutputFolder, clean_text, neutralise_formula, safe_filename, sheet_names

#: Personal data typed into free text (名称/地址/社区) and into 户数.
PHONE = "13812345678"
ID_CARD = "51200219900101123X"
#: Personal data in the ledger's own personal-data columns (联系电话, 身份证号): always planted.
CONTACT_PHONE = "13912345670"
CONTACT_ID = "512002198001014321"
PLANTED_PII = (PHONE, ID_CARD, CONTACT_PHONE, CONTACT_ID)

DOOR_IN = "issue 14: door in — contracts not merged yet"
ONE_CONFIG = "issue 14: one config — config loader not merged yet"


@dataclass(frozen=True)
class Hostile:
    """One hostile value: ``kind`` says where it is planted (text fields, households, ids)."""

    id: str
    value: Any
    kind: str  # "text" | "number" | "pii" | "duplicate_id" | "null_id" | "blank" | "point"

    def __str__(self) -> str:
        return self.id


CATALOGUE: list[Hostile] = [
    # paths: as ids they become plan file names; as text they must stay text
    Hostile("path-dotdot", "../../../x", "text"),
    Hostile("path-slash", "a/b", "text"),
    Hostile("path-backslash", "..\\x", "text"),
    Hostile("path-absolute", "/etc/passwd", "text"),
    Hostile("path-windows", "C:\\Windows\\win.ini", "text"),
    # formulas (OWASP CSV injection)
    Hostile("formula-hyperlink", '=HYPERLINK("http://x","y")', "text"),
    Hostile("formula-dde", "=cmd|' /C calc'!A0", "text"),
    Hostile("formula-plus", "+1", "text"),
    Hostile("formula-minus", "-1+1", "text"),
    Hostile("formula-at", "@SUM(A1)", "text"),
    # markup
    Hostile("markup-script", "<script>alert(1)</script>", "text"),
    Hostile("markup-img", "<img src=x onerror=alert(1)>", "text"),
    Hostile("markup-attr", '"><b>', "text"),
    # control and bidi characters, inside a name
    Hostile("control-nul", "莲花\x00小区", "text"),
    Hostile("control-ansi", "莲花\x1b[31m小区", "text"),
    Hostile("bidi-rlo", "莲花\u202e小区", "text"),
    Hostile("bidi-lri", "莲花\u2066小区", "text"),
    # very long text
    Hostile("long-text", "长" * 100_000, "text"),
    # numbers typed into 户数
    Hostile("number-nan", math.nan, "number"),
    Hostile("number-inf", math.inf, "number"),
    Hostile("number-neg-inf", -math.inf, "number"),
    Hostile("number-negative", -500, "number"),
    Hostile("number-huge", 1e12, "number"),
    Hostile("number-words", "很多", "number"),
    Hostile("number-approx", "约120户", "number"),
    # ids
    Hostile("id-duplicate", None, "duplicate_id"),
    Hostile("id-null", None, "null_id"),
    # blank cells (name, address, kind, mode, six-haves) and a compound drawn as a point
    Hostile("blank-attributes", None, "blank"),
    Hostile("point-geometry", None, "point"),
    # personal data typed into 名称/地址/社区 and into 户数
    Hostile("pii-phone", PHONE, "pii"),
    Hostile("pii-id-card", ID_CARD, "pii"),
]
BY_ID = {h.id: h for h in CATALOGUE}
TEXTS = [h.value for h in CATALOGUE if h.kind == "text"] + ["很多", "约120户"]


# -- checks ----------------------------------------------------------------------------------------
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _csv_formula_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run: begin with = + - @ tab CR, are not a plain number, have no '."""
    bad = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(cell):
                bad.append(cell[:80])
    return bad


def _xlsx_formula_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def _zip_text(path: Path) -> str:
    """The XML parts of an .xlsx/.docx (cells, shared strings, paragraphs, properties), not its images."""
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels")))


def _gpkg_text(path: Path) -> str:
    parts = [path.read_bytes().decode("utf-8", "ignore")]
    for name, _ in pyogrio.list_layers(path):
        df = pyogrio.read_dataframe(path, layer=name, read_geometry=False)
        parts += [str(c) for c in df.columns] + [str(v) for v in df.to_numpy().ravel()]
    return "\n".join(parts)


def _output_texts(root: Path) -> dict[str, str]:
    """Every file under ``root`` as text to search (its relative path included)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        suffix = p.suffix.lower()
        if suffix in (".xlsx", ".docx"):
            text = _zip_text(p)
        elif suffix == ".gpkg":
            text = _gpkg_text(p)
        elif suffix == ".png":
            text = ""
        else:
            text = _unescape_json(p.read_bytes().decode("utf-8", "replace"))
        out[rel] = rel + "\n" + text
    return out


def _unescape_json(text: str) -> str:
    """Text with the \\uXXXX escapes of embedded JSON (the map's GeoJSON) decoded, as the browser sees it."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _pii_found(texts: dict[str, str]) -> list[str]:
    return [f"{rel}: {pii}" for rel, text in texts.items() for pii in PLANTED_PII if pii.lower() in text.lower()]


def _formulas_found(root: Path) -> list[str]:
    bad = []
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() == ".xlsx":
            bad += [f"{p.name}: {c}" for c in _xlsx_formula_cells(p)]
        elif p.suffix.lower() == ".csv":
            bad += [f"{p.name}: {c!r}" for c in _csv_formula_cells(p.read_text(encoding="utf-8-sig"))]
    return bad


def _snapshot(root: Path) -> dict[str, tuple]:
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st_ = p.lstat()
            # a folder's own times change with its entries, which are compared themselves
            snap[p.relative_to(root).as_posix()] = (True,) if p.is_dir() else (False, st_.st_size, st_.st_mtime_ns,
                                                                                st_.st_ino)
    return snap


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# -- inputs ----------------------------------------------------------------------------------------
STREET = "宝莲街道"
LEDGER_HEADERS = ["序号", "小区编号", "小区名称", "地址", "街道（镇）", "社区", "户数", "门岗", "保洁", "管理方式",
                  "联系人", "联系电话", "身份证号", "备注"]
CONFIG = '[proposal]\nmax_gap_m = 60\nmin_households = 80\n\n[prices]\nfence_per_m_yuan = 120\n'


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A tiny city (the compounds of one street of a 0.05 sample) written once for the module."""
    city = make_sample(scale=0.05, seed=5)
    comp = city.layers["compounds"]
    comp = comp[comp["street"] == STREET].reset_index(drop=True)
    city.layers["compounds"] = comp
    bld = city.layers["buildings"]
    city.layers["buildings"] = bld[bld["compound_id"].isin(comp["compound_id"])].reset_index(drop=True)
    root = tmp_path_factory.mktemp("hostile")
    files = write_sample(city, root / "base")
    (root / "cwd").mkdir()
    return root, files["city"], comp


def _file_stem(h: Hostile, default: str) -> str:
    """The hostile text as an input file name when a file system allows it, else ``default``."""
    v = h.value
    if h.kind != "text" or "/" in v or "\x00" in v or len(v.encode()) > 200:
        return default
    return v


def _plant(comp: gpd.GeoDataFrame, h: Hostile) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """The compounds with ``h`` planted, and the ledger rows (one per compound) with it planted."""
    comp = comp.copy()
    rows = [{"序号": i + 1, "小区编号": c.compound_id, "小区名称": c.name, "地址": c.address, "街道（镇）": STREET,
             "社区": c.community, "户数": int(c.households), "门岗": "有", "保洁": "无", "管理方式": "无",
             "联系人": "张某某", "联系电话": CONTACT_PHONE, "身份证号": CONTACT_ID, "备注": ""}
            for i, c in enumerate(comp.itertuples())]
    v = h.value
    if h.kind in ("text", "pii"):
        text = v if h.kind == "text" else f"联系人张三{v}"
        comp.loc[0, "name"] = text
        comp.loc[1, "address"] = text
        comp.loc[2, "community"] = text
        rows[0]["小区名称"], rows[1]["地址"], rows[2]["社区"], rows[4]["备注"] = text, text, text, text
        if h.kind == "text":  # as an id too: plan file names, join keys
            comp.loc[3, "compound_id"] = v
            rows[3]["小区编号"] = v
        else:  # typed into 户数
            if not v.isdigit():
                comp["households"] = comp["households"].astype(str)
            comp.loc[3, "households"] = int(v) if v.isdigit() else v
            rows[3]["户数"] = v
    elif h.kind == "number":
        if isinstance(v, str):
            comp["households"] = comp["households"].astype(str)
        else:
            comp["households"] = comp["households"].astype("float64")
        comp.loc[0, "households"] = v
        rows[0]["户数"] = v if isinstance(v, str) or math.isfinite(v) else str(v)
    elif h.kind == "duplicate_id":
        comp.loc[1, "compound_id"] = comp.loc[0, "compound_id"]
        rows[1]["小区编号"] = rows[0]["小区编号"]
    elif h.kind == "null_id":
        comp.loc[0, "compound_id"] = None
        comp.loc[1, "compound_id"] = ""
        rows[0]["小区编号"] = None
        rows[1]["小区编号"] = ""
    elif h.kind == "blank":
        for col in ("name", "address", "community", "kind", "mode"):
            comp[col] = comp[col].astype(object)
            comp.loc[0, col] = None
        for col in ("gate", "cleaning", "managed", "walled"):
            comp[col] = pd.array([None, *comp[col].iloc[1:]], dtype="boolean")
        rows[0].update({"小区名称": None, "地址": "", "社区": " ", "门岗": "", "保洁": None, "管理方式": ""})
        rows[1].update({"门岗": "—", "管理方式": "/"})
    elif h.kind == "point":
        comp = comp.set_geometry([comp.geometry.iloc[0].centroid, *comp.geometry.iloc[1:]], crs=comp.crs)
    return comp, rows


def _write_xlsx(rows: list[dict[str, Any]], path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = STREET
    ws.append(["宝莲街道住宅小区“六有”摸底台账"])
    ws.append(LEDGER_HEADERS)
    for r in rows:
        ws.append([r[h] for h in LEDGER_HEADERS])
    for row in ws.iter_rows():
        for cell in row:  # hostile text arrives as text (as a user types it with a leading ')
            if cell.data_type == "f":
                cell.data_type = "s"
    wb.save(path)


def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(LEDGER_HEADERS)
    for r in rows:
        w.writerow(["" if r[h] is None else r[h] for h in LEDGER_HEADERS])
    path.write_text(buf.getvalue(), encoding="utf-8")


@dataclass
class Inputs:
    dir: Path
    city: Path
    ledger_xlsx: Path | None
    ledger_csv: Path
    config: Path

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.city, self.ledger_xlsx, self.ledger_csv, self.config) if p is not None]


def _inputs(root: Path, base_city: Path, comp: gpd.GeoDataFrame, h: Hostile) -> Inputs:
    d = root / "cases" / h.id
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    planted, rows = _plant(comp, h)
    city = d / f"{_file_stem(h, 'city')}.gpkg"
    shutil.copyfile(base_city, city)
    pyogrio.write_dataframe(planted, city, layer="compounds", driver="GPKG")
    holds_illegal = any(isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v) for r in rows for v in r.values())
    xlsx = None
    if not holds_illegal:  # an .xlsx cannot hold C0 control characters: those go in the CSV only
        xlsx = d / f"{_file_stem(h, 'ledger')}.xlsx"
        _write_xlsx(rows, xlsx)
    csv_path = d / f"{_file_stem(h, 'ledger')}.csv"
    _write_csv(rows, csv_path)
    config = d / "proposal.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return Inputs(d, city, xlsx, csv_path, config)


# -- running a command and checking what it did ----------------------------------------------------
@dataclass
class Outcome:
    command: str
    case: str
    out: Path
    exit_code: int
    exception: BaseException | None
    output: str
    outside: list[str] = field(default_factory=list)
    changed_inputs: list[str] = field(default_factory=list)

    def texts(self) -> dict[str, str]:
        texts = _output_texts(self.out) if self.out.exists() else {}
        texts["<terminal>"] = self.output
        return texts


def _invoke(root: Path, args: list[str], out: Path, inputs: list[Path], command: str, case: str) -> Outcome:
    before = _snapshot(root)
    shas = {p: _sha(p) for p in inputs}
    cwd = Path.cwd()
    os.chdir(root / "cwd")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("default", ZyGeoWarning)  # documented warnings are messages, not failures
            res = CliRunner().invoke(cli, args, catch_exceptions=True, color=True)  # escapes reach the output
    finally:
        os.chdir(cwd)
    output = re.sub(r"\x1b\[31m(error: [^\x1b]*)\x1b\[0m", r"\1", res.output)  # zy-geo's own red 'error:'
    after = _snapshot(root)
    out_rel = out.relative_to(root).as_posix()
    moved = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    # the folders on the way to --out may be created; nothing else may appear or change
    parents = {p.relative_to(root).as_posix() for p in out.parents if root in p.parents}
    outside = sorted(k for k in moved if not (k == out_rel or k.startswith(out_rel + "/"))
                     and not (k in parents and after.get(k, (False,))[0] and k not in before))
    changed = [p.name for p in inputs if not p.exists() or _sha(p) != shas[p]]
    exc = res.exception
    return Outcome(command, case, out, res.exit_code, exc, output, outside, changed)


#: Commands run on the case's inputs, and the cases each gets (validate: the whole catalogue, twice).
HEAVY = {
    "propose": ["path-dotdot", "formula-hyperlink", "markup-script", "bidi-rlo", "long-text", "number-nan",
                "number-inf", "number-words", "id-duplicate", "id-null", "point-geometry", "pii-phone"],
    "plan": ["path-dotdot", "path-slash", "formula-dde", "markup-img", "markup-attr", "control-ansi", "long-text",
             "number-inf", "number-neg-inf", "number-negative", "id-duplicate", "id-null", "blank-attributes",
             "pii-id-card"],
    "run": ["path-backslash", "formula-plus", "markup-script", "bidi-lri", "number-huge", "blank-attributes",
            "pii-phone"],
}


class Runs:
    """The CLI runs of the module, each done once and shared by the property tests."""

    def __init__(self, root: Path, city: Path, comp: gpd.GeoDataFrame):
        self.root, self.city, self.comp = root, city, comp
        self.inputs: dict[str, Inputs] = {}
        self.done: dict[tuple[str, str], Outcome] = {}

    def inputs_for(self, case: str) -> Inputs:
        if case not in self.inputs:
            self.inputs[case] = _inputs(self.root, self.city, self.comp, BY_ID[case])
        return self.inputs[case]

    def get(self, command: str, case: str) -> Outcome:
        key = (command, case)
        if key not in self.done:
            self.done[key] = self._run(command, case)
        return self.done[key]

    def _run(self, command: str, case: str) -> Outcome:
        inp = self.inputs_for(case)
        out = inp.dir / f"out-{command}"
        if command.startswith("validate"):
            ledger = inp.ledger_csv if command == "validate-csv" or inp.ledger_xlsx is None else inp.ledger_xlsx
            fmt = ".xlsx" if command == "validate-xlsx" else ".csv"
            args = ["validate", str(ledger), "--out", str(out / f"clean{fmt}"), "--problems", str(out / "problems.csv")]
        else:
            ledger = inp.ledger_xlsx or inp.ledger_csv
            args = {
                "propose": ["propose", str(inp.city), "--survey", str(ledger), "--config", str(inp.config),
                            "--out", str(out / "proposals.gpkg")],
                "plan": ["plan", str(inp.city), "--survey", str(ledger), "--config", str(inp.config), "--no-figures",
                         "--out", str(out)],
                "run": ["run", str(inp.city), "--survey", str(ledger), "--config", str(inp.config), "--keep-going",
                        "--as-of", "2023-06-30", "--out", str(out)],
            }[command]
        return _invoke(self.root, args, out, inp.files, command, case)


@pytest.fixture(scope="module")
def runs(base):
    root, city, comp = base
    return Runs(root, city, comp)


#: (property, command, case) that fail for a known reason; every other failure is a bug. Empty since the
#: door-in contracts and the one config loader landed (issue 14): keep it for the next such wait.
KNOWN: dict[tuple[str, str, str], str] = {}


def _cases() -> list[tuple[str, str]]:
    pairs = [(cmd, h.id) for cmd in ("validate-xlsx", "validate-csv") for h in CATALOGUE]
    pairs += [(cmd, case) for cmd, cases in HEAVY.items() for case in cases]
    return pairs


def _params(prop: str) -> list:
    out = []
    for cmd, case in _cases():
        reason = KNOWN.get((prop, cmd, case))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(cmd, case, id=f"{cmd}-{case}", marks=marks))
    return out


def _no_traceback(o: Outcome) -> None:
    detail = f"{o.command} {o.case}: exit {o.exit_code}, {o.exception!r}\n{o.output[-2000:]}"
    assert o.exception is None or isinstance(o.exception, SystemExit), detail
    assert o.exit_code in (0, 1, 2), detail
    assert "Traceback" not in o.output, detail


@pytest.mark.parametrize(("command", "case"), _params("traceback"))
def test_no_traceback(runs, command, case):
    _no_traceback(runs.get(command, case))


@pytest.mark.parametrize(("command", "case"), _params("outside"))
def test_nothing_written_outside_out(runs, command, case):
    o = runs.get(command, case)
    assert not o.outside, f"written outside --out: {o.outside[:10]}"


@pytest.mark.parametrize(("command", "case"), _params("inputs"))
def test_inputs_unchanged(runs, command, case):
    assert not runs.get(command, case).changed_inputs


@pytest.mark.parametrize(("command", "case"), _params("formula"))
def test_no_live_formula(runs, command, case):
    o = runs.get(command, case)
    assert not (_formulas_found(o.out) if o.out.exists() else [])


@pytest.mark.parametrize(("command", "case"), _params("pii"))
def test_no_personal_data_in_outputs(runs, command, case):
    assert not _pii_found(runs.get(command, case).texts())


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _output_values(root: Path) -> dict[str, list[str]]:
    """The text a reader of each output sees: csv/html text, xlsx cells, docx XML, gpkg attributes."""
    out: dict[str, list[str]] = {}
    for p in sorted(root.rglob("*")):
        rel, suffix = p.relative_to(root).as_posix(), p.suffix.lower()
        if suffix == ".csv":
            out[rel] = [p.read_text(encoding="utf-8-sig")]
        elif suffix == ".html":
            out[rel] = [_unescape_json(p.read_text(encoding="utf-8"))]
        elif suffix == ".xlsx":
            wb = openpyxl.load_workbook(p)
            out[rel] = [ws.title for ws in wb.worksheets] + [
                str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
        elif suffix == ".docx":
            out[rel] = [_zip_text(p)]
        elif suffix == ".gpkg":
            out[rel] = [str(v) for name, _ in pyogrio.list_layers(p)
                        for v in pyogrio.read_dataframe(p, layer=name, read_geometry=False).to_numpy().ravel()]
        if p.is_file():
            out.setdefault(rel, []).append(rel)  # the file name too
    return out


@pytest.mark.parametrize(("command", "case"), _params("control"))
def test_no_control_or_bidi_character_in_outputs(runs, command, case):
    o = runs.get(command, case)
    values = _output_values(o.out) if o.out.exists() else {}
    values["<terminal>"] = [o.output]
    found = {rel: sorted({repr(c) for v in vals for c in _CONTROL.findall(v)}) for rel, vals in values.items()}
    assert not {k: v for k, v in found.items() if v}



@pytest.mark.parametrize(("command", "case"), [(c, h) for c, h in _cases() if h.startswith("markup-")
                                               and c in ("plan", "run")])
def test_markup_arrives_escaped_in_html(runs, command, case):
    o = runs.get(command, case)
    pages = {p.name: _unescape_json(p.read_text(encoding="utf-8")) for p in o.out.rglob("*.html")}
    assert pages, o.output
    assert not [n for n, text in pages.items() if BY_ID[case].value in text]
    escaped = BY_ID[case].value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert any(escaped.replace('"', "&quot;") in t or escaped in t for t in pages.values())  # it did arrive


@pytest.mark.parametrize(("command", "case"), [(c, h) for c, h in _cases() if h.startswith("path-")
                                               and c in ("plan", "run")])
def test_each_plan_is_one_file_inside_out(runs, command, case):
    """A hostile id is a plan file name: one file per plan, every link of the index inside --out."""
    o = runs.get(command, case)
    index = next(o.out.rglob("index.html"))
    links = re.findall(r'<a href="([^"]+)"', index.read_text(encoding="utf-8"))
    docs = sorted(index.parent.glob("*.docx"))
    assert links
    assert len(links) == len(set(links)) == len(docs)
    for link in links:
        target = (index.parent / html_unescape(link)).resolve()
        assert target.parent == index.parent.resolve()
        assert target.is_file()


# -- hostile names for --out and for the input files -----------------------------------------------
#: Folder (or file stem) names given to --out: id, name, whether a file system can hold it.
OUT_NAMES = [
    ("bang", "=cmd|' calc'!A0", True),  # GDAL/pyogrio read '!' as an archive separator
    ("semicolon", "a;b", True),  # ... and ';' in a file name as URL parameters
    ("markup", "<img src=x onerror=alert(1)>", True),
    ("ansi", "莲花\x1b[31m", True),
    ("bidi", "\u202e莲花", True),
    ("too-long", "长" * 100, False),  # 300 bytes: longer than a file name may be
    ("under-a-file", "notes.txt/out", False),  # a folder inside a file
]
OUT_COMMANDS = {
    "sample": ["bang", "semicolon", "markup", "too-long", "under-a-file"],
    "validate": ["bang", "semicolon", "ansi", "too-long", "under-a-file"],
    "propose": ["bang", "semicolon", "bidi", "too-long", "under-a-file"],
    "plan": ["bang", "markup", "too-long", "under-a-file"],
    "run": ["bang", "too-long"],
    "demo": ["bang"],
}


def _out_cases():
    names = {n: (v, ok) for n, v, ok in OUT_NAMES}
    return [pytest.param(cmd, n, *names[n], id=f"{cmd}-{n}") for cmd, ns in OUT_COMMANDS.items() for n in ns]


@pytest.mark.parametrize(("command", "name_id", "name", "possible"), _out_cases())
def test_hostile_out_names(runs, command, name_id, name, possible):
    """A strange --out is written exactly there, or refused with exit 2; never a traceback, never elsewhere."""
    root, inp = runs.root, runs.inputs_for("path-dotdot")
    ledger = inp.ledger_xlsx
    case = root / "out-names" / f"{command}-{name_id}"
    case.mkdir(parents=True)
    (case / "notes.txt").write_text("keep", encoding="utf-8")
    folder = case / name  # the --out folder (or, for single-file outputs, the folder the file goes to)
    out = {
        "sample": ["sample", "--scale", "0.01", "--seed", "1", "--out", str(folder)],
        "validate": ["validate", str(ledger), "--out", str(folder / f"{name.split('/')[-1]}.csv"),
                     "--problems", str(folder / "p.csv")],
        "propose": ["propose", str(runs.city), "--out", str(folder.parent / f"{folder.name}.gpkg")],
        "plan": ["plan", str(runs.city), "--no-figures", "--out", str(folder)],
        "run": ["run", str(runs.city), "--out", str(folder)],
        "demo": ["demo", "--scale", "0.01", "--seed", "1", "--out", str(folder)],
    }[command]
    o = _invoke(root, out, folder if command != "propose" else folder.parent, [runs.city, ledger, case / "notes.txt"],
                command, name_id)
    _no_traceback(o)
    assert not o.outside, o.outside
    assert not o.changed_inputs
    if possible:
        assert o.exit_code in (0, 1), o.output  # 1: validate on a ledger with errors
        assert any(p.is_file() for p in (folder.parent if command == "propose" else folder).rglob("*"))
    else:
        assert o.exit_code == 2, o.output
        assert "error:" in o.output


#: Input file names: (id, file name relative to the working folder).
INPUT_NAMES = [("bang", "a!b.gpkg"), ("semicolon", "a;b.gpkg"), ("scheme", "zip:city.gpkg"),
               ("markup", "<img src=x onerror=alert(1)>.gpkg"), ("formula", "=1+1.gpkg"), ("bidi", "\u202e城市.gpkg")]


@pytest.mark.parametrize(("name_id", "name"), INPUT_NAMES, ids=[n for n, _ in INPUT_NAMES])
def test_hostile_input_file_names_are_read_as_they_are(runs, name_id, name):
    """A city file is the file of that name: a '!', a ';' or 'zip:' in it is no archive, URL or scheme."""
    root = runs.root
    city = root / "cwd" / name
    shutil.copyfile(runs.city, city)
    out = root / "in-names" / name_id
    o = _invoke(root, ["propose", name, "--out", str(out / "p.gpkg")], out, [city], "propose", name_id)
    _no_traceback(o)
    assert o.exit_code == 0, o.output
    assert not o.outside
    assert not o.changed_inputs
    assert (out / "p.gpkg").is_file()


# -- sample and demo: their inputs are numbers --------------------------------------------------------
OPTION_VALUES = [h for h in CATALOGUE if h.kind == "number"] + [BY_ID[i] for i in ("formula-minus", "markup-attr",
                                                                                   "control-ansi", "long-text")]


@pytest.mark.parametrize("command", ["sample", "demo"])
@pytest.mark.parametrize("option", ["--scale", "--seed"])
@pytest.mark.parametrize("h", OPTION_VALUES, ids=str)
def test_hostile_numbers_for_sample_and_demo_are_usage_errors(runs, command, option, h):
    value = h.value if isinstance(h.value, str) else repr(h.value) if isinstance(h.value, float) else str(h.value)
    value = value.replace("\x00", "")
    out = runs.root / "options" / f"{command}{option}-{h.id}"
    args = [command, option, value, "--out", str(out)]
    if option == "--seed":
        args[1:1] = ["--scale", "0.01"]
    o = _invoke(runs.root, args, out, [], command, h.id)
    _no_traceback(o)
    assert o.exit_code == 2, o.output
    assert not o.outside
    assert not out.exists() or not any(out.iterdir())


# -- configs -------------------------------------------------------------------------------------------
CONFIGS: dict[str, bytes] = {
    "nan": b"[proposal]\nmax_gap_m = nan\n",
    "inf-households": b"[proposal]\nmax_households = inf\n",
    "float-for-int": b"[proposal]\nmin_households = 80.5\n",
    "string-in-modes": '[modes]\nprofessional_min_households = "很多"\n'.encode(),
    "non-utf8": '[proposal.streets."宝莲街道"]\nmax_households = 800\n'.encode("gbk"),
    "not-toml": b"[proposal\nmax_gap_m = 60\n",
    "formula-street": b"[proposal.streets.\"=cmd|' /C calc'!A0\"]\nmax_households = 800\n",
    "markup-price": b'[prices]\nfence_per_m_yuan = "<script>alert(1)</script>"\n',
}
CONFIG_KNOWN: set[str] = set()  # configs that fail for a known reason (none since the one config loader landed)


def _config_params():
    return [pytest.param(k, marks=[pytest.mark.xfail(strict=True, reason=ONE_CONFIG)] if k in CONFIG_KNOWN else [],
                         id=k) for k in CONFIGS]


@pytest.mark.parametrize("config_id", _config_params())
def test_hostile_configs_are_refused_with_a_message(runs, config_id):
    root = runs.root
    d = root / "configs" / config_id
    d.mkdir(parents=True)
    config = d / "proposal.toml"
    config.write_bytes(CONFIGS[config_id])
    out = d / "out"
    o = _invoke(root, ["plan", str(runs.city), "--config", str(config), "--no-figures", "--out", str(out)], out,
                [runs.city, config], "plan", config_id)
    _no_traceback(o)
    assert not o.outside
    assert not o.changed_inputs
    assert o.exit_code in (1, 2), o.output
    assert "error:" in o.output


# -- string level: the writer's rules on the catalogue and on strings built from it ------------------
CONTROL_CHARS = ["\x00", "\x07", "\x1b", "\x7f", "\u202a", "\u202e", "\u2066", "\u2069", "\t", "\r", "\n"]


@st.composite
def hostile_text(draw, *, long: bool = True) -> str:
    """A catalogue string, alone or glued to others, to random text and to control characters."""
    pool = TEXTS if long else [t for t in TEXTS if len(t) < 1000]
    parts = draw(st.lists(st.one_of(st.sampled_from(pool), st.sampled_from(CONTROL_CHARS), st.text(max_size=6)),
                          min_size=1, max_size=4))
    return "".join(parts)


hostile_number = st.sampled_from([math.nan, math.inf, -math.inf, -500, 1e12, 0, -1.5])
HYPOTHESIS = settings(max_examples=40, deadline=None, database=None,  # no .hypothesis/ in the repository
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPOTHESIS
@given(ids=st.lists(hostile_text(), min_size=1, max_size=6, unique=True))
def test_an_id_becomes_one_safe_file_name_in_the_folder(tmp_path, ids):
    used: set[str] = set()
    names = [safe_filename(i, used=used, suffix=".docx") for i in ids]
    assert len({n.lower() for n in names}) == len(ids)  # two ids never share a file
    for i, n in zip(ids, names, strict=True):
        assert n == Path(n).name
        assert n.endswith(".docx")
        assert not n.startswith(".")
        assert not set(n) & set("/\\:*?\"<>|")
        assert not _CONTROL.search(n)
        assert len(n.encode()) <= 255  # a file system takes it
        assert (tmp_path / n).resolve().parent == tmp_path.resolve()
        assert safe_filename(i, suffix=".docx") == safe_filename(i, suffix=".docx")  # the same id, the same name


@HYPOTHESIS
@given(rel=hostile_text(long=False))
def test_an_output_path_stays_inside_its_folder_or_is_refused(tmp_path, rel):
    folder = OutputFolder(tmp_path / "out")
    try:
        target = folder.path(rel)
    except UsageError:
        return
    assert target.resolve().is_relative_to((tmp_path / "out").resolve())


@st.composite
def hostile_frame(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 4))
    names = draw(st.lists(hostile_text(long=False), min_size=1, max_size=3, unique_by=lambda c: clean_text(c)))
    data = {}
    for c in names:
        values = draw(st.lists(st.one_of(hostile_text(), hostile_number, st.none()), min_size=n, max_size=n))
        dtype = draw(st.sampled_from(["object", "string", "category"]))
        if dtype != "object" and not all(isinstance(v, str) or v is None for v in values):
            dtype = "object"
        data[c] = pd.Series(values, dtype=dtype)
    frame = pd.DataFrame(data)
    if draw(st.booleans()):
        frame.index = pd.Index(draw(st.lists(hostile_text(long=False), min_size=n, max_size=n)), name="编号")
    return frame


@HYPOTHESIS
@given(frame=hostile_frame(), index=st.booleans())
def test_no_csv_cell_is_a_formula_or_holds_a_control_character(tmp_path, frame, index):
    folder = OutputFolder(tmp_path / f"csv-{os.urandom(4).hex()}")
    text = folder.write_csv(frame, "t.csv", index=index).read_text(encoding="utf-8-sig")
    assert not _csv_formula_cells(text)
    assert not _CONTROL.search(text)


@HYPOTHESIS
@given(frame=hostile_frame(), sheet=hostile_text(long=False), index=st.booleans())
def test_no_xlsx_cell_is_a_formula_and_text_stays_as_written(tmp_path, frame, sheet, index):
    folder = OutputFolder(tmp_path / f"xlsx-{os.urandom(4).hex()}")
    path = folder.write_xlsx({sheet: frame}, "t.xlsx", index=index)
    assert not _xlsx_formula_cells(path)
    ws = openpyxl.load_workbook(path).worksheets[0]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if _CONTROL.search(t)]
    expected = {clean_text(v) for col in frame.columns for v in frame[col] if isinstance(v, str)} - {""}
    assert expected <= set(texts)  # every text arrives, as text


@HYPOTHESIS
@given(value=st.one_of(hostile_text(), hostile_number))
def test_clean_text_and_neutralise_formula_leave_no_control_and_no_formula(value):
    cleaned = neutralise_formula(clean_text(value))
    if not isinstance(value, str):
        assert cleaned is value or (isinstance(value, float) and math.isnan(value))
        return
    assert not _CONTROL.search(cleaned)
    assert len(cleaned) <= 32_768
    assert not _csv_formula_cells(_csv_line(cleaned))


def _csv_line(value: str) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([value])
    return buf.getvalue()


@HYPOTHESIS
@given(names=st.lists(hostile_text(long=False), min_size=1, max_size=8))
def test_sheet_names_are_valid_and_unique(names):
    out = sheet_names(names)
    assert len(out) == len(names) == len({n.lower() for n in out})
    assert all(0 < len(n) <= 31 and not set(n) & set("[]:*?/\\") and not _CONTROL.search(n) for n in out)


@settings(HYPOTHESIS, max_examples=15)
@given(values=st.lists(hostile_text(), min_size=1, max_size=3))
def test_geopackage_text_is_clean_and_complete(base, tmp_path, values):
    _, _, comp = base
    layer = comp.iloc[: len(values)].copy()
    layer["name"] = values
    folder = OutputFolder(tmp_path / f"gpkg-{os.urandom(4).hex()}")
    path = folder.write_gpkg({"compounds": layer}, "t.gpkg")
    got = pyogrio.read_dataframe(path, layer="compounds", read_geometry=False)["name"].tolist()
    assert got == [clean_text(v) for v in values]


LEDGER_COLUMNS = ["小区编号", "小区名称", "地址", "社区", "户数", "门岗", "管理方式", "备注"]


@st.composite
def hostile_ledger_rows(draw, *, pii: bool) -> list[dict[str, Any]]:
    """Ledger rows of one street with hostile values (and, with ``pii``, phone/ID numbers) in random cells."""
    values = st.one_of(hostile_text(long=False), hostile_number.map(str)) if not pii else \
        st.sampled_from([PHONE, ID_CARD, f"联系人张三{PHONE}", f"身份证{ID_CARD}"])
    rows = []
    for i in range(draw(st.integers(1, 4))):
        row = {"小区编号": f"512002005-{i:04d}", "小区名称": f"小区{i}", "地址": "莲花路1号", "社区": "红旗社区",
               "户数": "120", "门岗": "有", "管理方式": "无", "备注": ""}
        for col in draw(st.lists(st.sampled_from(LEDGER_COLUMNS), min_size=1, max_size=3, unique=True)):
            row[col] = draw(values)
        rows.append(row)
    return rows


def _validate_csv(tmp_path: Path, rows: list[dict[str, Any]]) -> tuple[Outcome, Path]:
    d = tmp_path / f"ledger-{os.urandom(4).hex()}"
    (d / "cwd").mkdir(parents=True)
    ledger = d / f"{STREET}.csv"
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*LEDGER_COLUMNS, "联系电话", "身份证号"])
    for r in rows:
        w.writerow([*(r[c] for c in LEDGER_COLUMNS), CONTACT_PHONE, CONTACT_ID])
    ledger.write_text(buf.getvalue(), encoding="utf-8")
    out = d / "out"
    args = ["validate", str(ledger), "--out", str(out / "clean.xlsx"), "--problems", str(out / "problems.csv")]
    return _invoke(d, args, out, [ledger], "validate", "hypothesis"), out


@HYPOTHESIS
@given(rows=hostile_ledger_rows(pii=False))
def test_validate_takes_any_hostile_ledger_cell(tmp_path, rows):
    o, out = _validate_csv(tmp_path, rows)
    _no_traceback(o)
    assert not o.outside
    assert not o.changed_inputs
    assert not _formulas_found(out)
    assert not _pii_found(o.texts())  # the 联系电话/身份证号 columns are withheld


@HYPOTHESIS
@given(rows=hostile_ledger_rows(pii=True))
def test_validate_masks_phone_and_id_numbers_typed_into_any_cell(tmp_path, rows):
    o, _ = _validate_csv(tmp_path, rows)
    _no_traceback(o)
    assert not _pii_found(o.texts())


def test_plan_takes_a_proposal_edited_with_hostile_ids(runs):
    """A proposal edited in QGIS: area ids become plan file names, explanations text in the ledger and plans."""
    root = runs.root
    d = root / "edited"
    d.mkdir()
    made = _invoke(root, ["propose", str(runs.city), "--out", str(d / "made" / "p.gpkg")], d / "made", [runs.city],
                   "propose", "edited")
    assert made.exit_code == 0, made.output
    edited = d / "edited.gpkg"
    hostile_ids = ["<script>alert(1)</script>", "../../../x", "=cmd|' /C calc'!A0", "a/b", "A_B"]
    layers = {n: pyogrio.read_dataframe(d / "made" / "p.gpkg", layer=n)
              for n in ("areas", "members", "remainders", "enclosures")}
    new_ids = dict(zip(layers["areas"]["area_id"], hostile_ids, strict=False))
    assert len(new_ids) >= 2
    layers["areas"]["area_id"] = layers["areas"]["area_id"].map(new_ids)
    layers["areas"]["explanation"] = '=HYPERLINK("http://x","y")'
    layers["members"]["area_id"] = layers["members"]["area_id"].map(lambda a: new_ids.get(a, a))
    for name, layer in layers.items():
        pyogrio.write_dataframe(layer, edited, layer=name, driver="GPKG")
    out = d / "plans"
    o = _invoke(root, ["plan", str(runs.city), "--proposals", str(edited), "--no-figures", "--out", str(out)], out,
                [runs.city, edited], "plan", "edited")
    _no_traceback(o)
    assert o.exit_code == 0, o.output
    assert not o.outside
    assert not o.changed_inputs
    assert not _formulas_found(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', index)
    assert len(links) == len(set(links)) == len(list(out.glob("*.docx"))) >= len(new_ids)  # one file per plan
    assert all((out / html_unescape(link)).resolve().parent == out.resolve() for link in links)
    assert "<script>alert(1)</script>" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
