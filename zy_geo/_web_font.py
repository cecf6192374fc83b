"""Chinese in zy_geo's HTML pages drawn on any machine: the bundled font, cut to the page's characters, embedded.

A browser draws Chinese with whatever CJK font its machine has; a Linux machine in a meeting room, a kiosk or a
CI runner often has none, and the map's labels, legend and popups then show as boxes. zy_geo ships Noto Sans SC
(SIL Open Font License 1.1, through ``pylopdf-fonts-zh-cn``, as for the figures: :mod:`zy_geo._fonts`). The
pages embed a subset of it — only the CJK characters the page holds, popups' compact tables included — as a
WOFF ``data:`` URI under the family name :data:`FAMILY`, which every zy_geo style names first. Latin letters and
digits keep the browser's own sans-serif (the subset has none). A sample map holds ~300 distinct characters:
≈ 95 KB of font, ≈ 130 KB in the page. No network is used, so offline pages stay offline.

Examples
--------
>>> page = "<html><head><title>资阳</title></head><body>小区 coverage 100%</body></html>"
>>> page_chinese(page)
'区小资阳'
>>> out = embed_chinese_font(page)
>>> "@font-face" in out and out.index("@font-face") < out.index("</head>")
True
>>> embed_chinese_font("<html><head></head><body>only Latin</body></html>").count("@font-face")
0
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import re
import unicodedata

#: The family name zy_geo's pages give the embedded font; every zy_geo style names it first.
FAMILY = "zy-cjk"
#: CSS font stack (single-quoted names: it also goes into ``style="…"`` attributes).
FONT_STACK = f"'{FAMILY}', 'Helvetica Neue', Arial, Helvetica, sans-serif"

_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")


def _is_cjk(char: str) -> bool:
    """A character a Latin font lacks: wide or full-width, from the CJK radicals block (U+2E80) up."""
    return ord(char) >= 0x2E80 and unicodedata.east_asian_width(char) in ("W", "F")


def page_chinese(page: str) -> str:
    """The distinct CJK characters of a page, sorted, as written or escaped (JSON unicode escapes, ``&#…;``).

    Parameters
    ----------
    page : str
        An HTML page, scripts and their JSON included.

    Returns
    -------
    str
    """

    def unescape(m: re.Match[str]) -> str:
        try:
            return str(json.loads(f'"{m.group(0)}"'))
        except ValueError:  # a lone surrogate: nothing to draw
            return ""

    text = page + _ESCAPES.sub(unescape, " ".join(_ESCAPES.findall(page))) + html.unescape(" ".join(
        re.findall(r"&#[xX]?[0-9a-fA-F]+;", page)))
    return "".join(sorted({c for c in text if _is_cjk(c)}))


@functools.lru_cache(maxsize=16)
def font_subset(chars: str) -> bytes:
    """The bundled Noto Sans SC cut to ``chars``, as WOFF (zlib; WOFF2 would need Brotli).

    Characters the font lacks are left out; the browser falls back to its own fonts for them.

    Parameters
    ----------
    chars : str
        The characters to keep.

    Returns
    -------
    bytes
    """
    from fontTools import subset

    from ._fonts import chinese_font_path

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]  # vertical forms and locale variants (locl) as the full font has them
    options.notdef_outline = True
    font = subset.load_font(io.BytesIO(chinese_font_path().read_bytes()), options)  # no file left open
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


def font_face_css(chars: str) -> str:
    """An ``@font-face`` rule for :data:`FAMILY` holding ``chars``, and the Leaflet container's font stack."""
    data = base64.b64encode(font_subset(chars)).decode("ascii")
    return (f"@font-face{{font-family:'{FAMILY}';src:url(data:font/woff;base64,{data}) format('woff');"
            "font-display:block}\n"
            f".leaflet-container,.leaflet-container input,.leaflet-container button{{font-family:{FONT_STACK}}}")


def embed_chinese_font(page: str) -> str:
    """The page with the bundled font for its Chinese embedded at the end of ``<head>``.

    A page without Chinese, or without a ``</head>``, is returned unchanged.

    Parameters
    ----------
    page : str
        An HTML page.

    Returns
    -------
    str
    """
    chars = page_chinese(page)
    head = page.find("</head>")
    if not chars or head < 0:
        return page
    style = (f'<style id="zy-cjk-font">/* Noto Sans SC (SIL OFL 1.1), cut to this page */\n{font_face_css(chars)}\n'
             "</style>")
    return page[:head] + style + page[head:]
