"""Errors, warnings and the problems report shared by every reader and analysis step.

Every input problem is a :class:`Problem` that names where it is (file, layer or sheet,
row, column), what was found, what was expected and how to fix it. Readers gather them in
a :class:`ProblemReport` instead of stopping at the first one.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

from ._pii import mask_value, redact_pii
from .labels import SEVERITY_ZH

Severity = Literal["error", "warning", "info"]
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class ZyGeoError(Exception):
    """Base class of every error zy_geo raises on purpose."""


class InputError(ZyGeoError, ValueError):
    """An input cannot be used as it is.

    Carries the full :class:`ProblemReport` in ``.report`` when several problems were found.
    """

    def __init__(self, message: str, report: ProblemReport | None = None):
        super().__init__(message)
        self.report = report


class UsageError(ZyGeoError):
    """The command was asked for something it must not do.

    Write outside its output folder, over an input, or into a folder that holds other files. The
    CLI exits with code 2 for it.
    """


class CRSError(InputError):
    """A layer has no CRS, an unknown CRS, or coordinates that do not fit its CRS."""


class ZyGeoWarning(UserWarning):
    """Base class of zy_geo's warnings."""


class DataRepairWarning(ZyGeoWarning):
    """zy_geo changed input data to make it usable (repaired geometry, decoded text ...)."""


class CRSWarning(ZyGeoWarning):
    """A coordinate-frame issue that does not stop the work (e.g. a display-only frame)."""


class MissingDependencyError(ZyGeoError, ImportError):
    """An optional dependency is missing; the message carries the install command."""


def require(module: str, *, extra: str | None = None, package: str | None = None) -> Any:
    """Import an optional dependency or raise an error that says how to install it.

    Parameters
    ----------
    module : str
        Module name to import.
    extra : str, optional
        The zy_geo extra that brings it, e.g. ``"test"``.
    package : str, optional
        PyPI name, when it differs from the module name.

    Returns
    -------
    module
        The imported module.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        hint = f'pip install "zy-geo[{extra}]"' if extra else f"pip install {package or module}"
        msg = f"{module} is needed for this step but is not installed; install it with: {hint}"
        raise MissingDependencyError(msg) from exc


def _layer_word(source: str | None) -> str:
    """What a ``layer`` of this source is called: a sheet of a workbook, a section of a config, else a layer."""
    if not source:
        return "layer/sheet"
    name = str(source).lower()
    if name.endswith(".toml"):
        return "section"
    return "sheet" if name.endswith((".xlsx", ".xlsm", ".xls", ".ods")) else "layer"


@dataclass(frozen=True)
class Problem:
    """One problem found in an input.

    Parameters
    ----------
    severity : {"error", "warning", "info"}
        ``error``: the row/feature/file cannot be used as is and was left out of the result
        (it is listed here instead). ``warning``: it was used, after a change or with a doubt.
        ``info``: worth knowing (e.g. personal-data columns found and withheld).
    message : str
        What was found and what was expected, in one sentence.
    source : str, optional
        File name.
    layer : str, optional
        Layer (GIS) or sheet (Excel).
    row : int, optional
        Row as a person sees it: the sheet row number in Excel, the 1-based data line in CSV,
        the feature's position (0-based FID) in a GIS layer.
    column : str, optional
        Column name as written in the file.
    value : Any, optional
        The offending value, as found.
    code : str
        Short machine-readable kind, e.g. ``"not_a_number"``.
    fix : str
        How to fix the input.

    Notes
    -----
    A problem never repeats personal data: phone and ID numbers in ``message``, ``value`` and
    ``fix`` are masked when it is made (:mod:`zy_geo._pii`), so no report, CSV or screen shows them.

    Examples
    --------
    >>> p = Problem("error", "'13812345678' is not a plausible number of households", column="户数",
    ...             value=13812345678)
    >>> p.message, p.value
    ("'138****5678' is not a plausible number of households", '138****5678')
    """

    severity: Severity
    message: str
    source: str | None = None
    layer: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    code: str = ""
    fix: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact_pii(self.message))
        object.__setattr__(self, "fix", redact_pii(self.fix))
        object.__setattr__(self, "value", mask_value(self.value))

    @property
    def where(self) -> str:
        """Location as one phrase: ``survey.xlsx sheet 台账 row 17, column 户数``."""
        parts = []
        if self.source:
            parts.append(f"`{self.source}`")
        if self.layer:
            parts.append(f"{_layer_word(self.source)} {self.layer}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        loc = " ".join(parts)
        if self.column:
            loc = f"{loc}, column {self.column}" if loc else f"column {self.column}"
        return loc

    def __str__(self) -> str:
        head = f"{self.where}: " if self.where else ""
        shown = self.value is None or repr(self.value) in self.message or str(self.value) in self.message
        value = "" if shown else f" (found {self.value!r})"
        text = f"[{self.severity}] {head}{self.message.rstrip('.')}{value}."
        if self.fix:
            text += f" Fix: {self.fix.rstrip('.')}."
        return text


@dataclass
class ProblemReport:
    """All problems found in one or more inputs, in the order they were found.

    Examples
    --------
    >>> report = ProblemReport()
    >>> _ = report.add("error", "'约120户' is not a number", source="survey.xlsx", layer="台账",
    ...            row=17, column="户数", code="not_a_number", fix="enter an integer")
    >>> report.ok
    False
    >>> print(report.errors[0])
    [error] `survey.xlsx` sheet 台账 row 17, column 户数: '约120户' is not a number. Fix: enter an integer.
    """

    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: Severity, message: str, **where: Any) -> Problem:
        """Record a problem and return it."""
        problem = Problem(severity, message, **where)
        self.problems.append(problem)
        return problem

    def extend(self, other: ProblemReport | Iterable[Problem]) -> None:
        """Append the problems of another report."""
        self.problems.extend(other.problems if isinstance(other, ProblemReport) else other)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __bool__(self) -> bool:  # a report is an object, even when empty
        return True

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """One row per problem, columns ``severity, source, layer, row, column, value, code, message, fix``."""
        cols = ["severity", "source", "layer", "row", "column", "value", "code", "message", "fix"]
        rows = [asdict(p) for p in self.problems]
        df = pd.DataFrame(rows, columns=cols)
        df["row"] = df["row"].astype("Int64")
        df["value"] = df["value"].map(lambda v: None if v is None else str(v)).astype(object)
        return df

    def summary(self) -> str:
        """One line: counts by severity."""
        counts = {s: 0 for s in _SEVERITY_ORDER}
        for p in self.problems:
            counts[p.severity] += 1
        return f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes"

    def format(self, *, limit: int | None = 50) -> str:
        """Readable text: errors first, then warnings, then notes; at most ``limit`` lines."""
        ordered = sorted(self.problems, key=lambda p: _SEVERITY_ORDER[p.severity])
        shown = ordered if limit is None else ordered[:limit]
        lines = [str(p) for p in shown]
        if limit is not None and len(ordered) > limit:
            lines.append(f"... and {len(ordered) - limit} more (write the full report with --problems FILE)")
        lines.append(self.summary())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.summary())}</b></p>"
        if not self.problems:
            return head
        rows = []
        for p in sorted(self.problems, key=lambda p: _SEVERITY_ORDER[p.severity])[:200]:
            cells = [
                SEVERITY_ZH[p.severity],
                p.where,
                "" if p.value is None else str(p.value),
                p.message,
                p.fix,
            ]
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        header = "".join(f"<th>{h}</th>" for h in ["级别", "位置", "值", "问题", "如何修改"])
        return f"{head}<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"

    def raise_if_errors(self, what: str = "input", *, strict: bool = False) -> None:
        """Raise :class:`InputError` carrying this report if it holds errors (or warnings when strict)."""
        bad = self.problems if strict else self.errors
        bad = [p for p in bad if p.severity != "info"]
        if bad:
            msg = f"{what} cannot be used as it is ({self.summary()}):\n{self.format(limit=20)}"
            raise InputError(msg, report=self)
