"""Text encodings of Chinese office data: detect GBK/GB18030 vs UTF-8, undo latin-1 mojibake.

Without a ``.cpg`` file GDAL decodes a GBK shapefile as ISO-8859-1, so 名称 arrives as
"Ãû³Æ". Such a string re-encodes losslessly to latin-1, and those bytes decode cleanly as
GB18030 (or UTF-8) into CJK text: that round trip is the test, and the fix.

Why not only ``charset-normalizer``: on the short strings of attribute tables (a compound
name is 2–8 characters, 4–16 bytes) it guesses Big5, CP932 or CP949 for GBK bytes. It is
used here only as the last resort for long text that is neither UTF-8 nor Chinese GB text.

Two guards keep real Western text from being "repaired": at least 80 % of the non-ASCII
characters of the decoded text must be CJK, and at least half of the CJK characters must be
in GB2312 (the 6,763 common characters every compound name is written with). "Müller"
decodes as GB18030 to "M黮ler" (黮 is not in GB2312) and is left alone.

Examples
--------
>>> fix_mojibake("Ãû³Æ")
('名称', 'gb18030')
>>> fix_mojibake("名称")
('名称', None)
>>> fix_mojibake("Müller")
('Müller', None)
>>> detect_bytes_encoding("户数".encode("gbk"))
'gb18030'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_HIGH_LATIN1 = re.compile(r"[\u0080-\u00ff]")

#: Share of non-ASCII characters that must be CJK for a decoding to count as Chinese text.
MIN_CJK_SHARE = 0.8


def _cjk_share(text: str) -> float:
    letters = [c for c in text if not c.isascii()]
    return sum(bool(_CJK.match(c)) for c in letters) / len(letters) if letters else 0.0


def _common_share(text: str) -> float:
    """Share of CJK characters that GB2312 (common simplified Chinese) can encode."""
    cjk = [c for c in text if _CJK.match(c)]
    if not cjk:
        return 0.0
    ok = 0
    for c in cjk:
        try:
            c.encode("gb2312")
            ok += 1
        except UnicodeEncodeError:
            pass
    return ok / len(cjk)


def looks_chinese(text: str) -> bool:
    """True when ``text`` reads as Chinese: mostly CJK, mostly common characters.

    Examples
    --------
    >>> looks_chinese("资溪街道（零星住宅）"), looks_chinese("Ãû³Æ"), looks_chinese("abc")
    (True, False, False)
    """
    return _cjk_share(text) >= MIN_CJK_SHARE and _common_share(text) >= 0.5


def fix_mojibake(text: str) -> tuple[str, str | None]:
    """Undo CJK text mis-decoded as latin-1.

    Parameters
    ----------
    text : str
        A string as GDAL returned it.

    Returns
    -------
    tuple of (str, str or None)
        ``(fixed, encoding)`` when the latin-1 bytes of ``text`` decode as UTF-8 or GB18030 into
        Chinese text, else ``(text, None)``.

    Examples
    --------
    >>> fix_mojibake("1ºÅÂ¥")  # 1号楼 in GBK, read as latin-1
    ('1号楼', 'gb18030')
    >>> fix_mojibake("名称".encode("utf-8").decode("latin-1"))  # UTF-8 read as latin-1
    ('名称', 'utf-8')
    """
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
        if looks_chinese(fixed):
            return fixed, enc
    return text, None


def mojibake_encoding(texts: Iterable[object]) -> str | None:
    """The encoding that repairs most of ``texts`` if they look like latin-1 mojibake.

    Parameters
    ----------
    texts : iterable
        Column names and string values of one layer (non-strings are ignored).

    Returns
    -------
    str or None
        ``"utf-8"`` or ``"gb18030"`` when at least 60 % of the strings holding latin-1
        high characters are repaired by it, else None.

    Examples
    --------
    >>> mojibake_encoding(["Ãû³Æ", "Á«»¨Ð¡Çø", "id", 3])
    'gb18030'
    >>> mojibake_encoding(["名称", "Café"]) is None
    True
    """
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
    r"""Encoding of a text file's bytes.

    Order: a BOM (``utf-8-sig``, ``utf-16``); clean UTF-8; GB18030 that reads as Chinese;
    else ``charset-normalizer``'s best guess (``latin-1`` if it has none).

    Parameters
    ----------
    raw : bytes
        The whole file, or a large sample of it.

    Returns
    -------
    str
        A codec name Python's ``bytes.decode`` accepts.

    Examples
    --------
    >>> detect_bytes_encoding("\ufeff编号".encode("utf-8"))
    'utf-8-sig'
    >>> detect_bytes_encoding("编号".encode("utf-16"))
    'utf-16'
    >>> detect_bytes_encoding("编号".encode("utf-8"))
    'utf-8'
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        utf8: str | None = raw.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    try:
        gb = raw.decode("gb18030")
    except UnicodeDecodeError:
        gb = ""
    gb_chinese = looks_chinese("".join(c for c in gb if not c.isascii()))
    if utf8 is not None:
        # a few GBK byte pairs are valid UTF-8 too (一 = D2 BB = Cyrillic һ): prefer the reading that is Chinese
        utf8_chinese = looks_chinese("".join(c for c in utf8 if not c.isascii()))
        return "gb18030" if gb_chinese and not utf8_chinese else "utf-8"
    if gb_chinese:
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    return best.encoding if best is not None else "latin-1"


def dbf_encoding(dbf_bytes: bytes) -> str | None:
    r"""Guess the encoding of a DBF's text from its record bytes (after the header).

    Parameters
    ----------
    dbf_bytes : bytes
        The ``.dbf`` file.

    Returns
    -------
    str or None
        ``"utf-8"`` or ``"gb18030"``, or None when the records hold only ASCII.

    Examples
    --------
    >>> header = bytes(8) + (33).to_bytes(2, "little") + bytes(22)
    >>> dbf_encoding(header + b"\x0d" + " 莲花小区".encode("gbk"))
    'gb18030'
    """
    header_len = int.from_bytes(dbf_bytes[8:10], "little") if len(dbf_bytes) >= 10 else 0
    body = dbf_bytes[header_len:] if 0 < header_len <= len(dbf_bytes) else dbf_bytes
    if all(b < 0x80 for b in body):
        return None
    enc = detect_bytes_encoding(body)
    return "utf-8" if enc.startswith("utf-8") else ("gb18030" if enc == "gb18030" else None)
