"""Options: each setting's default, documentation and check declared together (used by :mod:`zy_geo.config`).

A settings dataclass declares every option with :func:`option` (default, one-line doc, range,
allowed values, where the default comes from, Chinese name). :class:`Checked` runs the same checks
when the dataclass is built in Python and when :mod:`zy_geo.config` reads it from TOML, so a value
is judged the same way wherever it comes from. A check returns an :class:`Issue` (what is wrong and
how to fix it); the caller adds where (file and section, or the class name).
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import json
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, NamedTuple

from .errors import InputError

#: Where a default comes from: the notice itself, a price estimate, or a planning judgement.
Basis = Literal["notice", "estimate", "planning"]


class Issue(NamedTuple):
    """One thing wrong with one option: ``f"{key} {message}"`` reads as a sentence."""

    key: str
    message: str
    fix: str
    value: Any = None
    code: str = "bad_value"


@dataclass(frozen=True)
class Option:
    """Default, documentation and check of one setting (see :func:`option`)."""

    default: Any
    doc: str
    ge: float | None = None
    le: float | None = None
    allow_inf: bool = False
    choices: tuple[str, ...] = ()
    item_name: str = "value(s)"
    check: Callable[[Any], Issue | None] | None = None
    hint: str = ""
    basis: Basis = "planning"
    cite: str = ""
    zh: str = ""
    city_wide: bool = False

    @property
    def kind(self) -> type:
        """``bool``, ``int``, ``float``, ``str`` or ``tuple`` (a list of text), from the default."""
        return type(self.default)


def option(default: Any, doc: str, **spec: Any) -> Any:
    """A dataclass field carrying its :class:`Option` (default, doc and check) in its metadata."""
    return field(default=default, metadata={"option": Option(default, doc, **spec)})


def options_of(cls: type) -> dict[str, Option]:
    """The options of a settings dataclass, in declaration order."""
    return {f.name: f.metadata["option"] for f in dataclasses.fields(cls) if "option" in f.metadata}


def show(value: Any) -> str:
    """A value as it is written in TOML (``true``, ``"text"``, ``inf``, ``["a", "b"]``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "a table {" + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to a misspelt name (difflib), or None when nothing is close."""
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def check_value(key: str, opt: Option, value: Any) -> tuple[Any, Issue | None]:
    """Coerce one value to its option's type and check it; return ``(value, None)`` or ``(value, issue)``."""
    kind = opt.kind
    example = show(opt.default)
    raw = value
    if kind is bool:
        if isinstance(value, bool):
            return value, None
        fix = ("write true or false without quotes" if isinstance(value, str)
               and value.strip().lower() in {"true", "false"} else "write true or false (lower case, no quotes)")
        return value, Issue(key, f"must be true or false, found {show(value)}", fix, value, "not_a_bool")
    if kind is str:
        if not isinstance(value, str):
            return value, Issue(key, f"must be text in quotes (a str), found {show(value)}",
                                f'put it in double quotes, e.g. {key} = "{value}"', value, "not_text")
    elif kind is tuple:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return value, Issue(key, f"must be a list of text, e.g. {example}; found {show(value)}",
                                f"write it as a list in square brackets, e.g. {key} = {example}", value, "not_a_list")
        value = tuple(value)
    elif kind in (int, float):
        whole = kind is int
        what = "a whole number" if whole else "a number"
        if isinstance(value, str):
            fix = (f"remove the quotes: {key} = {value.strip()}" if _looks_numeric(value)
                   else f"write {what}, e.g. {key} = {example}")
            return value, Issue(key, f"must be {what}, found {show(value)} (text)", fix, value, "not_a_number")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return value, Issue(key, f"must be {what}, found {show(value)}", f"write {what}, e.g. {key} = {example}",
                                value, "not_a_number")
        x = float(value)
        if math.isnan(x):
            return value, Issue(key, f"must be {what}, found nan", f"write {what}, e.g. {key} = {example}",
                                value, "nan")
        if math.isinf(x) and (whole or not opt.allow_inf):
            return value, Issue(key, f"must be a finite number, found {show(x)}",
                                f"write {what}, e.g. {key} = {example}", value, "infinite")
        if whole:
            if not x.is_integer():
                return value, Issue(key, f"must be a whole number, found {show(value)} (it is not rounded for you)",
                                    f"write {math.floor(x)} or {math.ceil(x)}", value, "not_whole")
            value = int(x)
        else:
            value = x
        ge, le = opt.ge, opt.le
        if (ge is not None and x < ge) or (le is not None and x > le):
            one = [f"≥ {_num(ge)}"] if ge is not None else [f"≤ {_num(le)}"] if le is not None else []
            rule = f"between {_num(ge)} and {_num(le)}" if ge is not None and le is not None else one[0]
            hint = f" ({opt.hint})" if opt.hint else ""
            return raw, Issue(key, f"must be {rule}{hint}, found {show(raw)}",
                                f"write a value {rule}, e.g. {key} = {example}", value, "out_of_range")
    if opt.check is not None:
        issue = opt.check(value)
        if issue is not None:
            return value, issue
    if opt.choices:
        unknown = [v for v in value if v not in opt.choices]
        if unknown:
            near = [f"{closest(v, opt.choices)!r} for {v!r}" for v in unknown if closest(v, opt.choices)]
            guess = f" (did you mean {', '.join(near)}?)" if near else ""
            return value, Issue(key, f"has unknown {opt.item_name} {unknown}{guess}",
                                f"use some of {list(opt.choices)}", value, "unknown_choice")
    return value, None


#: A rule between options of one section: takes the values, returns an issue or None.
Invariant = Callable[[Mapping[str, Any]], Issue | None]


def check_values(cls: type, values: Mapping[str, Any], *, given: Iterable[str] | None = None
                 ) -> tuple[dict[str, Any], list[Issue]]:
    """Coerce and check a section's values (all options of ``cls``), then the rules between them.

    Parameters
    ----------
    cls : type
        A :class:`Checked` dataclass.
    values : mapping
        A value for every option.
    given : iterable of str, optional
        Check only these keys one by one (the others are known to be valid); default: all.

    Returns
    -------
    (dict, list of Issue)
        Coerced values and the issues found; the rules between options run only when every value passed.
    """
    opts = options_of(cls)
    out = dict(values)
    issues = []
    for key in opts if given is None else given:
        out[key], issue = check_value(key, opts[key], values[key])
        if issue is not None:
            issues.append(issue)
    if not issues:
        issues = [i for rule in getattr(cls, "invariants", ()) if (i := rule(out)) is not None]
    return out, issues


def format_issue(where: str, issue: Issue) -> str:
    """``"<where>: <key> <message>. Fix: <fix>."`` (without the key for a problem of a whole section)."""
    what = f"{issue.key} {issue.message}" if issue.key else issue.message
    return f"{where}: {what.rstrip('.')}. Fix: {issue.fix.rstrip('.')}."


class Checked:
    """Base of the settings dataclasses: every option is coerced and checked when the object is built.

    ``invariants`` lists rules between options (e.g. a minimum not above its maximum).
    """

    invariants: ClassVar[tuple[Invariant, ...]] = ()

    def __post_init__(self) -> None:
        opts = options_of(type(self))
        values, issues = check_values(type(self), {k: getattr(self, k) for k in opts})
        if issues:
            msg = "; ".join(format_issue(type(self).__name__, i) for i in issues)
            raise InputError(msg)
        for key in opts:
            object.__setattr__(self, key, values[key])


def documented(cls: type) -> type:
    """Add an ``Attributes`` section listing each option's doc, default and range to the class docstring."""
    lines = ["Attributes", "----------"]
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    for f in dataclasses.fields(cls):
        opt = f.metadata.get("option")
        if opt is None:
            lines += [f"{f.name} : {f.type}", f"    {f.metadata.get('doc', '')}".rstrip()]
            continue
        note = f" Default {show(opt.default)}" + (f" ({opt.cite})" if opt.cite else "") + "."
        if opt.ge is not None and opt.le is not None:
            note += f" Between {_num(opt.ge)} and {_num(opt.le)}."
        elif opt.ge is not None or opt.le is not None:
            note += f" Must be ≥ {_num(opt.ge)}." if opt.ge is not None else f" Must be ≤ {_num(opt.le)}."
        lines += [f"{f.name} : {hints[f.name]}", f"    {opt.doc}{note}"]
    doc = inspect.cleandoc(cls.__doc__ or "")
    head, sep, notes = doc.partition("\nNotes\n-----")
    cls.__doc__ = head.rstrip() + "\n\n" + "\n".join(lines) + ("\n\nNotes\n-----" + notes if sep else "") + "\n"
    return cls
