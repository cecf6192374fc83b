"""The door in: one written contract per city layer and for the survey ledger, checked where data enters.

A contract says what a layer (or table) must hold so that the analysis can trust it: required and
optional columns with their kinds, the geometry type, ids that are unique and never empty, and
plausible ranges for numbers (:class:`Bounds`, overridable). :func:`zy_geo.io.read.read_city` checks
every city layer against :data:`CITY_CONTRACTS` as it reads it, and
:func:`zy_geo.ledger.read.read_ledger` checks every ledger value against :data:`LEDGER_CONTRACT`
row by row; code downstream of them does not check again.

What a check does to a layer:

- **names**: a column written under another accepted name is renamed (the streets layer's ``code``
  → ``street_code``; a compound layer's ``户数`` → ``households``), with a note;
- **geometry**: every feature must be of the contract's type (compounds, streets, buildings,
  rivers, Tuoxi: polygons; roads, rail: lines): an error names each feature that is not;
- **ids**: ``compound_id``, the street's ``street_code``, ``building_id``, ``road_id`` must be
  filled and unique: an error names each feature without one and each that repeats one;
- **numbers**: text such as ``"1,200"`` or ``"120户"`` is read as a number; text that is no number
  (``"很多"``), ``inf``, a fraction of a household or a value outside :class:`Bounds` is an error
  naming the feature and column;
- **yes/no** written as 有/无/是/否/√/× is read as true/false (unreadable: a warning, left unknown);
  compound kinds, management modes and road classes written in Chinese are read as their keys;
- **personal data**: phone and ID numbers in any free-text column (name, address, community,
  备注 …) are masked (``138****5678``) with a note.

Errors stop :func:`~zy_geo.io.read.read_city` with an :class:`~zy_geo.errors.InputError` carrying
the whole :class:`~zy_geo.errors.ProblemReport`; warnings and notes pass.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> streets = gpd.GeoDataFrame({"code": ["512002001"], "street": ["莲花街道"]},
...                            geometry=[box(0, 0, 100, 100)], crs="EPSG:4544")
>>> check_layer(streets, "streets").columns.tolist()
['street_code', 'street', 'geometry']
>>> sorted(c.name for c in CITY_CONTRACTS["compounds"].columns if c.required)
['compound_id']
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from ._pii import has_pii, redact_pii
from .errors import DataRepairWarning, InputError, ProblemReport, Severity
from .schema import CITY_LAYERS, COMPOUND_KINDS, LEDGER_COLUMNS, MODES, ROAD_CLASSES, SIX_HAVES

Kind = Literal["id", "code", "text", "integer", "number", "boolean", "category"]
GeometryKind = Literal["polygon", "line"]

_GEOMETRY_TYPES = {"polygon": ("Polygon", "MultiPolygon"), "line": ("LineString", "MultiLineString", "LinearRing")}


@dataclass(frozen=True)
class Bounds:
    """Plausible ranges of the numbers zy_geo reads: a value outside its range is an input error.

    Each field is ``(lowest, highest)``, both allowed. The defaults fit a Chinese city centre such as
    Ziyang's (the notice sets no such figures); a config can replace any of them with
    ``dataclasses.replace(Bounds(), households=(0, 40_000))`` or ``Bounds(households=(0, 40_000))``.

    Attributes
    ----------
    households : (0, 20000)
        Households of one compound (户数): the largest compounds of a city this size have a few
        thousand; a phone number typed into the cell is far above.
    building_households : (0, 2000)
        Households of one residential building (楼栋户数).
    buildings : (0, 1000)
        Buildings of one compound (楼栋数).
    floors : (1, 100)
        Storeys of a building (层数).
    floor_area_m2 : (0, inf)
        Floor area in ㎡ (建筑面积): never negative, no upper limit by default.
    built_year : (1900, 2030)
        Year built (建成年份).

    Examples
    --------
    >>> Bounds().households
    (0, 20000)
    >>> Bounds(households=(0, 40_000)).problem("households", 25_000) is None
    True
    >>> Bounds().problem("built_year", 1850)
    'is outside the plausible range 1900–2030'
    >>> Bounds(built_year=(2030, 1900))
    Traceback (most recent call last):
    ...
    zy_geo.errors.InputError: Bounds.built_year=(2030, 1900): expected (lowest, highest) numbers with lowest ≤ highest.
    """

    households: tuple[float, float] = (0, 20_000)
    building_households: tuple[float, float] = (0, 2_000)
    buildings: tuple[float, float] = (0, 1_000)
    floors: tuple[float, float] = (1, 100)
    floor_area_m2: tuple[float, float] = (0.0, math.inf)
    built_year: tuple[float, float] = (1900, 2030)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            ok = (isinstance(value, tuple | list) and len(value) == 2
                  and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and not math.isnan(v) for v in value)
                  and value[0] <= value[1])
            if not ok:
                msg = f"Bounds.{f.name}={value!r}: expected (lowest, highest) numbers with lowest ≤ highest."
                raise InputError(msg)
            object.__setattr__(self, f.name, tuple(value))

    def range_text(self, name: str) -> str:
        """``"0–20,000"``, ``"≥ 0"``: the range of one field, for messages."""
        lo, hi = getattr(self, name)
        return f"≥ {_fmt(lo)}" if math.isinf(hi) else f"{_fmt(lo)}–{_fmt(hi)}"

    def problem(self, name: str, value: float) -> str | None:
        """What is wrong with ``value`` for field ``name`` (a phrase after the value), or None."""
        lo, hi = getattr(self, name)
        if lo <= value <= hi:
            return None
        return f"is outside the plausible range {self.range_text(name)}"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a contract.

    Attributes
    ----------
    name : str
        Canonical name, what the analysis reads.
    kind : {"id", "code", "text", "integer", "number", "boolean", "category"}
        ``id``: identifies the feature (text; unique and filled when ``unique``); ``code``: an
        identifier of something else (text, may be empty); ``text``: free text, scanned for phone
        and ID numbers; ``integer``/``number``: numbers (text holding one is read);
        ``boolean``: yes/no; ``category``: one of a few keys (Chinese labels are read too).
    label : str
        Chinese label, for messages.
    required : bool
        The layer is refused without this column.
    unique : bool
        No two features share a value; every feature has one unless ``nullable``.
    nullable : bool
        With ``unique``: a feature may leave the column empty (the ledger's 小区编号).
    bound : str, optional
        Field of :class:`Bounds` giving the plausible range.
    choices : callable, optional
        ``category``: maps a written value to its key, or None when unknown.
    choice_names : tuple of str
        ``category``: the keys, for messages.
    aliases : tuple of str
        Other names the column is accepted under (renamed to ``name`` at the door).
    severity : {"error", "warning"}
        What an unusable value is (unreadable, out of range, unknown category).
    fix : str
        How to fix an unusable value.
    """

    name: str
    kind: Kind
    label: str = ""
    required: bool = False
    unique: bool = False
    nullable: bool = False
    bound: str | None = None
    choices: Callable[[Any], str | None] | None = None
    choice_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    severity: Severity = "error"
    fix: str = ""

    @property
    def title(self) -> str:
        """``households (户数)``."""
        return f"{self.name} ({self.label})" if self.label else self.name


@dataclass(frozen=True)
class Contract:
    """What one city layer (or the ledger table) must hold: columns, geometry type, ids, ranges.

    Attributes
    ----------
    name : str
        Layer name (``compounds`` …) or ``ledger``.
    geometry : {"polygon", "line"} or None
        Geometry type every feature must have; None for a table.
    columns : tuple of ColumnSpec
        Known columns; any other column passes unchanged (text ones are scanned for personal data).
    purpose : str
        What the layer is for, in one phrase.
    """

    name: str
    geometry: GeometryKind | None
    columns: tuple[ColumnSpec, ...]
    purpose: str = ""

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name``."""
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]

    @property
    def free_text(self) -> list[str]:
        """Names of the free-text columns (scanned for phone and ID numbers)."""
        return [c.name for c in self.columns if c.kind == "text"]

    def check(
        self,
        gdf: pd.DataFrame,
        *,
        source: str | None = None,
        bounds: Bounds | None = None,
        report: ProblemReport,
        fids: Sequence[object] | np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Check ``gdf`` against the contract; return it normalised, with every problem in ``report``.

        Never raises on bad data: :func:`check_layer` and :func:`zy_geo.io.read.read_city` decide.

        Parameters
        ----------
        gdf : DataFrame or GeoDataFrame
            The layer as read.
        source : str, optional
            File name, for problems.
        bounds : Bounds, optional
            Plausible ranges (default :class:`Bounds`).
        report : ProblemReport
            Gets one problem per feature and column that breaks the contract.
        fids : sequence, optional
            Each row's FID as the file numbers it (default: the index), used as ``row``.

        Returns
        -------
        DataFrame or GeoDataFrame
            Columns renamed to their canonical names; text numbers, yes/no and Chinese category
            labels read; ids written as numbers made text; phone and ID numbers masked. Columns
            that needed none of this are returned as they were.
        """
        return _Check(self, gdf, source, bounds or Bounds(), report, fids).run()


class _Check:
    """One contract applied to one layer."""

    def __init__(self, contract: Contract, gdf: pd.DataFrame, source: str | None, bounds: Bounds,
                 report: ProblemReport, fids: Sequence[object] | np.ndarray | None):
        self.c, self.source, self.bounds, self.report = contract, source, bounds, report
        self.gdf = gdf.copy()
        self.fids = list(gdf.index if fids is None else fids)
        self.written: dict[str, str] = {}
        self._labels: list[str] | None = None

    # -- where --------------------------------------------------------------------------------
    def add(self, severity: Severity, message: str, *, pos: int | None = None, column: str | None = None,
            value: Any = None, code: str, fix: str = "", lead: str = ": ") -> None:
        row = None
        if pos is not None:
            fid = self.fids[pos]
            row = int(fid) if isinstance(fid, numbers.Integral) else None
            message = f"{self.label(pos)}{lead}{message}"
        self.report.add(severity, message, source=self.source, layer=self.c.name, row=row,
                        column=self.written.get(column, column) if column else None, value=value, code=code,
                        fix=fix)

    def label(self, pos: int) -> str:
        """``FID 3 (compound_id='a')``."""
        if self._labels is None:
            from .io._geometry import feature_labels  # io.read imports this module

            self._labels = feature_labels(self.gdf, self.fids)
        return self._labels[pos]

    # -- the checks ---------------------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        self.rename()
        self.required()
        if self.c.geometry is not None and isinstance(self.gdf, gpd.GeoDataFrame):
            self.geometry()
        for spec in self.c.columns:
            if spec.name not in self.gdf.columns:
                continue
            if spec.kind in ("id", "code"):
                self.ids(spec)
            elif spec.kind in ("integer", "number"):
                self.numbers(spec)
            elif spec.kind == "boolean":
                self.booleans(spec)
            elif spec.kind == "category":
                self.categories(spec)
        skip = {s.name for s in self.c.columns if s.kind != "text"}
        if isinstance(self.gdf, gpd.GeoDataFrame):
            skip.add(self.gdf.geometry.name)
        for col in self.gdf.columns:
            if col not in skip:
                self.personal_data(col)
        return self.gdf

    def rename(self) -> None:
        renames = {}
        for spec in self.c.columns:
            if spec.name in self.gdf.columns:
                continue
            alias = next((a for a in spec.aliases if a in self.gdf.columns and a not in renames), None)
            if alias is not None:
                renames[alias] = spec.name
                self.written[spec.name] = alias
                self.add("info", f"column {alias} read as {spec.name}", column=spec.name, code="column_renamed")
        if renames:
            self.gdf = self.gdf.rename(columns=renames)

    def required(self) -> None:
        have = ", ".join(str(c) for c in self.gdf.columns if c != "geometry") or "none"
        for spec in self.c.columns:
            if spec.required and spec.name not in self.gdf.columns:
                names = " or ".join(dict.fromkeys((spec.name, *spec.aliases)))
                self.add("error", f"no column {spec.title}, which {self.c.purpose or 'the analysis'} needs; "
                         f"the layer has: {have}", column=spec.name, code="missing_column",
                         fix=f"add the column (named {names}) to every feature")

    def geometry(self) -> None:
        kind = self.c.geometry
        assert kind is not None
        types = self.gdf.geometry.geom_type.to_numpy(dtype=object)
        allowed = _GEOMETRY_TYPES[kind]
        bad = [p for p, t in enumerate(types) if t is not None and t not in allowed]
        for pos in bad:
            what = "a point has no outline to enclose or measure" if kind == "polygon" else \
                "a barrier or route is a line"
            self.add("error", f"is a {types[pos]}, but {self.c.name} must be {kind}s "
                     f"({'/'.join(allowed[:2])}): {what}", pos=pos, column="geometry", code="wrong_geometry", lead=" ",
                     fix=f"draw the {self.c.name} feature as a {kind} (QGIS: digitise it, or use the right layer)")

    def ids(self, spec: ColumnSpec) -> None:
        col = self.gdf[spec.name]
        values = col.map(_id_text)
        if not values.equals(col):
            self.gdf[spec.name] = values.astype(object) if col.dtype != object else values
        if not spec.unique:
            return
        missing = np.flatnonzero(values.isna().to_numpy() & (not spec.nullable))
        for at in missing:
            self.add("error", f"has no {spec.title}; {self.c.name} need one each", pos=int(at),
                     column=spec.name, code="missing_id", lead=" ",
                     fix=f"fill in a unique {spec.name}" + (f" ({spec.fix})" if spec.fix else ""))
        dup = values.duplicated(keep="first").to_numpy() & values.notna().to_numpy()
        if not dup.any():
            return
        first: dict[str, int] = {}
        for pos, value in enumerate(values.tolist()):
            if value is None:
                continue
            if value not in first:
                first[value] = pos
                continue
            self.add("error", f"has {spec.name} {value!r}, already used by {self.label(first[value])}; "
                     f"each of the {self.c.name} needs its own id, or one's results overwrite the other's",
                     pos=pos, column=spec.name, value=value, code="duplicate_id", lead=" ",
                     fix=f"give this feature its own {spec.name}, or merge the two features into one")

    def numbers(self, spec: ColumnSpec) -> None:
        col = self.gdf[spec.name]
        is_text = not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col))
        as_text = False
        if is_text:
            num = np.full(len(col), np.nan)
            parse_number, is_blank = _parsers()
            for pos, value in enumerate(col.tolist()):
                if is_blank(value):
                    continue
                as_text |= isinstance(value, str)
                try:
                    num[pos] = parse_number(value)
                except ValueError as exc:
                    self.add(spec.severity, f"{value!r} {exc}", pos=pos, column=spec.name, value=value,
                             code="not_a_number", fix=spec.fix or "enter a number")
        else:
            num = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(num)
        for at in np.flatnonzero(present & ~np.isfinite(num)):
            self.add(spec.severity, f"{_plain(num[at])} is not a finite number", pos=int(at), column=spec.name,
                     value=float(num[at]), code="not_finite", fix=spec.fix or "enter a number")
        finite = present & np.isfinite(num)
        fraction = np.zeros(len(num))
        fraction[finite] = np.abs(num[finite] - np.round(num[finite]))
        if spec.kind == "integer":
            for at in np.flatnonzero(fraction > 1e-9):
                self.add(spec.severity, f"{_plain(num[at])} is not a whole number", pos=int(at), column=spec.name,
                         value=float(num[at]), code="not_whole", fix=spec.fix or "enter a whole number")
        if spec.bound is not None:
            lo, hi = getattr(self.bounds, spec.bound)
            for at in np.flatnonzero(finite & ((num < lo) | (num > hi))):
                why = self.bounds.problem(spec.bound, float(num[at]))
                self.add(spec.severity, f"{spec.name} {_plain(num[at])} {why}", pos=int(at), column=spec.name,
                         value=_plain(num[at]), code="out_of_range",
                         fix=(spec.fix + "; " if spec.fix else "") + f"if such values are real, widen the range: "
                         f"Bounds({spec.bound}=(low, high))")
        if is_text:
            whole = spec.kind == "integer" and bool(finite.all()) and bool((fraction <= 1e-9).all())
            self.gdf[spec.name] = pd.Series(num, index=col.index).astype("int64" if whole else "float64")
            if as_text:
                self.add("info", "numbers stored as text were read as numbers", column=spec.name,
                         code="text_numbers", fix="store the column as numbers (QGIS: Field Calculator, to_int)")

    def booleans(self, spec: ColumnSpec) -> None:
        col = self.gdf[spec.name]
        if pd.api.types.is_bool_dtype(col):
            return
        from .ledger._values import parse_bool  # the ledger package imports this module

        out = []
        for pos, value in enumerate(col.tolist()):
            try:
                out.append(parse_bool(value))
            except ValueError:
                out.append(None)
                self.add("warning", f"{value!r} is not yes/no; read as unknown", pos=pos, column=spec.name,
                         value=value, code="not_yes_no", fix="enter 有 or 无 (是/否, √/×, 1/0 are read too)")
        self.gdf[spec.name] = pd.array(out, dtype="boolean")

    def categories(self, spec: ColumnSpec) -> None:
        assert spec.choices is not None
        col = self.gdf[spec.name]
        _, is_blank = _parsers()
        mapping: dict[Any, Any] = {}
        for value in pd.unique(col.astype(object)):
            mapping[value] = None if is_blank(value) else spec.choices(value)
        changed = False
        for pos, value in enumerate(col.tolist()):
            key = mapping.get(value)
            if key is None and not is_blank(value):
                self.add(spec.severity, f"{value!r} is not a known {spec.label or spec.name}; expected one of "
                         f"{', '.join(spec.choice_names)}", pos=pos, column=spec.name, value=value,
                         code="unknown_value", fix=spec.fix or f"use one of {', '.join(spec.choice_names)}")
            elif key is not None and key != value:
                changed = True
        if changed:
            self.gdf[spec.name] = col.map(lambda v: mapping.get(v) or v)
            self.add("info", f"values written in Chinese (or other spellings) read as the keys "
                     f"{', '.join(spec.choice_names)}", column=spec.name, code="values_renamed")

    def personal_data(self, column: str) -> None:
        col = self.gdf[column]
        if not (col.dtype == object or pd.api.types.is_string_dtype(col)):
            return
        found = {v for v in pd.unique(col.astype(object)) if isinstance(v, str) and has_pii(v)}
        if not found:
            return
        hits = [pos for pos, v in enumerate(col.tolist()) if v in found]
        self.gdf[column] = col.map(lambda v: redact_pii(v) if isinstance(v, str) else v)
        for pos in hits:
            self.add("info", "phone or ID number in free text masked (personal data stays out of maps, plans "
                     "and exports)", pos=pos, column=column, code="pii_masked",
                     fix="keep contacts in the ledger's 联系人/联系电话 columns, not in the map")


def _id_text(value: Any) -> Any:
    """An id as text: numbers (``512002001.0``) become digits, blanks become None, text stays as written."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fmt(x: float) -> str:
    """A bound for messages: ``20,000``, ``1900``, ``0.5``."""
    x = int(x) if float(x).is_integer() else x
    return f"{x:,}" if abs(x) >= 10_000 else str(x)


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def _parsers() -> tuple[Callable[[Any], float], Callable[[Any], bool]]:
    from .ledger._values import is_blank, parse_number  # the ledger package imports this module

    return parse_number, is_blank


def _kind(value: Any) -> str | None:
    from .ledger._values import Vocabulary

    return Vocabulary.kind(value)


def _mode(value: Any) -> str | None:
    from .ledger._values import Vocabulary

    return Vocabulary.mode(value)


def _road_class(value: Any) -> str | None:
    text = str(value).strip()
    return next((k for k, label in ROAD_CLASSES.items() if text in (k, label)), None)


def _zh(name: str) -> str:
    return LEDGER_COLUMNS[name][1] if name in LEDGER_COLUMNS else ""


def _aliases(name: str) -> tuple[str, ...]:
    return (_zh(name),) if _zh(name) else ()


_FIX_HOUSEHOLDS = "enter the number of households as a whole number, e.g. 120"
_KIND: dict[str, Any] = {"choices": _kind, "choice_names": tuple(COMPOUND_KINDS)}
_MODE: dict[str, Any] = {"choices": _mode, "choice_names": tuple(MODES)}


def _bools(*names: str) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(n, "boolean", _zh(n), aliases=_aliases(n), severity="warning") for n in names)


_COMPOUNDS = Contract("compounds", "polygon", (
    ColumnSpec("compound_id", "id", "小区编号", required=True, unique=True, aliases=_aliases("compound_id"),
               fix="e.g. 512002001-0001: street code, dash, serial"),
    ColumnSpec("name", "text", "小区名称", aliases=_aliases("name")),
    ColumnSpec("address", "text", "地址", aliases=_aliases("address")),
    ColumnSpec("street_code", "code", "街道代码", aliases=_aliases("street_code")),
    ColumnSpec("street", "text", "街道（镇）", aliases=_aliases("street")),
    ColumnSpec("body", "text", "责任主体", aliases=_aliases("body")),
    ColumnSpec("community", "text", "社区", aliases=_aliases("community")),
    ColumnSpec("kind", "category", "小区类型", aliases=_aliases("kind"), severity="warning", **_KIND),
    ColumnSpec("managed", "boolean", "已有物业管理", severity="warning"),
    ColumnSpec("mode", "category", "管理方式", aliases=_aliases("mode"), **_MODE),
    ColumnSpec("households", "integer", "户数", bound="households", aliases=_aliases("households"),
               fix=_FIX_HOUSEHOLDS),
    ColumnSpec("buildings", "integer", "楼栋数", bound="buildings", aliases=_aliases("buildings"),
               fix="enter the number of buildings as a whole number"),
    ColumnSpec("floors", "integer", "层数", bound="floors", fix="enter the number of storeys"),
    ColumnSpec("floor_area_m2", "number", "建筑面积（㎡）", bound="floor_area_m2", aliases=_aliases("floor_area_m2"),
               fix="enter the floor area in ㎡, e.g. 12345.6"),
    ColumnSpec("built_year", "integer", "建成年份", bound="built_year", aliases=_aliases("built_year"),
               fix="enter the year built, four digits, e.g. 2003"),
    *_bools("renovated", "enclosed", *SIX_HAVES, "party_org", "owners_committee"),
    ColumnSpec("walled", "boolean", "已有围墙", severity="warning"),
), "every plan, area and join")

_STREETS = Contract("streets", "polygon", (
    ColumnSpec("street_code", "id", "街道代码", required=True, unique=True, aliases=("code", "街道代码"),
               fix="the statistical division code, e.g. 512002001"),
    ColumnSpec("street", "text", "街道（镇）", required=True, aliases=("街道（镇）", "街道")),
    ColumnSpec("body", "text", "责任主体", aliases=("责任主体",)),
), "area ids and coverage by street")

_BUILDINGS = Contract("buildings", "polygon", (
    ColumnSpec("building_id", "id", "楼栋编号", unique=True),
    ColumnSpec("compound_id", "code", "小区编号"),
    ColumnSpec("floors", "integer", "层数", bound="floors", fix="enter the number of storeys"),
    ColumnSpec("households", "integer", "户数", bound="building_households", fix=_FIX_HOUSEHOLDS),
), "grouping scattered buildings")

_ROADS = Contract("roads", "line", (
    ColumnSpec("road_id", "id", "道路编号", unique=True),
    ColumnSpec("road_class", "category", "道路等级", required=True, choices=_road_class,
               choice_names=tuple(ROAD_CLASSES), severity="warning",
               fix="use arterial/secondary/local/path (主干路/次干路/支路/内部道路); others are never crossed"),
    ColumnSpec("name", "text", "名称"),
    ColumnSpec("bridge", "boolean", "桥梁", severity="warning"),
    ColumnSpec("tunnel", "boolean", "隧道", severity="warning"),
), "deciding which roads an area may span")


def _plain_layer(name: str, geometry: GeometryKind, purpose: str, *extra: ColumnSpec) -> Contract:
    return Contract(name, geometry, (ColumnSpec("name", "text", "名称"), *extra), purpose)


#: The contract of each city layer (:data:`zy_geo.schema.CITY_LAYERS`), checked by ``read_city``.
CITY_CONTRACTS: dict[str, Contract] = {
    "boundary_city": _plain_layer("boundary_city", "polygon", "the city outline", ColumnSpec("adcode", "code")),
    "boundary_district": _plain_layer("boundary_district", "polygon", "the district outline",
                                      ColumnSpec("adcode", "code")),
    "streets": _STREETS,
    "tuoxi": _plain_layer("tuoxi", "polygon", "deciding who pays (Tuoxi: city and district 50/50)"),
    "rivers": _plain_layer("rivers", "polygon", "barriers and the water no area covers"),
    "rail": _plain_layer("rail", "line", "barriers", ColumnSpec("bridge", "boolean", "桥梁", severity="warning"),
                         ColumnSpec("tunnel", "boolean", "隧道", severity="warning")),
    "roads": _ROADS,
    "compounds": _COMPOUNDS,
    "buildings": _BUILDINGS,
}
assert set(CITY_CONTRACTS) == set(CITY_LAYERS)

_LEDGER_KINDS: dict[str, Kind] = {"compound_id": "code", "street_code": "code", "kind": "category",
                                  "mode": "category", "body": "category", "street": "category",
                                  "source_row": "integer"}
_LEDGER_SPECS: dict[str, dict[str, Any]] = {
    "compound_id": {"unique": True, "nullable": True},
    "name": {"required": True, "severity": "error"},
    "households": {"required": True, "bound": "households", "fix": _FIX_HOUSEHOLDS, "severity": "error"},
    "buildings": {"bound": "buildings", "severity": "warning"},
    "floor_area_m2": {"bound": "floor_area_m2", "severity": "warning"},
    "built_year": {"bound": "built_year", "severity": "warning"},
    "kind": {"severity": "warning", **_KIND},
    "mode": {"severity": "warning", **_MODE},
}
_DTYPE_KIND: dict[str, Kind] = {"string": "text", "Int64": "integer", "Float64": "number", "boolean": "boolean"}

#: The survey ledger's canonical table (:data:`zy_geo.schema.LEDGER_COLUMNS`), row by row as
#: :func:`zy_geo.ledger.read.read_ledger` reads it: ``name`` and ``households`` are required (the
#: street comes from a column or the sheet's name), ``compound_id`` is unique where given, numbers
#: must lie within :class:`Bounds` (households: an error that rejects the row; the others: a
#: warning, left empty), and the free-text columns are scanned for phone and ID numbers.
LEDGER_CONTRACT = Contract("ledger", None, tuple(
    ColumnSpec(name, _LEDGER_KINDS.get(name, _DTYPE_KIND[dtype]), label,
               **{"severity": "warning", **_LEDGER_SPECS.get(name, {})})
    for name, (dtype, label) in LEDGER_COLUMNS.items()
), "coverage and the join")


def check_layer(
    gdf: gpd.GeoDataFrame,
    layer: str,
    *,
    source: str | None = None,
    bounds: Bounds | None = None,
    report: ProblemReport | None = None,
    fids: Sequence[object] | np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    r"""Check one city layer against its contract (:data:`CITY_CONTRACTS`) and return it normalised.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer as read.
    layer : str
        Its name, a key of :data:`CITY_CONTRACTS` (another name: returned unchecked).
    source : str, optional
        File name, for messages.
    bounds : Bounds, optional
        Plausible ranges (default :class:`Bounds`).
    report : ProblemReport, optional
        Gets every problem; without one, warnings are issued as :class:`~zy_geo.errors.DataRepairWarning`.
    fids : sequence, optional
        Each feature's FID in the file (default: the index), used as ``row``.

    Returns
    -------
    GeoDataFrame
        Canonical column names, numbers, yes/no, category keys, ids as text, personal data masked.

    Raises
    ------
    InputError
        The layer breaks its contract; ``.report`` lists every problem (feature, column, fix).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> ok = gpd.GeoDataFrame({"compound_id": ["a", "b"], "households": ["1,200", "80户"],
    ...                        "name": ["锦华小区 王13812345678", "建设路12号院"]},
    ...                       geometry=[box(0, 0, 50, 50), box(60, 0, 90, 50)], crs="EPSG:4544")
    >>> out = check_layer(ok, "compounds")
    >>> out["households"].tolist(), out["name"].iloc[0]
    ([1200, 80], '锦华小区 王138****5678')
    >>> bad = gpd.GeoDataFrame({"compound_id": ["a", "a"], "households": [-500, 60]},
    ...                        geometry=[box(0, 0, 50, 50), Point(70, 20)], crs="EPSG:4544")
    >>> try:
    ...     check_layer(bad, "compounds", source="city.gpkg")
    ... except InputError as exc:
    ...     errors = exc.report.errors
    >>> [(p.row, p.column, p.code) for p in errors]
    [(1, 'geometry', 'wrong_geometry'), (1, 'compound_id', 'duplicate_id'), (0, 'households', 'out_of_range')]
    >>> print(errors[2].where, errors[2].message, sep="\n")
    `city.gpkg` layer compounds row 0, column households
    FID 0 (compound_id='a'): households -500 is outside the plausible range 0–20,000
    """
    contract = CITY_CONTRACTS.get(layer)
    if contract is None:
        return gdf
    own = ProblemReport()
    out = contract.check(gdf, source=source, bounds=bounds, report=own, fids=fids)
    if report is not None:
        report.extend(own)
    raise_or_warn(own, f"`{source}` layer {layer}" if source else f"layer {layer}", warn=report is None)
    return out


def raise_or_warn(report: ProblemReport, what: str, *, warn: bool = True, carry: ProblemReport | None = None) -> None:
    """Raise :class:`~zy_geo.errors.InputError` when ``report`` holds errors; else warn about its warnings.

    Parameters
    ----------
    report : ProblemReport
        The contract problems of one input.
    what : str
        The input, e.g. ```city.gpkg` layer compounds``.
    warn : bool
        Issue one :class:`~zy_geo.errors.DataRepairWarning` listing the warnings (when nobody
        collects the report).
    carry : ProblemReport, optional
        The report the error carries in ``.report`` (default ``report``), e.g. the caller's whole
        report of which ``report`` is a part.

    Examples
    --------
    >>> r = ProblemReport()
    >>> _ = r.add("error", "no column compound_id", layer="compounds", code="missing_column")
    >>> raise_or_warn(r, "`city.gpkg`")
    Traceback (most recent call last):
    ...
    zy_geo.errors.InputError: `city.gpkg` breaks its contract (1 errors, 0 warnings, 0 notes):
    [error] layer/sheet compounds: no column compound_id.
    1 errors, 0 warnings, 0 notes
    """
    if report.errors:
        shown = ProblemReport([p for p in report if p.severity != "info"])
        msg = f"{what} breaks its contract ({report.summary()}):\n{shown.format(limit=20)}"
        raise InputError(msg, report=report if carry is None else carry)
    if warn and report.warnings:
        listed = ProblemReport(report.warnings).format(limit=10)
        warnings.warn(f"{what}: read with {len(report.warnings)} warning(s):\n{listed}", DataRepairWarning,
                      stacklevel=3)


__all__ = ["CITY_CONTRACTS", "LEDGER_CONTRACT", "Bounds", "ColumnSpec", "Contract", "check_layer", "raise_or_warn"]
