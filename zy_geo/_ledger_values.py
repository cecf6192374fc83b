"""Value parsers for survey ledgers: numbers as text, yes/no vocabularies, years, codes.

Each parser returns the value or raises :class:`ValueError` with a message that says what was
expected (the ledger reader adds where it was and turns it into a Problem).

Examples
--------
>>> parse_number("１，２００户"), parse_number("12,345.6㎡"), parse_number("1.2万")
(1200.0, 12345.6, 12000.0)
>>> parse_bool("√"), parse_bool("否"), parse_bool("  ") is None
(True, False, True)
>>> parse_year("2003年"), parse_year("90年代")
((2003, None), (1990, 'decade only; read as 1990'))
>>> parse_code(512002001.0)
'512002001'
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

_UNITS = ("平方米", "平米", "m²", "m2", "㎡", "户", "栋", "幢", "套", "人", "个", "元", "间", "层", "年")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_TRUE = {"有", "是", "√", "✓", "✔", "y", "yes", "true", "1", "已", "已完成", "已改造", "有✓"}
_FALSE = {"无", "否", "×", "✗", "✘", "x", "n", "no", "false", "0", "未", "未完成", "没有", "无✗"}


def is_blank(value: Any) -> bool:
    """None, NaN, empty or whitespace-only, or a lone dash/slash (offices' 'nothing here')."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in {"", "-", "—", "/", "／", "－"}


def norm_text(value: Any) -> str:
    """NFKC (full-width → half-width), stripped, inner whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def parse_number(value: Any) -> float:
    """A number written the way offices write it: '1,200', '１２０', '120户', '12,345.6㎡', '1.2万'."""
    if isinstance(value, bool):
        raise ValueError("expected a number, found a yes/no value")
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            raise ValueError("expected a number, found nothing")
        return float(value)
    text = norm_text(value).replace(",", "").replace("，", "")
    mult = 1.0
    for unit in _UNITS:
        if text.endswith(unit):
            text = text[: -len(unit)]
            break
    if text.endswith("万"):
        text, mult = text[:-1], 10000.0
    if not _NUMBER.match(text):
        raise ValueError("is not a number; enter digits only (e.g. 120)")
    return float(text) * mult


def parse_int(value: Any) -> int:
    """An integer count (households, buildings)."""
    number = parse_number(value)
    if abs(number - round(number)) > 1e-9:
        raise ValueError("is not a whole number; enter an integer")
    if number < 0:
        raise ValueError("is negative; enter a count ≥ 0")
    return int(round(number))


def parse_year(value: Any) -> tuple[int, str | None]:
    """A built year; returns ``(year, note)`` where note explains an approximation ('90年代' → 1990)."""
    text = norm_text(value) if not isinstance(value, int | float) else str(value)
    m = re.fullmatch(r"(\d{2})年代", text) or re.fullmatch(r"(\d{2})'?s", text)
    if m:
        decade = int(m.group(1))
        year = (1900 if decade >= 30 else 2000) + decade
        return year, f"decade only; read as {year}"
    m = re.fullmatch(r"((?:19|20)\d{2})年代", text)
    if m:
        return int(m.group(1)), f"decade only; read as {m.group(1)}"
    try:
        number = parse_number(text.removesuffix("年"))
    except ValueError:
        raise ValueError("is not a year; enter four digits, e.g. 2003") from None
    year = int(number)
    if number != year or not 1900 <= year <= 2030:
        raise ValueError("is not a plausible built year (1900–2030); enter four digits, e.g. 2003")
    return year, None


def parse_bool(value: Any) -> bool | None:
    """Yes/no as 有/无/是/否/√/×/✓/✗/Y/N/1/0; blank → None (unknown)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValueError("is not yes/no; enter 有 or 无")
    text = norm_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not yes/no; enter 有 or 无 (是/否, √/× are read too)")


def parse_code(value: Any) -> str | None:
    """An identifier kept as text; a number Excel made of it (512002001.0) turns back into digits."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return norm_text(value)
