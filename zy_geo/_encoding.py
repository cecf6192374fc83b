"""Text encodings of Chinese office data: detect GBK/GB18030 vs UTF-8, undo latin-1 mojibake.

Without a ``.cpg`` file GDAL decodes a GBK shapefile as ISO-8859-1, so 名称 arrives as
"Ãû³Æ". Such a string re-encodes losslessly to latin-1, and those bytes decode cleanly as
GB18030 (or UTF-8) into CJK text: that round trip is the test, and the fix.

Examples
--------
>>> fix_mojibake("Ãû³Æ")
('名称', 'gb18030')
>>> fix_mojibake("名称")
('名称', None)
>>> detect_bytes_encoding("户数".encode("gbk"))
'gb18030'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_HIGH_LATIN1 = re.compile(r"[\u0080-\u00ff]")


def _cjk_share(text: str) -> float:
    letters = [c for c in text if not c.isascii()]
    return sum(bool(_CJK.match(c)) for c in letters) / len(letters) if letters else 0.0


def fix_mojibake(text: str) -> tuple[str, str | None]:
    """Return ``(fixed, encoding)`` if ``text`` is CJK mis-decoded as latin-1, else ``(text, None)``."""
    if not text or not _HIGH_LATIN1.search(text):
        return text, None
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text, None  # holds characters latin-1 cannot have produced: not mojibake
    for enc in ("utf-8", "gb18030"):
        try:
            fixed = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if _cjk_share(fixed) >= 0.8:
            return fixed, enc
    return text, None


def mojibake_encoding(texts: Iterable[str]) -> str | None:
    """The encoding that repairs most of ``texts`` if they look like latin-1 mojibake, else None."""
    votes: dict[str, int] = {}
    suspicious = 0
    for t in texts:
        if not isinstance(t, str) or not _HIGH_LATIN1.search(t):
            continue
        suspicious += 1
        _, enc = fix_mojibake(t)
        if enc:
            votes[enc] = votes.get(enc, 0) + 1
    if not votes:
        return None
    enc, n = max(votes.items(), key=lambda kv: kv[1])
    return enc if n >= 0.6 * suspicious else None


def detect_bytes_encoding(raw: bytes) -> str:
    """Encoding of a text file's bytes: ``utf-8-sig`` (BOM), ``utf-8``, ``gb18030`` or a guess."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
        if _cjk_share(text) >= 0.5:
            return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return best.encoding if best is not None else "gb18030"
