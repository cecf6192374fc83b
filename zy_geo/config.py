"""One config: every setting of zy_geo with its default, documentation and check, read from one TOML file.

A config file is a reproducible script of a run; every section and key is optional::

    subsidy_cap_yuan = 50000              # top level: funding (notice §五(二))
    metric_crs = "auto"                   # top level: CRS in metres ("auto": the zone of the city)

    [proposal]                            # management areas (ProposalParams)
    max_households = 1200
    crossable = ["path", "local"]

    [proposal.streets."莲花街道"]          # overrides for one street
    max_households = 800

    [[proposal.together]]                 # decisions that bind the proposal (zy_geo.areas.decisions)
    units = ["512002001-0003", "512002001-0004"]
    reason = "两小区业主大会同意合并"

    [prices]                              # unit prices in yuan (Prices; estimates, the notice sets none)
    fence_per_m_yuan = 120

    [operating]                           # community-centre running figures (Operating)
    fee_per_m2_month_yuan = 0.3

    [modes]                               # management-mode thresholds (ModeRules)
    professional_min_households = 300

:func:`load_config` reads the file once into a frozen :class:`Config`. Each option is declared once,
below, with its default, its documentation and its check (:func:`zy_geo._options.option`); the same
check runs when a settings object is built in Python and when it is read from a file. Every mistake
in a file — a wrong type, a value out of range, ``nan`` or ``inf``, a decimal where a whole number is
meant, a key or section that does not exist (with the closest valid name), text that is not UTF-8 or
not TOML — is an :class:`~zy_geo.errors.InputError` naming the file, section and key, what was
expected and the fix; all problems of a file come in one message.

A new section (``[import]``, ``[bounds]``) is a :class:`~zy_geo._options.Checked` dataclass declared
with ``option`` fields, an entry in :data:`SECTIONS` and a field of :class:`Config`.

Examples
--------
>>> cfg = load_config()             # no file: the defaults
>>> cfg.settings.subsidy_cap_yuan, cfg.proposal.max_households, cfg.modes.self_max_households
(50000.0, 1200, 60)
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._options import Checked, Issue, check_values, closest, documented, format_issue, option, options_of, show
from .crs import METRIC_CRS, metric_crs_problem
from .errors import InputError, ProblemReport
from .schema import ROAD_CLASSES

if TYPE_CHECKING:
    from .areas.decisions import Decisions

NOTICE = "资府办函〔2023〕9号"


@documented
@dataclass(frozen=True)
class Prices(Checked):
    """Unit prices in yuan. All are DEFAULT estimates (the notice sets none): override them locally."""

    fence_per_m_yuan: float = option(
        80.0, "Light steel fence or temporary barrier (临时隔离装置, notice §四(一)), per metre.",
        ge=0, basis="estimate", zh="围挡单价（元/米）")
    gate_house_yuan: float = option(12000.0, "One gate house (门岗).", ge=0, basis="estimate", zh="门卫室（元/处）")
    barrier_gate_yuan: float = option(8000.0, "One barrier gate (道闸) per vehicle entrance.", ge=0,
                                      basis="estimate", zh="道闸（元/套）")
    pedestrian_gate_yuan: float = option(3000.0, "One pedestrian gate per footpath entrance.", ge=0,
                                         basis="estimate", zh="人行门（元/处）")
    camera_yuan: float = option(1500.0, "One CCTV camera (监控).", ge=0, basis="estimate", zh="监控摄像头（元/个）")
    light_point_yuan: float = option(1200.0, "One lighting point along the boundary.", ge=0, basis="estimate",
                                     zh="照明点位（元/个）")
    parking_space_yuan: float = option(1500.0, "One parking space on idle land.", ge=0, basis="estimate",
                                       zh="停车位（元/个）")
    ev_charger_yuan: float = option(4000.0, "One EV charger.", ge=0, basis="estimate", zh="充电桩（元/个）")


@documented
@dataclass(frozen=True)
class Operating(Checked):
    """Running a community-centre compound (notice §四(五): 业主支付一点、公共收益弥补一点). DEFAULTS."""

    fee_per_m2_month_yuan: float = option(0.3, "Property fee per m² of floor area and month.", ge=0,
                                          zh="物业费（元/㎡·月）")
    collection_rate: float = option(0.8, "Share of the fee actually collected.", ge=0, le=1, zh="收缴率")
    public_income_per_household_year_yuan: float = option(
        20.0, "Public income (parking, advertising …) per household and year.", ge=0, zh="公共收益（元/户·年）")
    cost_per_household_year_yuan: float = option(60.0, "Running cost per household and year.", ge=0,
                                                 zh="运行成本（元/户·年）")
    base_cost_per_area_year_yuan: float = option(
        36000.0, "Fixed running cost per compound and year (one guard post and a part-time cleaner).", ge=0,
        zh="固定运行成本（元/小区·年）")


@documented
@dataclass(frozen=True)
class HouseholdEstimate(Checked):
    """Households where nobody has counted them (``[households]``): DEFAULTS, estimates to override locally.

    A compound or scattered building without a surveyed figure gets ``footprint × floors ÷
    floor_area_per_household_m2`` (floors from ``building:levels``, else height ÷ ``storey_height_m``,
    else ``default_floors``), or, for a compound without buildings, ``land area × floor_area_ratio ÷
    floor_area_per_household_m2``. Such figures are marked ``households_estimated``; a ledger figure
    always replaces them.
    """

    floor_area_per_household_m2: float = option(
        90.0, "Gross floor area per household (m²), walls and shared space included.", ge=10, basis="estimate",
        zh="户均建筑面积（㎡）")
    storey_height_m: float = option(3.0, "Storey height used to turn a building height into floors (m).", ge=2,
                                    basis="estimate", zh="层高（米）")
    default_floors: int = option(6, "Floors of a residential building whose levels and height are unknown.", ge=1,
                                 basis="estimate", zh="缺省层数")
    floor_area_ratio: float = option(
        1.5, "Floor-area ratio (容积率) of a compound with no building footprints.", ge=0.05, basis="estimate",
        zh="缺省容积率")
    min_footprint_m2: float = option(
        20.0, "Footprints smaller than this (sheds, kiosks) hold no household.", ge=0, basis="estimate",
        zh="计户最小占地面积（㎡）")


def _key_env(name: str) -> Issue | None:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return None
    return Issue("tianditu_key_env", f"must be the name of an environment variable, found {show(name)}",
                 'use letters, digits and _ only, e.g. tianditu_key_env = "TIANDITU_KEY"', name)


def _metric_crs(value: str) -> Issue | None:
    problem = metric_crs_problem(value)
    if problem is None:
        return None
    return Issue("metric_crs", problem, f'write metric_crs = "auto" (the CGCS2000 3-degree zone of the city, '
                 f'{METRIC_CRS} in Ziyang) or a projected zone in metres, e.g. metric_crs = "EPSG:4549"', value,
                 "bad_crs")


@documented
@dataclass(frozen=True)
class Settings(Checked):
    """Funding rules, the metric CRS, unit prices and operating figures: the top level, ``[prices]``, ``[operating]``.

    ``metric_crs = "auto"`` measures every city in the CGCS2000 3-degree Gauss-Krüger zone of its extent
    (EPSG:4544 in Ziyang; :func:`zy_geo.crs.choose_metric_crs`); ``--metric-crs`` on the command line
    overrides it.
    """

    subsidy_cap_yuan: float = option(
        50000.0, "Six-haves facility subsidy cap per compound.", ge=0, basis="notice",
        cite=f"{NOTICE} §五(二): 每个小区不超过5万元", zh="每小区奖补上限（元）")
    tuoxi_city_share: float = option(
        0.5, "Share of the subsidy paid by the city inside Yanjiang's Tuoxi central urban area.", ge=0, le=1,
        basis="notice", cite=f"{NOTICE} §五(二): 沱西中心城区市、区各承担50%", zh="沱西市级承担比例")
    cofund_layer: str = option(
        "tuoxi", "City layer of the co-funded area (Ziyang: Tuoxi); a city without it: the responsible body pays "
        "everything.", basis="notice", cite=f"{NOTICE} §五(二): 沱西中心城区", zh="市区共担范围图层")
    cofund_body: str = option(
        "雁江区", "Responsible body whose compounds inside the co-funded area share the subsidy with the city "
        '("" = every body).', basis="notice", cite=f"{NOTICE} §五(二)", zh="市区共担的责任主体")
    tianditu_key_env: str = option(
        "TIANDITU_KEY", "Environment variable holding the Tianditu key (never stored in code or settings files).",
        check=_key_env, zh="天地图密钥环境变量")
    metric_crs: str = option(
        "auto", 'CRS of every area and distance: "auto" takes the CGCS2000 3-degree Gauss-Kruger zone of the '
        'city\'s extent (EPSG:4544 in Ziyang, EPSG:4549 in Shanghai); or a projected CRS in metres, e.g. '
        '"EPSG:4549".', check=_metric_crs, zh="量算坐标系")
    prices: Prices = field(default_factory=Prices, metadata={"doc": "Unit prices ([prices])."})
    operating: Operating = field(default_factory=Operating,
                                 metadata={"doc": "Community-centre running figures ([operating])."})
    households: HouseholdEstimate = field(default_factory=HouseholdEstimate,
                                          metadata={"doc": "Household estimates where none were counted "
                                                           "([households])."})

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some values changed (checked like the original)."""
        return dataclasses.replace(self, **changes)


def _crossable(value: tuple[str, ...]) -> Issue | None:
    if "arterial" in value:
        return Issue("crossable", "lists 'arterial': arterial roads can never be crossed by a management area",
                     "remove 'arterial' from crossable", value, "arterial")
    return None


def _min_not_above_max(v: Mapping[str, Any]) -> Issue | None:
    if v["min_households"] <= v["max_households"]:
        return None
    return Issue("min_households", f"({v['min_households']}) is above max_households ({v['max_households']})",
                 "lower the first or raise the second", v["min_households"], "conflict")


@documented
@dataclass(frozen=True)
class ProposalParams(Checked):
    """Limits and distances of the management-area proposal (``[proposal]``). Planning defaults: override them.

    Notes
    -----
    Two groups that could each support a service (≥ ``min_households``) are merged only when
    enclosing them together needs no more new fence than enclosing them apart; smaller groups
    merge whenever the limits allow, since they cannot stand alone. The exact partition of a small
    cluster follows the same priorities; with the cost cap off it is never worse than the greedy one.
    """

    max_gap_m: float = option(60.0, "Units closer than this (edge to edge) may share an area.", ge=0,
                              zh="可合并最大间距（米）")
    min_households: int = option(
        80, "An area below this cannot support a property service (flagged, or absorbed).", ge=1, zh="区域最少户数")
    max_households: int = option(
        1200, "An area above this is too large for one gate team; merges beyond it are refused.", ge=1,
        zh="区域最多户数")
    max_extent_m: float = option(
        350.0, "Half the diagonal of an area's bounding box may not exceed this (walking distance to a gate).",
        ge=0, zh="区域最大半径（米）")
    crossable: tuple[str, ...] = option(
        ("path",), "Road classes an area may span (each crossing costs a gate). Arterials never.",
        choices=tuple(c for c in ROAD_CLASSES if c != "arterial"), item_name="road class(es)", check=_crossable,
        zh="可跨越道路等级")
    absorb_max_households: int = option(
        150, "A leftover group up to this size may be absorbed by a managed neighbour (扩围).", ge=0,
        hint="0: no absorption", zh="扩围最多户数")
    orphan_gap_m: float = option(
        25.0, "Buildings outside every compound closer than this form one unit first (whole city only).", ge=0,
        city_wide=True, zh="零星楼栋成组间距（米）")
    hull_ratio: float = option(0.35, "Concave-hull tightness of area boundaries.", ge=0, le=1,
                               hint="0 tightest hull, 1 convex hull", zh="边界紧凑度（0紧—1凸包）")
    respect_cost_cap: bool = option(
        True, "Refuse merges that would push an area over the subsidy cap when both parts are under it.",
        zh="尽量不超5万元上限")
    exact_max_units: int = option(
        10, "Clusters of up to this many units (linked within max_gap_m in one enclosure) are partitioned "
        "exactly: the most households in viable areas, then the least new fence; larger ones greedily "
        "(nearest first); 0 groups everything greedily.", ge=0, le=12,
        hint="the exact partition grows as 3**n with the cluster size", zh="精确划分最大单元数")
    coverage_weight_m: float = option(
        math.inf, "Metres of new fence worth building to bring one more household into a viable area in the "
        "exact partition: inf puts coverage first, 0 the least new fence (a small unit that costs more fence "
        "to join than to enclose alone is left as a remainder).", ge=0, allow_inf=True,
        zh="每多覆盖1户可多建围挡（米）")
    merge_consent_min: float = option(
        2 / 3, "Owners' consent share (ledger 业主同意比例) a compound needs to be merged; below it the compound is "
        "treated as no_merge (ledger 同意合并 = 否 too).", ge=0, le=1, zh="同意合并业主比例下限")

    invariants = (_min_not_above_max,)


@documented
@dataclass(frozen=True)
class ModeRules(Checked):
    """Thresholds of the management-mode rules (notice §四(四), ``[modes]``). DEFAULTS: the notice sets none."""

    professional_min_households: int = option(300, "Professional management needs at least this many households.",
                                              ge=0, zh="专业化物业最少户数")
    professional_min_floor_area_m2: float = option(25000.0, "… and at least this floor area (m²).", ge=0,
                                                   zh="专业化物业最小建筑面积（㎡）")
    professional_min_fee_income_yuan: float = option(80000.0, "… and at least this yearly fee income (yuan).",
                                                     ge=0, zh="专业化物业最低年物业费收入（元）")
    self_max_households: int = option(60, "Self-management only up to this many households.", ge=0,
                                      zh="自行管理最多户数")
    self_needs_party_org: bool = option(True, "Self-management needs a party organisation.",
                                        zh="自行管理须有党组织")
    self_min_consent: float = option(2 / 3, "Self-management needs at least this owners' consent share (when known).",
                                     ge=0, le=1, zh="自行管理业主同意比例下限")


#: Sections of a config file and the settings dataclass each one fills (``""``: the top level).
SECTIONS: dict[str, type[Checked]] = {
    "": Settings, "prices": Prices, "operating": Operating, "proposal": ProposalParams, "modes": ModeRules,
    "households": HouseholdEstimate,
}
#: Per-street overrides of ``[proposal]``: ``[proposal.streets."<street name>"]``.
STREETS = "proposal.streets"
#: Keys that were settings once but that no code read; a file that sets them is told why.
RETIRED = {
    ("", "geographic_crs"): "it was never read: maps are drawn in EPSG:4326 and analysis runs in metric_crs",
    ("", "output_dir"): "choose the output folder with --out (out_dir= in Python)",
    ("prices", "temporary_barrier_per_m_yuan"): "temporary barriers (临时隔离装置) are priced with fence_per_m_yuan",
}


@dataclass(frozen=True)
class Config:
    """Everything a run reads from a config file, checked; build it with :func:`load_config`.

    Attributes
    ----------
    settings : Settings
        Top-level funding rules, ``[prices]`` (:attr:`prices`) and ``[operating]`` (:attr:`operating`).
    proposal : ProposalParams
        ``[proposal]``: limits and distances of the management-area proposal.
    streets : dict of str to ProposalParams
        ``[proposal.streets."<name>"]``: the full parameters of each street that overrides some.
    modes : ModeRules
        ``[modes]``: thresholds of the management-mode rules.
    source : Path or None
        The file read (None: the defaults).
    decisions : Decisions
        ``[[proposal.together]]``, ``[[proposal.apart]]``, ``no_merge`` and ``exclude`` in ``[proposal]``:
        the decisions of planners and residents that bind the proposal (:mod:`zy_geo.areas.decisions`).

    Examples
    --------
    >>> cfg = Config()
    >>> cfg.prices.fence_per_m_yuan, cfg.operating.collection_rate
    (80.0, 0.8)
    >>> cfg.replace(proposal=ProposalParams(max_households=800)).proposal.max_households
    800
    """

    settings: Settings = field(default_factory=Settings)
    proposal: ProposalParams = field(default_factory=ProposalParams)
    streets: dict[str, ProposalParams] = field(default_factory=dict)
    modes: ModeRules = field(default_factory=ModeRules)
    source: Path | None = field(default=None, compare=False)
    decisions: Decisions = field(default_factory=lambda: _no_decisions())

    @property
    def prices(self) -> Prices:
        """Unit prices (``[prices]``)."""
        return self.settings.prices

    @property
    def operating(self) -> Operating:
        """Community-centre running figures (``[operating]``)."""
        return self.settings.operating

    def replace(self, **changes: Any) -> Config:
        """Return a copy with some parts changed."""
        return dataclasses.replace(self, **changes)

    def _sections(self) -> list[tuple[str, str | None, Checked]]:
        """(section, street, settings object) in file order, streets after ``[proposal]``."""
        out: list[tuple[str, str | None, Checked]] = [
            ("", None, self.settings), ("prices", None, self.prices), ("operating", None, self.operating),
            ("proposal", None, self.proposal)]
        out += [(STREETS, name, p) for name, p in sorted(self.streets.items())]
        return [*out, ("modes", None, self.modes), ("households", None, self.settings.households)]

    def options(self) -> pd.DataFrame:
        """Every option with its value, default, whether it is the default, basis, citation and doc.

        Streets list only the options they set differently from ``[proposal]``.

        Returns
        -------
        DataFrame
            Columns ``section`` (``""`` for the top level), ``street`` (for ``proposal.streets``),
            ``key``, ``value``, ``default``, ``is_default``, ``basis`` (notice / estimate / planning),
            ``cite``, ``zh`` (Chinese name), ``doc``.

        Examples
        --------
        >>> t = Config(settings=Settings(subsidy_cap_yuan=40000.0)).options().set_index("key")
        >>> t.loc["subsidy_cap_yuan", ["value", "default", "basis"]].tolist()
        [40000.0, 50000.0, 'notice']
        >>> bool(t.loc["subsidy_cap_yuan", "is_default"])
        False
        >>> bool(t.loc["fence_per_m_yuan", "is_default"])
        True
        """
        rows = []
        for section, street, obj in self._sections():
            for key, opt in options_of(type(obj)).items():
                value = getattr(obj, key)
                if street is not None and value == getattr(self.proposal, key):
                    continue
                rows.append({"section": section, "street": street, "key": key, "value": value,
                             "default": opt.default, "is_default": value == opt.default, "basis": opt.basis,
                             "cite": opt.cite, "zh": opt.zh, "doc": opt.doc})
        return pd.DataFrame(rows, columns=["section", "street", "key", "value", "default", "is_default", "basis",
                                           "cite", "zh", "doc"])

    def to_toml(self, *, changed_only: bool = False) -> str:
        """The config as TOML that :func:`load_config` reads back to an equal :class:`Config`.

        Parameters
        ----------
        changed_only : bool
            Write only the values that differ from their default (a street: from ``[proposal]``).
            Default: every option, each marked ``# default`` or ``# changed`` with its doc.

        Returns
        -------
        str

        Examples
        --------
        >>> print(Config(proposal=ProposalParams(max_households=800)).to_toml(changed_only=True), end="")
        [proposal]
        max_households = 800  # changed (default 1200)
        """
        lines: list[str] = []
        for section, name, obj in self._sections():
            street = name is not None
            body = []
            for key, opt in options_of(type(obj)).items():
                value = getattr(obj, key)
                same = value == (getattr(self.proposal, key) if street else opt.default)
                if same and (changed_only or street):
                    continue
                mark = (f"default ({opt.cite})" if opt.cite else "default") if value == opt.default \
                    else f"changed (default {show(opt.default)})"
                body.append(f"{key} = {show(value)}  # {mark}" + ("" if changed_only else f": {opt.doc}"))
            keys, tables = self.decisions.toml_lines() if section == "proposal" and not street else ([], [])
            body += keys
            if section and (body or street):
                lines += ([""] if lines else []) + [f"[{section}.{show(name)}]" if street else f"[{section}]"]
            lines += body
            lines += tables if lines else tables[1:]  # no blank first line
        return "\n".join(lines) + ("\n" if lines else "")


def load_config(path: str | Path | None = None) -> Config:
    r"""Read a TOML config file once, check every value, and return the :class:`Config`.

    Parameters
    ----------
    path : str or Path, optional
        UTF-8 TOML file (a byte-order mark is fine) with any of the top-level settings and the
        sections ``[proposal]``, ``[proposal.streets."<street>"]``, ``[prices]``, ``[operating]``,
        ``[modes]``, and the decisions ``[[proposal.together]]``, ``[[proposal.apart]]``, ``no_merge`` and
        ``exclude`` (:mod:`zy_geo.areas.decisions`). None: the defaults.

    Returns
    -------
    Config

    Raises
    ------
    InputError
        Naming the file, section and key of every problem, what was expected and the fix (all
        problems at once; ``.report`` holds them as a :class:`~zy_geo.errors.ProblemReport`).

    Examples
    --------
    >>> import tempfile, shutil
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = folder / "proposal.toml"
    >>> _ = path.write_text("[proposal]\nmax_households = 800\n[prices]\nfence_per_m_yuan = 120\n")
    >>> cfg = load_config(path)
    >>> cfg.proposal.max_households, cfg.prices.fence_per_m_yuan
    (800, 120.0)
    >>> _ = path.write_text("[proposal]\nmin_households = 80.7\n[price]\ncamera_yuan = 1\n")
    >>> try:
    ...     load_config(path)
    ... except InputError as exc:
    ...     print(str(exc).splitlines()[0].replace(str(folder), "…"))
    ...     for p in exc.report:
    ...         print(p.layer, p.column, p.code, "|", p.fix)
    `…/proposal.toml` has 2 problems; fix them and run again:
    [price] None unknown_section | rename it to [prices]
    [proposal] min_households not_whole | write 80 or 81
    >>> shutil.rmtree(folder)
    """
    if path is None:
        return Config()
    return _load(Path(path), sections=SECTIONS.keys(), base=Config())


# --- reading ---------------------------------------------------------------------------------------------------

_HINTS = (
    (re.compile(r"[“”‘’]"), "Chinese quotation marks “…” must be plain ASCII quotes \"…\""),
    (re.compile(r"[＝：，［］＂]"), "full-width punctuation (＝ ， ［ ］) must be typed in half-width (= , [ ])"),
    (re.compile(r"^\s*\[.*\.[^\]\"']*[^\x00-\x7f][^\]\"']*\]\s*$"),
     'a street name in a section header needs double quotes: [proposal.streets."莲花街道"]'),
)


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of a file, or an InputError saying what kept it from being read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        msg = f"settings file `{path}` does not exist; check the path."
        raise InputError(msg) from None
    except IsADirectoryError:
        msg = f"settings file `{path}` is a folder; give the path of the .toml file in it."
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"settings file `{path}` cannot be read ({exc.strerror}); check its permissions."
        raise InputError(msg) from None
    try:
        text = raw.decode("utf-8-sig")  # Windows Notepad writes a byte-order mark: harmless
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            guess = "; it looks like GBK/GB18030, the Chinese-Windows default"
        except UnicodeDecodeError:
            guess = ""
        msg = (f"settings file `{path}` is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}{guess}). "
               "Fix: save it as UTF-8 (Notepad: 另存为 → 编码 UTF-8; VS Code: Save with Encoding → UTF-8).")
        raise InputError(msg) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where, hint = "", ""
        if found:
            line_no, col = int(found[1]), int(found[2])
            bad = text.splitlines()[line_no - 1] if line_no <= len(text.splitlines()) else ""
            where = f" at line {line_no}, column {col}: {bad.strip()!r}"
            hint = next((f" ({h})" for pattern, h in _HINTS if pattern.search(bad)), "")
        msg = f"settings file `{path}` is not valid TOML: {exc}. Fix the syntax{where}{hint}."
        raise InputError(msg) from None


# --- checking ----------------------------------------------------------------------------------------------------

def _label(section: str) -> str:
    return f"[{section}]" if section else "top level"


def _unknown_key(section: str, key: str, value: Any) -> Issue:
    """Why a key is not a setting of its section, and where it belongs or what was meant."""
    if (section, key) in RETIRED:
        return Issue(key, f"is no longer a setting: {RETIRED[section, key]}", "remove it", value, "retired")
    own = options_of(SECTIONS[section])
    homes = [s for s, cls in SECTIONS.items() if s != section and key in options_of(cls)]
    if homes:
        there = "at the top of the file, before any [section]" if homes[0] == "" else f"under {_label(homes[0])}"
        here = "a top-level setting" if section == "" else f"a setting of {_label(section)}"
        return Issue(key, f"is not {here}; it belongs {there}", f"move it {there}", value, "wrong_section")
    near = closest(key, own)
    if near:
        return Issue(key, f"is an unknown setting (did you mean {near}?)", f"write {near} (or remove the line)",
                     value, "unknown_key")
    return Issue(key, f"is an unknown setting of {_label(section)}", f"use one of {', '.join(own)}, or remove it",
                 value, "unknown_key")


def _unknown_section(name: str, known: Collection[str]) -> Issue:
    near = closest(name, known)
    if near:
        return Issue("", f"unknown section (did you mean [{near}]?)", f"rename it to [{near}]", None,
                     "unknown_section")
    listed = ", ".join(f"[{k}]" for k in known)
    return Issue("", "unknown section", f"use some of {listed} (a misspelt section would be ignored)", None,
                 "unknown_section")


def _values(obj: Checked) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in options_of(type(obj))}


class _Checker:
    """Checks one parsed file section by section, gathering every problem."""

    def __init__(self, path: Path):
        self.path = path
        self.report = ProblemReport()
        self.lines: list[str] = []

    def add(self, where: str, issue: Issue) -> None:
        self.lines.append(format_issue(f"`{self.path}` {where}", issue))
        self.report.add("error", f"{issue.key} {issue.message}".strip(), source=str(self.path), layer=where,
                        column=issue.key or None, value=issue.value, code=issue.code, fix=issue.fix)

    def section(self, section: str, raw: Mapping[str, Any], base: dict[str, Any], *, street: str | None = None,
                conflicts: bool = True) -> tuple[dict[str, Any], bool]:
        """Checked values of one section (or one street's overrides) on top of ``base``, and whether options conflict.

        ``conflicts=False`` leaves out rules between options (a conflict inherited from a faulty
        ``[proposal]`` is reported there, not again for every street).
        """
        cls = SECTIONS[section]
        name = f"{STREETS}.{show(street)}" if street is not None else section
        where = _label(name)
        opts = options_of(cls)
        given = {}
        for key, value in raw.items():
            if section == "proposal" and street is None and key in ("streets", *DECISION_KEYS):
                continue  # street sections and decisions are read on their own
            if section == "proposal" and street is not None and key in DECISION_KEYS:
                continue  # a street office's decisions: read with the city's (load_config)
            if isinstance(value, dict):
                known = [STREETS] if section == "proposal" and street is None else [s for s in SECTIONS if s]
                self.add(f"[{name}.{key}]" if name else f"[{key}]",
                         _unknown_section(f"{name}.{key}" if name else key, known))
            elif key not in opts:
                self.add(where, _unknown_key(section, key, value))
            elif street is not None and opts[key].city_wide:
                self.add(where, Issue(key, "cannot be set per street: it must apply to the whole city (orphan "
                                      "buildings are grouped before streets are known)",
                                      "set it under [proposal] instead", value, "city_wide"))
            else:
                given[key] = value
        values, issues = check_values(cls, {**base, **given}, given=given)
        issues = [i for i in issues if conflicts or i.code != "conflict"]
        for issue in issues:
            self.add(where, issue)
        bad = {i.key for i in issues}
        return {k: (base[k] if k in bad else v) for k, v in values.items()}, any(i.code == "conflict" for i in issues)

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        if len(self.lines) == 1:
            msg = self.lines[0]
        else:
            msg = f"`{self.path}` has {len(self.lines)} problems; fix them and run again:\n" + "\n".join(
                f"  {line}" for line in self.lines)
        raise InputError(msg, report=self.report)


def _load(path: Path, *, sections: Collection[str], base: Config) -> Config:
    """Read ``path`` and check the named sections (others keep ``base``); unknown sections are always errors."""
    data = _read_toml(path)
    check = _Checker(path)
    tables: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECTIONS and key:
            if isinstance(value, dict):
                tables[key] = value
            else:
                check.add("top level", Issue(key, f"must be a section [{key}] with its settings under it, found "
                                             f"{show(value)}", f"write [{key}] on a line of its own", value))
        elif isinstance(value, dict):
            check.add(f"[{key}]", _unknown_section(key, [s for s in SECTIONS if s]))
        else:
            top[key] = value
    current = {name: _values(obj) for name, street, obj in base._sections() if street is None}
    values, conflicted = dict(current), dict.fromkeys(SECTIONS, False)
    for name in SECTIONS:
        if name in sections:
            raw = top if name == "" else tables.get(name, {})
            values[name], conflicted[name] = check.section(name, raw, current[name])
    streets: dict[str, Any] = dict(base.streets)
    raw_streets = tables.get("proposal", {}).get("streets", {}) if "proposal" in sections else {}
    if not isinstance(raw_streets, dict):
        check.add("[proposal]", Issue("streets", f'must be sections [{STREETS}."<street name>"], found '
                                      f"{show(raw_streets)}", f'write [{STREETS}."莲花街道"] and the settings it '
                                      "overrides under it", raw_streets))
        raw_streets = {}
    for street, raw in raw_streets.items():
        header = f"[{STREETS}.{show(street)}]"
        if isinstance(raw, dict) and raw and set(raw) <= set(DECISION_KEYS):
            continue  # only the street office's decisions (read below): no overrides for the street
        if isinstance(raw, dict):
            streets[street], _ = check.section("proposal", raw, values["proposal"], street=street,
                                               conflicts=not conflicted["proposal"])
        elif street in options_of(ProposalParams):
            check.add(f"[{STREETS}]", Issue(street, "is set without a street name", f'write [{STREETS}."<street '
                                            f'name>"] on the line above {street}', raw, "no_street"))
        else:
            check.add(f"[{STREETS}]", Issue(street, f"must be a section {header}, found {show(raw)}",
                                            f"write {header} and the settings it overrides under it", raw))
    decisions = base.decisions
    if "proposal" in sections:
        from .areas.decisions import decisions_from_toml

        sound = {}  # each street office's list, checked where it stands, then read with the city's
        for street, raw in (raw_streets or {}).items():
            if isinstance(raw, dict) and any(k in raw for k in DECISION_KEYS):
                _, issues = decisions_from_toml(raw, source=str(path))
                for where, issue in issues:
                    check.add(where.replace("proposal", f"{STREETS}.{show(street)}", 1), issue)
                if not issues:
                    sound[street] = raw
        decisions, issues = decisions_from_toml(_with_street_decisions(tables.get("proposal", {}), sound, check),
                                                source=str(path))
        for where, issue in issues:
            check.add(where, issue)
    check.raise_if_any()
    streets = {k: v if isinstance(v, ProposalParams) else ProposalParams(**v) for k, v in streets.items()}
    settings = Settings(**values[""], prices=Prices(**values["prices"]), operating=Operating(**values["operating"]),
                        households=HouseholdEstimate(**values["households"]))
    return Config(settings, ProposalParams(**values["proposal"]), streets, ModeRules(**values["modes"]), path,
                  decisions)


def _with_street_decisions(city: Mapping[str, Any], streets: Any, check: Any) -> dict[str, Any]:
    """The ``[proposal]`` decisions with those of every ``[proposal.streets."<name>"]`` after them.

    Unit ids are unique across the city, so a street office's list means the same as the city's; it is kept
    where the office writes it, and read as one set of decisions (written back city-wide by ``to_toml``).
    """
    out: dict[str, Any] = {k: city[k] for k in DECISION_KEYS if k in city}
    for street, raw in (streets.items() if isinstance(streets, dict) else ()):
        if not isinstance(raw, dict):
            continue
        for key in ("together", "apart"):
            if isinstance(raw.get(key), list) and isinstance(out.get(key, []), list):
                out[key] = [*out.get(key, []), *raw[key]]
        for key in ("no_merge", "exclude"):
            if key not in raw:
                continue
            have, add = (dict.fromkeys(v, "") if isinstance(v, list) else v for v in (out.get(key, {}), raw[key]))
            if not (isinstance(have, dict) and isinstance(add, dict)):
                continue  # a wrong shape: said where it stands
            for unit, why in add.items():
                if key == "exclude" and unit in have and have[unit] != why:
                    check.add(f"[{STREETS}.{show(street)}]", Issue(
                        key, f"excludes {unit!r} for {why!r}, but another section excludes it for {have[unit]!r}",
                        "give the unit one reason, in one section", unit, "conflict"))
            out[key] = {**have, **add}
    return out


#: Keys of ``[proposal]`` that hold decisions, not options (:data:`zy_geo.areas.decisions.DECISION_KEYS`).
DECISION_KEYS = ("together", "apart", "no_merge", "exclude")


def _no_decisions() -> Decisions:
    """No decisions (imported late: :mod:`zy_geo.areas` reads this module first)."""
    from .areas.decisions import Decisions

    return Decisions()
