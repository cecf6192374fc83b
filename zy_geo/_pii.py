"""Personal data typed into free text: mainland phone numbers and resident ID numbers, found and masked.

Offices type contacts wherever there is room: a 备注, the compound name (“锦华小区 王13812345678”), an
address, even the 户数 cell. zy_geo masks them everywhere data enters (the survey ledger, every text
column of a city layer) and in every problem message (:class:`zy_geo.errors.Problem` masks itself),
keeping just enough to recognise the number:

- mobile ``13812345678`` (also ``+86 138-1234-5678``) → ``138****5678``;
- landline with its area code ``0832-2345678``, ``(028)26543210`` → ``0832-***5678``, ``028-****3210``;
- 18-digit ID number (check digit may be X) → ``5120**********123X``; old 15-digit ones → ``5120*******1234``.

Examples
--------
>>> redact_pii("请联系13812345678或0832-2345678")
'请联系138****5678或0832-***5678'
>>> redact_pii("身份证51200219900101123X"), has_pii("建设路12号"), has_pii(13900001111)
('身份证5120**********123X', False, True)
>>> mask_value(13812345678), mask_value(120)
('138****5678', 120)
"""

from __future__ import annotations

import numbers
import re
from typing import Any

_PII_PATTERN = re.compile(
    r"(?<!\d)(?:"
    r"(?P<id18>\d{17}[\dXx])"
    r"|(?P<id15>\d{15})"
    r"|(?:\+?86[-\s]?)?(?P<mobile>1[3-9]\d(?:[-\s]?\d{4}){2})"
    r"|(?P<landline>(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[-－\s]?)[2-9]\d{6,7})"
    # any other run of 16 or more digits: a bank card, or an ID number run together with other digits
    r"|(?P<long>\d{16,}[\dXx]?)"
    r")(?![\dXx])"
)


def _mask(match: re.Match[str]) -> str:
    kind = match.lastgroup
    digits = re.sub(r"[^\dXx]", "", match.group(kind or 0))
    if kind in ("id18", "id15", "long"):
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    if kind == "mobile":
        return digits[:3] + "****" + digits[-4:]
    area_len = 3 if digits[1] in "12" else 4  # 010, 02x are three digits long; the others four
    area, local = digits[:area_len], digits[area_len:]
    return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def redact_pii(text: str) -> str:
    """Mask phone and ID numbers inside free text (``138****5678``, ``5120**********123X``)."""
    return _PII_PATTERN.sub(_mask, text)


def has_pii(text: Any) -> bool:
    """True when the text (or number) holds what looks like a phone or ID number."""
    return bool(_PII_PATTERN.search(_text(text)))


def mask_value(value: Any) -> Any:
    """The value with phone/ID numbers masked: a masked string if it held one, else the value itself.

    Numbers count too: a phone typed into a numeric cell arrives as ``13812345678`` or ``13812345678.0``.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return redact_pii(value)
    if isinstance(value, numbers.Real):
        text = _text(float(value) if isinstance(value, float) else value)
        return redact_pii(text) if has_pii(text) else value
    return value
