r"""Decisions of planners and residents that bind the proposal: together, apart, no merger, excluded.

The notice combines neighbouring compounds "在尊重群众意愿的基础上" (respecting residents' wishes).
A proposal is where the street office's work starts; what it then agrees with residents is written
down as data and binds every later proposal (:func:`zy_geo.areas.propose.propose_areas`)::

    [proposal]
    no_merge = ["512002001-0020"]               # residents refused any merger: alone, or left as it is
    exclude = { "512002001-0030" = "拟拆迁" }    # outside this programme, with the reason
    merge_consent_min = 0.667                   # owners' consent share a merger needs (ledger 业主同意比例)

    [[proposal.together]]                       # these units form one area (a residents' agreement)
    units = ["512002001-0003", "512002001-0004"]
    reason = "两小区业主大会同意合并"
    # allow_across = true                       # only if the group really spans a river, road or street line

    [[proposal.apart]]                          # never in one area (every pair of the list)
    units = ["512002001-0010", "512002001-0011"]
    reason = "居民不同意合并"

``no_merge`` may also be a table with reasons (``no_merge = { "512002001-0020" = "业主反对" }``).
A street office may keep its list under its street (``[proposal.streets."莲花街道"]`` with ``no_merge`` /
``exclude``, ``[[proposal.streets."莲花街道".together]]``): unit ids are unique across the city, so
:func:`zy_geo.config.load_config` reads them as the city's, after ``[proposal]``'s.

The rules, checked before anything is proposed (all problems in one message, each naming the
decision, the units and the fix):

- every id is a unit of the city: an unmanaged compound's ``compound_id`` or ``B:<first building
  id>`` for a group of scattered buildings (the ``unit_id`` of a proposal's members layer); an
  unknown id comes with the closest ids;
- decisions do not contradict each other: a pair both together (directly, or through groups that
  share a unit) and apart, a ``no_merge`` unit in a together group, an excluded unit in any other
  decision;
- a together group lies in one enclosure (:mod:`zy_geo.areas.enclosures`): not across a river,
  railway, arterial road (or a road class the street may not cross) or street line, unless the
  group says ``allow_across = true``; then the area is made anyway, marked
  ``decision:together-across`` and its fence priced around the whole group.

A ledger column of consent feeds the same rules: a compound whose ``consent_merge`` (同意合并) is
no, or whose ``owners_consent_share`` (业主同意比例) is below ``merge_consent_min``, is treated as
``no_merge``, and its reason says so.

Examples
--------
>>> d = Decisions(together=[["a", "b"]], apart=[Apart(("c", "d"), reason="居民不同意合并")],
...               no_merge=["e"], exclude={"f": "拟拆迁"})
>>> len(d), d.together[0].units, d.apart[0].reason, dict(d.no_merge), dict(d.exclude)
(4, ('a', 'b'), '居民不同意合并', {'e': ''}, {'f': '拟拆迁'})
>>> try:
...     Decisions(together=[["a", "b"]], apart=[["b", "a"]])
... except InputError as exc:
...     print(str(exc).replace(". Fix", ".\nFix"))
Decisions: together #1 puts 'a' and 'b' in one area, but apart #1 keeps them apart.
Fix: remove the pair from one of the two decisions.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .._options import Issue, format_issue
from ..errors import InputError, ProblemReport

__all__ = ["Apart", "Binding", "Decisions", "Together", "bind_decisions", "consent_refusals", "decisions_from_toml"]

#: Keys of ``[proposal]`` that hold decisions (not :class:`~zy_geo.config.ProposalParams` options).
DECISION_KEYS = ("together", "apart", "no_merge", "exclude")
#: Chinese names of the barriers a together group may cross only with ``allow_across``.
BARRIER_ZH = {"river": "河流", "rail": "铁路", "street": "街道界线", "road:arterial": "主干路",
              "road:secondary": "次干路", "road:local": "支路", "road:path": "内部道路", "barrier": "阻隔线"}
_BARRIER_EN = {"river": "a river", "rail": "a railway", "street": "a street line", "road:arterial": "an arterial road",
               "road:secondary": "a secondary road (not crossable here)", "road:local": "a local road (not crossable "
               "here)", "road:path": "a path (not crossable here)", "barrier": "a barrier line"}
_ID_FIX = ("correct the id: a unit is the compound_id of a compound without property management, or B:<first "
           "building id> for a group of scattered buildings (column unit_id of a proposal's members layer)")


@dataclass(frozen=True)
class Together:
    """Units that form one area (a residents' agreement).

    Attributes
    ----------
    units : tuple of str
        Two or more unit ids.
    reason : str
        Why, in the words of the meeting (shown in the ``decision`` column).
    allow_across : bool
        The group may span a river, railway, arterial road or street line; the area is then marked
        ``decision:together-across`` and its fence encloses the whole group.
    """

    units: tuple[str, ...]
    reason: str = ""
    allow_across: bool = False

    @property
    def label(self) -> str:
        """``"together: <reason>"`` (the ``decision`` column)."""
        return f"together: {self.reason}" if self.reason else "together"


@dataclass(frozen=True)
class Apart:
    """Units never in one area: every pair of them is kept apart.

    Attributes
    ----------
    units : tuple of str
        Two or more unit ids.
    reason : str
        Why (shown in the ``decision`` column).
    """

    units: tuple[str, ...]
    reason: str = ""

    @property
    def label(self) -> str:
        """``"apart: <reason>"`` (the ``decision`` column)."""
        return f"apart: {self.reason}" if self.reason else "apart"


def _where(kind: str, k: int | None, toml: bool) -> str:
    """How a decision is named in messages: ``[[proposal.together]] #2`` in a file, ``together #2`` in Python."""
    if k is None:
        return "[proposal]" if toml else "Decisions"
    return f"[[proposal.{kind}]] #{k}" if toml else f"{kind} #{k}"


def _show(uid: str) -> str:
    return repr(str(uid))


def _units(kind: str, k: int, raw: Any, toml: bool, out: list[tuple[str, Issue]]) -> tuple[str, ...] | None:
    """The unit ids of one group, or None after adding what is wrong with them."""
    where = _where(kind, k, toml)
    example = 'units = ["512002001-0003", "512002001-0004"]' if toml else f'{kind.title()}(("id1", "id2"))'
    if isinstance(raw, str) or not isinstance(raw, Sequence) or not all(isinstance(u, str) for u in raw):
        found = json.dumps(raw, default=str, ensure_ascii=False)
        out.append((where, Issue("units", f"must be a list of unit ids (text), found {found}", f"write {example}", raw,
                                 "not_a_list")))
        return None
    ids = tuple(u.strip() for u in raw)
    if any(not u for u in ids):
        out.append((where, Issue("units", "holds an empty id", "remove the empty text or write the unit id",
                                 raw, "empty_id")))
        return None
    twice = sorted({u for u in ids if ids.count(u) > 1})
    if twice:
        out.append((where, Issue("units", f"lists {', '.join(map(_show, twice))} twice",
                                 "list each unit once", raw, "duplicate")))
        return None
    if len(ids) < 2:
        what = "one area" if kind == "together" else "apart"
        single = "" if kind == "together" else " (a unit that may merge with nobody: no_merge)"
        out.append((where, Issue("units", f"must name at least two units to put in {what}, found {len(ids)}{single}",
                                 "add the other unit(s) or remove the group", raw, "too_few")))
        return None
    return ids


def _text(where: str, key: str, raw: Any, out: list[tuple[str, Issue]]) -> str | None:
    if isinstance(raw, str):
        return raw.strip()
    out.append((where, Issue(key, f"must be text in quotes, found {raw!r}", f'write {key} = "…"', raw, "not_text")))
    return None


def _groups(kind: str, raw: Any, toml: bool, out: list[tuple[str, Issue]]) -> list[Any]:
    """Together/Apart objects from a list of groups (tables in TOML; objects, dicts or id lists in Python)."""
    cls = Together if kind == "together" else Apart
    keys = ("units", "reason", "allow_across") if kind == "together" else ("units", "reason")
    if raw is None:
        return []
    if isinstance(raw, Mapping | str) or not isinstance(raw, Sequence):
        fix = (f"write each group as a table [[proposal.{kind}]] (double brackets) with units = [...] and reason = "
               '"…"' if toml else f"pass a list of groups, e.g. {kind}=[{cls.__name__}((\"id1\", \"id2\"), "
               'reason="…")]')
        out.append((_where(kind, None, toml), Issue(kind, "must be a list of groups", fix, raw, "not_a_list")))
        return []
    groups = []
    for k, item in enumerate(raw, start=1):
        where = _where(kind, k, toml)
        if isinstance(item, Together | Apart):
            item = {"units": item.units, "reason": item.reason,
                    **({"allow_across": item.allow_across} if isinstance(item, Together) else {})}
        elif not isinstance(item, Mapping):
            if toml:
                out.append((where, Issue("", f"must be a table with units = [...], found {item!r}",
                                         f"write [[proposal.{kind}]] and units = [...] under it", item, "not_a_table")))
                continue
            item = {"units": item}
        bad = False
        for key in item:
            if key not in keys:
                near = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
                hint = (" (allow_across applies to together groups only: units kept apart cross nothing)"
                        if key == "allow_across" else f" (did you mean {near[0]}?)" if near else "")
                out.append((where, Issue(str(key), f"is not a key of a {kind} group{hint}",
                                         f"use {', '.join(keys)}", item[key], "unknown_key")))
                bad = True
        if "units" not in item:
            out.append((where, Issue("units", "is missing", 'write units = ["id1", "id2"]', None, "missing")))
            continue
        units = _units(kind, k, item["units"], toml, out)
        reason = _text(where, "reason", item.get("reason", ""), out)
        across = item.get("allow_across", False)
        if not isinstance(across, bool):
            out.append((where, Issue("allow_across", f"must be true or false, found {across!r}",
                                     "write allow_across = true (no quotes)", across, "not_a_bool")))
            bad = True
        if units is None or reason is None or bad:
            continue
        groups.append(Together(units, reason, across) if kind == "together" else Apart(units, reason))
    return groups


def _table(key: str, raw: Any, toml: bool, out: list[tuple[str, Issue]], *, need_reason: bool) -> dict[str, str]:
    """``{unit: reason}`` from a table (or, for ``no_merge``, a plain list of ids)."""
    where = _where(key, None, toml)
    if raw is None:
        return {}
    example = (f'{key} = {{ "512002001-0030" = "拟拆迁" }}' if toml else f'{key}={{"512002001-0030": "拟拆迁"}}')
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif not need_reason and not isinstance(raw, str) and isinstance(raw, Sequence):
        items = [(u, "") for u in raw]
    else:
        what = "a table of unit id → reason" + ("" if need_reason else " or a list of unit ids")
        fix = f"write {example}" + (" (every excluded unit needs its reason)" if need_reason else "")
        out.append((where, Issue(key, f"must be {what}, found {raw!r}", fix, raw, "not_a_table")))
        return {}
    table: dict[str, str] = {}
    for uid, reason in items:
        if not isinstance(uid, str) or not uid.strip():
            out.append((where, Issue(key, f"holds {uid!r}, not a unit id (text)", f"write {example}", uid, "not_text")))
            continue
        if not isinstance(reason, str):
            out.append((where, Issue(key, f"gives {uid!r} the reason {reason!r}, not text", f"write {example}", reason,
                                     "not_text")))
            continue
        if need_reason and not reason.strip():
            out.append((where, Issue(key, f"gives {uid!r} no reason", f'write the reason, e.g. "{uid}" = "拟拆迁"',
                                     uid, "no_reason")))
            continue
        table[uid.strip()] = reason.strip()
    return table


def _named(kind: str, k: int, reason: str, toml: bool) -> str:
    return _where(kind, k, toml) + (f" ({reason})" if reason else "")


def _contradictions(together: Sequence[Together], apart: Sequence[Apart], no_merge: Mapping[str, str],
                    exclude: Mapping[str, str], toml: bool) -> list[tuple[str, Issue]]:
    """Decisions that cannot all hold, each naming both sides."""
    out: list[tuple[str, Issue]] = []
    top = _where("", None, toml)
    groups_of: dict[str, list[int]] = {}
    for k, g in enumerate(together, start=1):
        for u in g.units:
            groups_of.setdefault(u, []).append(k)
    # together groups sharing a unit are one area: their units form one component
    parent = {u: u for u in groups_of}

    def find(u: str) -> str:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for g in together:
        for u in g.units[1:]:
            a, b = find(g.units[0]), find(u)
            if a != b:
                parent[max(a, b)] = min(a, b)
    for k, ga in enumerate(apart, start=1):
        seen = set()
        for i, u0 in enumerate(ga.units):
            for v0 in ga.units[i + 1:]:
                u, v = sorted((u0, v0))
                if u in parent and v in parent and find(u) == find(v) and (find(u), u, v) not in seen:
                    seen.add((find(u), u, v))
                    ks = sorted({t for w in parent if find(w) == find(u) for t in groups_of[w]})
                    names = " and ".join(_named("together", t, together[t - 1].reason, toml) for t in ks)
                    via = "" if any(u in together[t - 1].units and v in together[t - 1].units for t in ks) else \
                        " (the groups share a unit)"
                    out.append((top, Issue("", f"{names} put{'s' if len(ks) == 1 else ''} {_show(u)} and {_show(v)} "
                                           f"in one area{via}, but {_named('apart', k, ga.reason, toml)} keeps them "
                                           "apart", "remove the pair from one of the two decisions", (u, v),
                                           "contradiction")))
    for u, why in no_merge.items():
        for k in groups_of.get(u, []):
            others = ", ".join(_show(v) for v in together[k - 1].units if v != u)
            out.append((top, Issue("", f"no_merge lists {_show(u)}{f' ({why})' if why else ''}, but "
                                   f"{_named('together', k, together[k - 1].reason, toml)} puts it in one area with "
                                   f"{others}", f"remove {_show(u)} from no_merge or from the together group", u,
                                   "contradiction")))
    for u, why in exclude.items():
        sides = [_named("together", k, together[k - 1].reason, toml) for k in groups_of.get(u, [])]
        sides += [_named("apart", k, ga.reason, toml) for k, ga in enumerate(apart, start=1) if u in ga.units]
        sides += ["no_merge"] if u in no_merge else []
        for side in sides:
            out.append((top, Issue("", f"exclude takes {_show(u)} ({why}) out of the programme, but {side} also "
                                   "decides about it", f"remove {_show(u)} from exclude or from {side.split(' (')[0]}",
                                   u, "contradiction")))
    return out


def _raise(issues: list[tuple[str, Issue]], source: str, what: str = "decisions") -> None:
    if not issues:
        return
    head = f"`{source}` " if source else ""
    lines = [format_issue(head + where, issue) for where, issue in issues]
    report = ProblemReport()
    for where, issue in issues:
        report.add("error", f"{issue.key} {issue.message}".strip(), source=source or None, layer=where,
                   column=issue.key or None, code=issue.code, fix=issue.fix)
    msg = lines[0] if len(lines) == 1 else (f"the {what} have {len(lines)} problems; fix them and run again:\n"
                                            + "\n".join(f"  {line}" for line in lines))
    raise InputError(msg, report=report)


@dataclass(frozen=True)
class Decisions:
    """What planners and residents decided: binds every proposal made with it.

    Read from the config file (``Config.decisions``, :func:`zy_geo.config.load_config`) or built in
    Python; checked when built (shapes, contradictions) and again against the units of a city when a
    proposal is made (:func:`bind_decisions`: unknown ids, groups across barriers).

    Parameters
    ----------
    together : sequence of Together (or dicts, or lists of ids)
        Groups of units that form one area. Groups sharing a unit form one area together.
    apart : sequence of Apart (or dicts, or lists of ids)
        Groups of units of which no two share an area.
    no_merge : list of str, or dict of str to str
        Units that merge with nothing (not even a managed neighbour): their own area if viable, else
        left as they are (remainder ``no_merge``); optionally with the reason.
    exclude : dict of str to str
        Units outside this programme (e.g. 拟拆迁), each with its reason: outcome ``excluded``.
    source : str
        The file the decisions were read from (named in messages; not compared).

    Examples
    --------
    >>> d = Decisions(together=[Together(("a", "b"), reason="业主大会同意", allow_across=True)])
    >>> d.together[0].label, bool(d), bool(Decisions())
    ('together: 业主大会同意', True, False)
    >>> d.table()[["类型", "单元", "原因", "允许跨越阻隔"]].values.tolist()
    [['together（合并为一个区域）', 'a、b', '业主大会同意', '是']]
    """

    together: tuple[Together, ...] = ()
    apart: tuple[Apart, ...] = ()
    no_merge: Mapping[str, str] = field(default_factory=dict)
    exclude: Mapping[str, str] = field(default_factory=dict)
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        out: list[tuple[str, Issue]] = []
        together = _groups("together", self.together, False, out)
        apart = _groups("apart", self.apart, False, out)
        no_merge = _table("no_merge", self.no_merge, False, out, need_reason=False)
        exclude = _table("exclude", self.exclude, False, out, need_reason=True)
        if not out:
            out = _contradictions(together, apart, no_merge, exclude, toml=bool(self.source))
        _raise(out, self.source)
        object.__setattr__(self, "together", tuple(together))
        object.__setattr__(self, "apart", tuple(apart))
        object.__setattr__(self, "no_merge", no_merge)
        object.__setattr__(self, "exclude", exclude)

    def __len__(self) -> int:
        """Number of decisions (each group, each no_merge and each excluded unit)."""
        return len(self.together) + len(self.apart) + len(self.no_merge) + len(self.exclude)

    def __bool__(self) -> bool:
        return len(self) > 0

    def unit_ids(self) -> list[str]:
        """Every unit id named by a decision, once, in order of appearance."""
        ids = [u for g in self.together for u in g.units] + [u for ga in self.apart for u in ga.units]
        ids += [*self.no_merge, *self.exclude]
        return list(dict.fromkeys(ids))

    def table(self) -> pd.DataFrame:
        """The decisions as a sheet with Chinese headers (the 决定 sheet of the summary workbook)."""
        rows = [("together（合并为一个区域）", "、".join(g.units), g.reason, "是" if g.allow_across else "否")
                for g in self.together]
        rows += [("apart（不得同区）", "、".join(g.units), g.reason, "") for g in self.apart]
        rows += [("no_merge（不参与合并）", u, why, "") for u, why in self.no_merge.items()]
        rows += [("exclude（不纳入本次方案）", u, why, "") for u, why in self.exclude.items()]
        return pd.DataFrame(rows, columns=["类型", "单元", "原因", "允许跨越阻隔"])

    def toml_lines(self) -> tuple[list[str], list[str]]:
        r"""The decisions as TOML: (keys of ``[proposal]``, the ``[[proposal.together]]``/``apart`` tables).

        Examples
        --------
        >>> keys, tables = Decisions(together=[["a", "b"]], exclude={"c": "拟拆迁"}).toml_lines()
        >>> print("\n".join(keys + tables))
        exclude = { "c" = "拟拆迁" }
        <BLANKLINE>
        [[proposal.together]]
        units = ["a", "b"]
        """
        def q(text: str) -> str:
            return json.dumps(text, ensure_ascii=False)

        def inline(table: Mapping[str, str]) -> str:
            return "{ " + ", ".join(f"{q(k)} = {q(v)}" for k, v in table.items()) + " }"

        keys = []
        if self.no_merge:
            keys.append(f"no_merge = {inline(self.no_merge)}" if any(self.no_merge.values())
                        else "no_merge = [" + ", ".join(map(q, self.no_merge)) + "]")
        if self.exclude:
            keys.append(f"exclude = {inline(self.exclude)}")
        tables: list[str] = []
        for kind, groups in (("together", self.together), ("apart", self.apart)):
            for g in groups:
                tables += ["", f"[[proposal.{kind}]]", "units = [" + ", ".join(map(q, g.units)) + "]"]
                tables += [f"reason = {q(g.reason)}"] if g.reason else []
                tables += ["allow_across = true"] if getattr(g, "allow_across", False) else []
        return keys, tables


def decisions_from_toml(raw: Mapping[str, Any], *, source: str = "") -> tuple[Decisions, list[tuple[str, Issue]]]:
    r"""The decisions of a parsed ``[proposal]`` table, and what is wrong with them (for :mod:`zy_geo.config`).

    Parameters
    ----------
    raw : mapping
        The ``[proposal]`` table as :mod:`tomllib` parsed it (keys other than :data:`DECISION_KEYS` are ignored).
    source : str
        The file, named in later messages (e.g. an unknown unit id).

    Returns
    -------
    (Decisions, list of (where, Issue))
        Empty decisions when there are issues.

    Examples
    --------
    >>> import tomllib
    >>> raw = tomllib.loads('[[proposal.together]]\nunits = ["a", "b"]\nreason = "同意"\n')["proposal"]
    >>> d, issues = decisions_from_toml(raw)
    >>> d.together, issues
    ((Together(units=('a', 'b'), reason='同意', allow_across=False),), [])
    >>> _, issues = decisions_from_toml({"exclude": ["c"]})
    >>> issues[0][0], issues[0][1].fix
    ('[proposal]', 'write exclude = { "512002001-0030" = "拟拆迁" } (every excluded unit needs its reason)')
    """
    out: list[tuple[str, Issue]] = []
    together = _groups("together", raw.get("together"), True, out)
    apart = _groups("apart", raw.get("apart"), True, out)
    no_merge = _table("no_merge", raw.get("no_merge"), True, out, need_reason=False)
    exclude = _table("exclude", raw.get("exclude"), True, out, need_reason=True)
    if not out:
        out = _contradictions(together, apart, no_merge, exclude, toml=True)
    if out:
        return Decisions(), out
    return Decisions(tuple(together), tuple(apart), no_merge, exclude, source=source), []


# --- against the units of a city -----------------------------------------------------------------------------------

@dataclass
class TogetherGroup:
    """Units bound into one area: the component of one or more together groups that share units."""

    units: list[str]
    label: str
    across: list[str] = field(default_factory=list)  # barriers crossed (keys of BARRIER_ZH); [] = one enclosure


@dataclass
class Binding:
    """Decisions resolved against the units of a city: what the solver honours (see :func:`bind_decisions`).

    Attributes
    ----------
    groups : list of TogetherGroup
        Units that form one area.
    apart : list of (str, str)
        Pairs never in one area.
    no_merge : dict of str to str
        Unit → its ``decision`` label (``"no_merge: <reason>"``), including consent refusals.
    exclude : dict of str to str
        Unit → the reason it leaves the programme.
    labels : dict of str to list of str
        Unit → the labels of every decision naming it (the ``decision`` column).
    """

    groups: list[TogetherGroup] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    no_merge: dict[str, str] = field(default_factory=dict)
    exclude: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.groups or self.apart or self.no_merge or self.exclude)


#: Finds the barriers between two units: (geometry a, geometry b, street of a) → barrier kinds.
BarrierFinder = Callable[[shapely.Geometry, shapely.Geometry, str], list[str]]


def barrier_finder(lines: Callable[[str], Any]) -> BarrierFinder:
    """A :data:`BarrierFinder` over the barrier lines of each street (``lines(street)`` → GeoSeries with kinds)."""
    cache: dict[str, tuple[np.ndarray, list[str], shapely.STRtree | None]] = {}

    def find(a: shapely.Geometry, b: shapely.Geometry, street: str) -> list[str]:
        if street not in cache:
            s = lines(street)
            geoms = s.to_numpy() if s is not None else np.array([], dtype=object)
            cache[street] = (geoms, list(s.attrs.get("kinds", [])) if s is not None else [],
                             shapely.STRtree(geoms) if len(geoms) else None)
        geoms, kinds, tree = cache[street]
        if tree is None:
            return []
        link = shapely.shortest_line(a, b)
        hit = tree.query(link, predicate="intersects")
        return list(dict.fromkeys(kinds[i] for i in sorted(hit)))

    return find


def consent_refusals(compounds: pd.DataFrame, threshold_of: Mapping[str, float] | float) -> dict[str, str]:
    """Compounds whose owners did not consent to a merger: compound id → reason (they become ``no_merge``).

    Parameters
    ----------
    compounds : DataFrame
        With ``compound_id`` and ``consent_merge`` (同意合并, yes/no) and/or ``owners_consent_share``
        (业主同意比例, 0–1). Unknown values bind nothing.
    threshold_of : float or mapping of compound id to float
        ``merge_consent_min``: the share a merger needs (per compound, from its street's parameters).

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> df = pd.DataFrame({"compound_id": ["a", "b", "c", "d"], "consent_merge": [True, False, None, None],
    ...                    "owners_consent_share": [None, None, 0.5, 0.8]})
    >>> consent_refusals(df, 2 / 3)
    {'b': '台账：业主不同意合并（同意合并：否）', 'c': '台账：业主同意合并比例 50% 低于 67%'}
    """
    ids = compounds["compound_id"].astype(str).to_numpy() if "compound_id" in compounds.columns else np.array([])
    out: dict[str, str] = {}
    if "consent_merge" in compounds.columns:
        said = compounds["consent_merge"].astype("boolean").to_numpy(dtype=object, na_value=None)
        for uid, v in zip(ids, said, strict=True):
            if v is False:
                out[uid] = "台账：业主不同意合并（同意合并：否）"
    if "owners_consent_share" in compounds.columns:
        share = pd.to_numeric(compounds["owners_consent_share"], errors="coerce").to_numpy(dtype=float)
        bad = [(u, s) for u, s in zip(ids, share, strict=True) if not np.isnan(s) and not 0 <= s <= 1]
        if bad:
            shown = ", ".join(f"{u}: {s:g}" for u, s in bad[:10])
            msg = (f"owners_consent_share (业主同意比例) must be a share between 0 and 1, found {shown}"
                   f"{' …' if len(bad) > 10 else ''}; write 0.75 for 75 %.")
            raise InputError(msg)
        for uid, s in zip(ids, share, strict=True):
            need = threshold_of if isinstance(threshold_of, float | int) else threshold_of.get(uid, 2 / 3)
            if not np.isnan(s) and s < need - 1e-12 and uid not in out:
                out[uid] = f"台账：业主同意合并比例 {s:.0%} 低于 {need:.0%}"
    return out


def bind_decisions(
    decisions: Decisions,
    units: pd.DataFrame,
    *,
    barriers: BarrierFinder | None = None,
    refusals: Mapping[str, str] | None = None,
) -> Binding:
    """Check decisions against the units of a city and resolve them for the solver.

    Parameters
    ----------
    decisions : Decisions
    units : DataFrame
        Units of :func:`zy_geo.areas.units.build_units` with ``enclosure_id`` and ``street`` assigned
        (``role`` ``anchor`` marks managed compounds).
    barriers : callable, optional
        Names the barriers between two units of different enclosures (:func:`barrier_finder`); without
        it the message says "a barrier line".
    refusals : mapping of str to str, optional
        Units whose owners did not consent to a merger (:func:`consent_refusals`): treated as ``no_merge``.

    Returns
    -------
    Binding

    Raises
    ------
    InputError
        Every unknown id (with the closest ids), decision on a managed compound, together group across a
        barrier without ``allow_across``, and consent refusal inside a together group, in one message.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_id": ["512-0003", "512-0004"], "role": ["unit", "unit"],
    ...     "enclosure_id": ["S#0", "S#0"], "street": ["甲街道", "甲街道"]},
    ...     geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10)], crs="EPSG:4544")
    >>> bind_decisions(Decisions(together=[["512-0003", "512-0004"]]), units).groups
    [TogetherGroup(units=['512-0003', '512-0004'], label='together', across=[])]
    >>> try:
    ...     bind_decisions(Decisions(no_merge=["512-0033"]), units)
    ... except InputError as exc:
    ...     print(str(exc).split(" Fix")[0])
    Decisions: no_merge names '512-0033', which is not a unit of this city (did you mean '512-0003', '512-0004'?).
    """
    refusals = dict(refusals or {})
    toml = bool(decisions.source)
    out: list[tuple[str, Issue]] = []
    uid = units["unit_id"].astype(str).to_numpy()
    row = {u: i for i, u in enumerate(uid)}
    role = units["role"].to_numpy() if "role" in units.columns else np.full(len(units), "unit", dtype=object)
    enc = units["enclosure_id"].astype("string").fillna("").to_numpy(dtype=object)
    street = units["street"].to_numpy(dtype=object) if "street" in units.columns else np.full(len(units), None)
    geoms = units.geometry.to_numpy() if hasattr(units, "geometry") else None
    member_of = {}
    if "member_ids" in units.columns:
        for u, ids, r in zip(uid, units["member_ids"], role, strict=True):
            if isinstance(ids, list | tuple | np.ndarray) and r == "unit" and str(u).startswith("B:"):
                member_of.update({str(b): u for b in ids})
    candidates = [u for u, r in zip(uid, role, strict=True) if r == "unit"]

    def known(u: str, where: str, what: str) -> bool:
        if u in row and role[row[u]] == "unit":
            return True
        if u in row:
            out.append((where, Issue("", f"{what} names {_show(u)}, a compound under property management (a managed "
                                     "neighbour can absorb units but is not combined)", f"remove {_show(u)} from the "
                                     "decision", u, "managed")))
        elif u in member_of:
            out.append((where, Issue("", f"{what} names building {_show(u)}, which is part of the unit "
                                     f"{_show(member_of[u])} (scattered buildings near each other are one unit)",
                                     f"write {_show(member_of[u])}", u, "building")))
        else:
            near = difflib.get_close_matches(u, candidates, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(map(_show, near))}?)" if near else ""
            out.append((where, Issue("", f"{what} names {_show(u)}, which is not a unit of this city{hint}", _ID_FIX,
                                     u, "unknown_unit")))
        return False

    labels: dict[str, list[str]] = {}

    def label(u: str, text: str) -> None:
        labels.setdefault(u, [])
        if text not in labels[u]:
            labels[u].append(text)

    ok_together: list[tuple[int, Together]] = []
    for k, g in enumerate(decisions.together, start=1):
        where = _named("together", k, g.reason, toml)
        if all([known(u, where, "the group") for u in g.units]):
            ok_together.append((k, g))
    ok_apart = [(k, g) for k, g in enumerate(decisions.apart, start=1)
                if all([known(u, _named("apart", k, g.reason, toml), "the group") for u in g.units])]
    top = _where("", None, toml)
    no_merge = {u: why for u, why in decisions.no_merge.items() if known(u, top, "no_merge")}
    exclude = {u: why for u, why in decisions.exclude.items() if known(u, top, "exclude")}

    # together groups: one enclosure each (or allowed across), consent not refused
    groups_across: dict[int, list[str]] = {}
    for k, g in ok_together:
        where = _named("together", k, g.reason, toml)
        for u in g.units:
            if u in refusals and u not in exclude:
                out.append((where, Issue("", f"puts {_show(u)} in one area with others, but {refusals[u]} (so it "
                                         "counts as no_merge)", f"correct the ledger's consent for {_show(u)} or "
                                         "remove it from the group", u, "contradiction")))
        nowhere = [u for u in g.units if not enc[row[u]]]
        if nowhere:
            out.append((where, Issue("", f"names {', '.join(map(_show, nowhere))}, which lie(s) in no street (in the "
                                     "river, or outside the streets layer), so no area can hold it",
                                     "check the unit's polygon against the streets layer, or remove it from the group",
                                     nowhere, "no_enclosure")))
            continue
        first: dict[str, str] = {}  # enclosure → first unit in it
        for u in g.units:
            first.setdefault(enc[row[u]], u)
        if len(first) == 1:
            continue
        base = g.units[0]
        kinds: list[str] = []
        parts = []
        for e, u in list(first.items())[1:]:
            a, b = row[base], row[u]
            found = ["street"] if street[a] != street[b] else []
            if barriers is not None and geoms is not None:
                found += [x for x in barriers(geoms[a], geoms[b], str(street[a])) if x not in found]
            found = found or ["barrier"]
            kinds += [x for x in found if x not in kinds]
            parts.append(f"{_show(base)} ({enc[a]}) and {_show(u)} ({e}) are separated by "
                         + " and ".join(_BARRIER_EN.get(x, x) for x in found))
        if g.allow_across:
            groups_across[k] = kinds
            continue
        fix = ("remove the unit(s) on the other side from the group; if residents and the street office really want "
               "one area across it, add " + ("allow_across = true to the group" if toml else
                                             "allow_across=True to the Together") +
               " (the area is then marked decision:together-across and its fence priced around the whole group)")
        out.append((where, Issue("", f"cannot be one area: {'; '.join(parts)}", fix, list(g.units), "across")))
    _raise(out, decisions.source)

    # components of together groups that share units
    parent: dict[str, str] = {}

    def find(u: str) -> str:
        parent.setdefault(u, u)
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for _, g in ok_together:
        for u in g.units[1:]:
            ra, rb = find(g.units[0]), find(u)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    comps: dict[str, TogetherGroup] = {}
    for k, g in ok_together:
        c = comps.setdefault(find(g.units[0]), TogetherGroup([], ""))
        c.units += [u for u in g.units if u not in c.units]
        c.label = f"{c.label}；{g.label}" if c.label else g.label
        c.across += [x for x in groups_across.get(k, []) if x not in c.across]
        for u in g.units:
            label(u, g.label)
    pairs = []
    for _, ga in ok_apart:
        for i, u in enumerate(ga.units):
            for v in ga.units[i + 1:]:
                pairs.append((u, v))
        for u in ga.units:
            label(u, ga.label)
    nm = {}
    for u, why in [*no_merge.items(), *((u, r) for u, r in refusals.items() if u in row and role[row[u]] == "unit")]:
        if u in exclude or u in nm:
            continue
        nm[u] = f"no_merge: {why}" if why else "no_merge"
        label(u, nm[u])
    for u, why in exclude.items():
        label(u, f"exclude: {why}")
    return Binding(list(comps.values()), pairs, nm, exclude, labels)
