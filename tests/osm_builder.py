"""Hand-written OpenStreetMap XML for tests: ways and relations placed in metres around a base point."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

from pyproj import Transformer

#: Nantong-like base point (CGCS2000 zone of 120° E: EPSG:4549).
BASE = (121.07, 31.96)


class Osm:
    """Build an extract: ``way(coords_m, tags)``, ``relation(members, tags)``, then ``write(path)``.

    Coordinates are metres east/north of ``base`` on an azimuthal equidistant projection centred
    there (true to < 10⁻⁵ over a few kilometres).
    """

    def __init__(self, base: tuple[float, float] = BASE):
        self.base = base
        self._to_lonlat = Transformer.from_crs(
            f"+proj=aeqd +lat_0={base[1]} +lon_0={base[0]} +ellps=GRS80 +units=m", "EPSG:4326", always_xy=True)
        self.nodes: list[tuple[int, float, float]] = []
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self.relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []
        self._next = 1

    def _id(self) -> int:
        self._next += 1
        return self._next

    def node(self, x: float, y: float) -> int:
        lon, lat = self._to_lonlat.transform(x, y)
        nid = self._id()
        self.nodes.append((nid, lon, lat))
        return nid

    def way(self, coords: list[tuple[float, float]], tags: dict[str, str] | None = None, *,
            closed: bool = False) -> int:
        refs = [self.node(x, y) for x, y in coords]
        if closed:
            refs.append(refs[0])
        wid = self._id()
        self.ways.append((wid, refs, dict(tags or {})))
        return wid

    def box(self, x0: float, y0: float, x1: float, y1: float, tags: dict[str, str] | None = None) -> int:
        return self.way([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], tags, closed=True)

    def relation(self, members: list[tuple[str, int, str]], tags: dict[str, str]) -> int:
        rid = self._id()
        self.relations.append((rid, members, dict(tags)))
        return rid

    def xml(self) -> str:
        out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="zy_geo tests">']
        out += [f'<node id="{i}" version="1" lat="{lat:.8f}" lon="{lon:.8f}"/>' for i, lon, lat in self.nodes]

        def tags(t: dict[str, str]) -> str:
            return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in t.items())

        for wid, refs, t in self.ways:
            out.append(f'<way id="{wid}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs) + tags(t) + "</way>")
        for rid, members, t in self.relations:
            m = "".join(f'<member type="{k}" ref="{r}" role="{role}"/>' for k, r, role in members)
            out.append(f'<relation id="{rid}" version="1">{m}{tags(t)}</relation>')
        out.append("</osm>")
        return "\n".join(out)

    def write(self, path: Path) -> Path:
        path.write_text(self.xml(), encoding="utf-8")
        return path
