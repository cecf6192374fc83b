"""Make a rendered folium page self-contained: inline Leaflet and plugins, drop unused CDN assets.

folium loads Leaflet, jQuery, Bootstrap, awesome-markers and Font Awesome from CDNs; its
maintainers call offline use out of scope (folium#1368). zy_geo ships the few files its maps
need (``zy_geo/static``, fetched from the npm registry by ``scripts/vendor_assets.py``) and
inlines them, with images as ``data:`` URIs, so the page opens from a USB stick.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from importlib import resources

from .errors import InputError

#: CDN file name → vendored file (relative to zy_geo/static).
VENDORED = {
    "leaflet.js": "leaflet/leaflet.js",
    "leaflet.css": "leaflet/leaflet.css",
    "Control.FullScreen.min.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet-search.min.js": "leaflet-search/leaflet-search.min.js",
    "leaflet-search.min.css": "leaflet-search/leaflet-search.min.css",
}
#: folium defaults the zy_geo maps do not use: dropped from offline pages.
UNUSED = ("jquery", "bootstrap", "awesome-markers", "glyphicons", "fontawesome", "leaflet.awesome.rotate")

_SCRIPT = re.compile(r'<script\s+src="(https?://[^"]+)"\s*>\s*</script>')
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="(https?://[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((['\"]?)(?!data:)([^)'\"]+)\1\)")
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']https?://|url\(\s*["']?https?://|@import\s+["']?https?://""", re.I)


def _static(rel: str) -> bytes:
    return resources.files("zy_geo").joinpath("static", rel).read_bytes()


def _data_uri(rel: str) -> str:
    mime = mimetypes.guess_type(rel)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(_static(rel)).decode('ascii')}"


def _inline_css(rel: str) -> str:
    css = _static(rel).decode("utf-8")
    folder = rel.rsplit("/", 1)[0]

    def repl(m: re.Match[str]) -> str:
        name = m.group(2).rsplit("/", 1)[-1].split("?")[0].split("#")[0]
        if not name:
            return m.group(0)  # url(#fragment): no request
        try:
            return f"url({_data_uri(f'{folder}/{name}')})"
        except (FileNotFoundError, IsADirectoryError):
            return "url()"  # an image the package does not ship (e.g. a retina variant): no request

    return _CSS_URL.sub(repl, css)


def _resolve(url: str) -> str | None:
    name = url.rsplit("/", 1)[-1]
    if name in VENDORED:
        return VENDORED[name]
    if any(u in url.lower() for u in UNUSED):
        return None
    msg = (f"the map uses {url}, which zy_geo does not ship for offline use; add it to "
           "scripts/vendor_assets.py and zy_geo/_map_offline.VENDORED, or render without offline=True.")
    raise InputError(msg)


def inline_assets(page: str) -> str:
    """Replace CDN ``<script>``/``<link>`` tags by inline copies; raise if an unknown one remains.

    The page's own markup is checked for anything that would still fetch from the network;
    the vendored library code is trusted as shipped (Leaflet's attribution *link* is not a fetch).
    """
    blocks: list[str] = []

    def keep(text: str) -> str:
        blocks.append(text)
        return f"\x00ZYASSET{len(blocks) - 1}\x00"

    def script(m: re.Match[str]) -> str:
        rel = _resolve(m.group(1))
        if rel is None:
            return ""
        code = _static(rel).decode("utf-8").replace("</script", "<\\/script")
        return keep(f"<script>/* {rel} (vendored) */\n{code}\n</script>")

    def link(m: re.Match[str]) -> str:
        rel = _resolve(m.group(1))
        return "" if rel is None else keep(f"<style>/* {rel} (vendored) */\n{_inline_css(rel)}\n</style>")

    page = _LINK.sub(link, _SCRIPT.sub(script, page))
    leftover = external_references(page) + [r for b in blocks if b.startswith("<style>")
                                            for r in external_references(b)]
    if leftover:
        msg = f"offline page still references {leftover[:3]}; this is a bug in zy_geo's offline inlining."
        raise RuntimeError(msg)
    return re.sub("\x00ZYASSET(\\d+)\x00", lambda m: blocks[int(m.group(1))], page)


def external_references(page: str) -> list[str]:
    """Attributes and CSS that would make the browser fetch something from the network."""
    return [page[m.start(): m.start() + 80] for m in _EXTERNAL.finditer(page)]
