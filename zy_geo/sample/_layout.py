"""Generated city layout for the sample: extent, river, rail, roads, street/town polygons, blocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

#: Ziyang's central city (WGS84 104.627 E, 30.131 N) in EPSG:4544.
CENTRE = (464058.0, 3334694.0)
SIDE_M = 8000.0  # side of the square central city at scale 1

ROAD_HALF_WIDTH_M = {"arterial": 15.0, "secondary": 10.0, "local": 6.0}
ARTERIAL_NAMES = [
    "建设路",
    "迎宾大道",
    "沱江大道",
    "娇子大道",
    "三贤路",
    "滨江路",
    "雁城大道",
    "凤岭路",
    "资阳大道",
    "蜀乡大道",
    "车城大道",
    "外环路",
]
SECONDARY_NAMES = [
    "和平路",
    "民生路",
    "书台路",
    "西门路",
    "北门路",
    "临江路",
    "文化路",
    "新华路",
    "金桥路",
    "晨光路",
    "莲花路",
    "南骏路",
    "宝台路",
    "松涛路",
    "雁溪路",
]
LOCAL_STEMS = [
    "玉兰",
    "桂花",
    "石岭",
    "大桥",
    "菜市",
    "红星",
    "安岳",
    "东城",
    "西城",
    "银杏",
    "双龙",
    "万达",
    "学府",
    "仁里",
    "丰裕",
    "龙潭",
    "荷花",
    "鹤林",
    "清泉",
    "槐树",
]


def _axis_lines(lo: float, hi: float, spacing: float, rng: np.random.Generator, jitter: float) -> np.ndarray:
    n = int((hi - lo) // spacing)
    base = lo + spacing * (np.arange(n) + 0.5) + (hi - lo - spacing * n) / 2
    return base + rng.uniform(-jitter, jitter, n)


def river_centerline(bounds: tuple[float, float, float, float], rng: np.random.Generator) -> shapely.LineString:
    """A sinuous line crossing the extent roughly NNW → SSE."""
    minx, miny, maxx, maxy = bounds
    side = maxy - miny
    y = np.linspace(maxy + 200, miny - 200, 160)
    t = (maxy - y) / side
    phase = rng.uniform(0, 2 * np.pi)
    x = (minx + maxx) / 2 - 0.08 * side + 0.16 * side * t + 0.06 * side * np.sin(2 * np.pi * 1.6 * t + phase)
    return shapely.LineString(np.column_stack([x, y]))


def make_layout(scale: float, rng: np.random.Generator, jurisdictions: pd.DataFrame) -> dict:
    """Extent, river, rail, roads (noded lines with class and name), streets and blocks."""
    side = SIDE_M * np.sqrt(scale)
    cx, cy = CENTRE
    minx, miny, maxx, maxy = cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2
    extent = shapely.box(minx, miny, maxx, maxy)

    centre_line = river_centerline((minx, miny, maxx, maxy), rng)
    river = shapely.intersection(shapely.buffer(centre_line, 110.0, cap_style="flat"), extent)
    west = _west_of(centre_line, (minx, miny, maxx, maxy))

    rail = shapely.LineString(
        [(minx - 10, miny + 0.30 * side), (cx, cy - 0.05 * side), (maxx + 10, miny + 0.62 * side)]
    )
    rail = shapely.intersection(rail, extent)

    lines, classes, names = [], [], []
    specs = (("arterial", 950.0, 60.0), ("secondary", 475.0, 40.0), ("local", 237.5, 20.0))
    used: dict[str, list[float]] = {"x": [], "y": []}
    for cls, spacing, jitter in specs:
        for axis in ("x", "y"):
            lo, hi = (minx, maxx) if axis == "x" else (miny, maxy)
            for k, v in enumerate(_axis_lines(lo, hi, spacing, rng, jitter)):
                if any(abs(v - u) < spacing * 0.45 for u in used[axis]):
                    continue
                used[axis].append(v)
                line = (
                    shapely.LineString([(v, miny), (v, maxy)])
                    if axis == "x"
                    else shapely.LineString([(minx, v), (maxx, v)])
                )
                if cls != "arterial" or axis == "x":
                    # only east–west arterials bridge the river; other roads stop at its bank
                    line = shapely.difference(line, shapely.buffer(river, 15.0))
                if cls == "local":
                    line = shapely.difference(line, shapely.buffer(rail, 20.0))  # locals stop at the railway
                for part in shapely.get_parts(line):
                    if part.length < 50:
                        continue
                    lines.append(part)
                    classes.append(cls)
                    if cls == "arterial":
                        names.append(ARTERIAL_NAMES[(k + (0 if axis == "x" else 6)) % len(ARTERIAL_NAMES)])
                    elif cls == "secondary":
                        names.append(SECONDARY_NAMES[(k * 2 + (axis == "y")) % len(SECONDARY_NAMES)])
                    else:
                        names.append(
                            LOCAL_STEMS[(k + 7 * (axis == "y")) % len(LOCAL_STEMS)] + ("街" if axis == "x" else "巷")
                        )
    # node the network so that polygonising the lines yields blocks, keeping class/name
    roads: list[tuple[shapely.LineString, str, str, bool]] = []
    crossing = shapely.buffer(river, 15.0)  # roads and rail on this strip are bridges
    shapely.prepare(crossing)
    all_lines = np.array(lines, dtype=object)
    tree = shapely.STRtree(all_lines)
    for i, line in enumerate(all_lines):
        others = tree.query(line, predicate="crosses")
        cut = shapely.union_all(all_lines[others]) if len(others) else None
        pieces = shapely.get_parts(shapely.difference(line, cut) if cut is not None else line)
        # difference with crossing lines splits at intersection points without losing length
        for p in pieces:
            if p.length > 1:
                roads.extend((q, classes[i], names[i], bridge) for q, bridge in _split_bridges(p, crossing))

    streets = _streets(extent, jurisdictions, side)
    blocks, block_faces = _blocks(extent, river, rail, lines, classes)
    return {
        "extent": extent,
        "river": river,
        "river_line": centre_line,
        "west": west,
        "rail": rail,
        "rail_parts": _split_bridges(rail, crossing),
        "roads": roads,
        "streets": streets,
        "blocks": blocks,
        "block_faces": block_faces,
        "side": side,
    }


def _split_bridges(line: shapely.LineString, crossing: shapely.Polygon) -> list[tuple[shapely.LineString, bool]]:
    """Pieces of ``line`` with a flag: True for the span over the river (a bridge), noded at the banks."""
    if not shapely.intersects(line, crossing):
        return [(line, False)]
    land = shapely.get_parts(shapely.difference(line, crossing))
    span = shapely.get_parts(shapely.line_merge(shapely.intersection(line, crossing)))
    pieces = [(g, False) for g in land if g.length > 1] + [(g, True) for g in span if g.length > 1]
    return sorted(pieces, key=lambda t: (round(t[0].coords[0][0], 3), round(t[0].coords[0][1], 3)))


def _west_of(line: shapely.LineString, bounds) -> shapely.Polygon:
    minx, _miny, _maxx, _maxy = bounds
    coords = np.asarray(line.coords)
    ring = np.vstack([coords, [[minx - 1000, coords[-1, 1]], [minx - 1000, coords[0, 1]]]])
    return shapely.make_valid(shapely.Polygon(ring))


def _streets(extent: shapely.Polygon, j: pd.DataFrame, side: float) -> list[shapely.Polygon]:
    """Voronoi partition: the most represented body's streets in the core, the others around it."""
    main = j["body"].value_counts().index[0]
    core = np.flatnonzero(j["body"].to_numpy() == main)
    outer = np.flatnonzero(j["body"].to_numpy() != main)
    cx, cy = extent.centroid.x, extent.centroid.y
    seeds = np.zeros((len(j), 2))
    for idx, radius, start in ((core, 0.17, 0.25), (outer, 0.40, 0.10)):
        ang = 2 * np.pi * (start + np.arange(len(idx)) / max(len(idx), 1))
        seeds[idx, 0] = cx + radius * side * np.cos(ang)
        seeds[idx, 1] = cy + radius * side * np.sin(ang)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent))
    polys = []
    for s in seeds:
        cell = next(c for c in cells if c.contains(shapely.Point(s)))
        polys.append(shapely.intersection(cell, extent))
    return polys


def _blocks(extent, river, rail, lines, classes) -> tuple[np.ndarray, np.ndarray]:
    """Blocks (faces of the network minus road/river/rail corridors) and the face of each."""
    noded = shapely.union_all([shapely.boundary(extent), shapely.boundary(river), rail, *lines])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    widths = np.array([ROAD_HALF_WIDTH_M[c] + 4.0 for c in classes])
    cuts = np.concatenate(
        [
            [shapely.buffer(river, 25.0), shapely.buffer(rail, 20.0)],
            shapely.buffer(np.array(lines, dtype=object), widths, cap_style="flat"),
        ]
    )
    # subtract from each face only the cuts that touch it (one big union would be quadratic)
    f_idx, c_idx = shapely.STRtree(cuts).query(faces, predicate="intersects")
    order = np.argsort(f_idx, kind="stable")
    f_idx, c_idx = f_idx[order], c_idx[order]
    starts = np.searchsorted(f_idx, np.arange(len(faces)))
    ends = np.searchsorted(f_idx, np.arange(len(faces)), side="right")
    out = np.array(
        [
            shapely.difference(face, shapely.union_all(cuts[c_idx[a:b]])) if b > a else face
            for face, a, b in zip(faces, starts, ends, strict=True)
        ],
        dtype=object,
    )
    out, face_of = shapely.get_parts(out, return_index=True)
    big = shapely.area(out) > 2500.0
    return out[big], faces[face_of[big]]
