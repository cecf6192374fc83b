"""From the features of a real source to a city GeoPackage that ``propose``, ``run``, ``plan`` and ``map`` read.

The layers are those ``zy-geo sample`` writes (:data:`zy_geo.schema.CITY_LAYERS`), in the
CGCS2000 3-degree zone of the data's central longitude, plus ``other_buildings`` (buildings that
are not housing: never scattered housing) and ``residential_landuse`` (residential land too large
to be one compound). Each layer carries its provenance (source file, sha256, date, licence,
profile, metric CRS) in its GeoPackage metadata; every feature that could not be used is in
:attr:`ImportedCity.problems`.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.osm"
>>> nodes = "".join(f'<node id="{i}" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in
...                 enumerate([(121.0, 32.0), (121.002, 32.0), (121.002, 32.002), (121.0, 32.002)], 1))
>>> _ = p.write_text(f'<?xml version="1.0"?><osm version="0.6">{nodes}<way id="7"><nd ref="1"/><nd ref="2"/>'
...                  '<nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="landuse" v="residential"/>'
...                  '<tag k="name" v="小区"/></way></osm>')
>>> city = import_osm(p)
>>> city.metric_crs, city.layers["compounds"][["compound_id", "name", "households_method"]].values.tolist()
('EPSG:4549', [['OSM-w7', '小区', 'land_area']])
>>> [p.code for p in city.problems]
['no_streets']
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Config, HouseholdEstimate
from ..crs import choose_metric_crs
from ..errors import InputError, ProblemReport
from ..schema import CITY_LAYERS, load_jurisdictions
from .households import estimate_households, parse_number
from .osm import OsmFeatures, read_osm
from .profile import Profile, load_profile

#: Layers an import writes besides :data:`zy_geo.schema.CITY_LAYERS`.
EXTRA_LAYERS: dict[str, str] = {
    "other_buildings": "非住宅建筑（不计零星住宅）",
    "residential_landuse": "成片居住用地（过大，不作为一个小区）",
}
#: Street name and code used when a source has no street boundaries.
WHOLE_EXTENT = ("全域（未分街道）", "000000000")
#: Responsible body when nothing names one (no --jurisdictions, no district boundary, no streets file).
UNKNOWN_BODY = "未指定责任主体"


@dataclass
class ImportedCity:
    """A city built from a real source: layers in a metric CRS, problems, provenance.

    Attributes
    ----------
    layers : dict of str to GeoDataFrame
        City layers (:data:`zy_geo.schema.CITY_LAYERS` present in the source) and :data:`EXTRA_LAYERS`.
    problems : ProblemReport
        What could not be used (broken multipolygons, duplicates, compounds outside every street …).
    metadata : dict
        Provenance written into every layer.
    metric_crs : str
        The CRS of every layer.
    """

    layers: dict[str, gpd.GeoDataFrame]
    problems: ProblemReport
    metadata: dict[str, str]
    metric_crs: str
    counts: dict[str, int] = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        """Concise lines for the terminal."""
        c = self.layers.get("compounds")
        b = self.layers.get("buildings")
        hh = int(c["households"].sum()) if c is not None and len(c) else 0
        est = int(c.loc[c["households_estimated"].astype(bool), "households"].sum()) if c is not None and len(c) else 0
        n = {k: len(v) for k, v in self.layers.items()}
        lines = [
            f"compounds: {n.get('compounds', 0)} ({int(c['name'].notna().sum()) if c is not None else 0} named), "
            f"households {hh:,} ({est:,} estimated)",
            f"buildings: {n.get('buildings', 0)} residential"
            + (f" ({int(b['compound_id'].isna().sum())} outside any compound)" if b is not None and len(b) else "")
            + f", {n.get('other_buildings', 0)} other",
            f"roads: {n.get('roads', 0)}, rail: {n.get('rail', 0)}, water: {n.get('rivers', 0)}, "
            f"streets: {n.get('streets', 0)}",
            f"metric CRS: {self.metric_crs}",
        ]
        if len(self.problems):
            lines.append(f"problems: {len(self.problems.errors)} errors, {len(self.problems.warnings)} warnings")
        return lines

    def __repr__(self) -> str:
        return f"ImportedCity({self.metadata.get('source', '?')}: " + "; ".join(self.summary_lines()) + ")"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{len(v):,}</td></tr>" for k, v in self.layers.items())
        lines = "<br>".join(html.escape(line) for line in self.summary_lines())
        return (f"<div><b>{html.escape(self.metadata.get('source', 'imported city'))}</b><br>{lines}"
                f"<table><tr><th>layer</th><th>features</th></tr>{rows}</table></div>")

    def write(self, out: str | Path, *, force: bool = False, inputs: Sequence[str | Path] = ()) -> dict[str, Path]:
        """Write the city GeoPackage (and ``<name>_problems.csv`` when there are problems).

        Parameters
        ----------
        out : str or Path
            The ``.gpkg`` to write.
        force : bool
            Overwrite a file zy_geo did not write.
        inputs : sequence of path
            Files that must never be overwritten (the source).

        Returns
        -------
        dict of str to Path
            ``{"city": …}`` and ``{"problems": …}`` when written.
        """
        from ..write import single_file

        folder, name = single_file(out, suffixes=(".gpkg",), inputs=inputs, force=force, what="city GeoPackage")
        meta = {k: dict(self.metadata, layer=k, crs=self.metric_crs) for k in self.layers}
        desc = {k: f"{(CITY_LAYERS | EXTRA_LAYERS).get(k, k).split('（生成）')[0]} — {self.metadata.get('source', '')}"
                for k in self.layers}
        files = {"city": folder.write_gpkg(self.layers, name, metadata=meta, descriptions=desc)}
        if len(self.problems):
            files["problems"] = folder.write_csv(self.problems.to_frame(), f"{Path(name).stem}_problems.csv")
        folder.finish()
        return files


def _metric(gdf: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    return gdf.to_crs(crs) if len(gdf) else gdf.set_crs(crs, allow_override=True)


def _polygons(geoms: np.ndarray) -> np.ndarray:
    """Valid polygonal geometry (make_valid, polygonal parts only); None where nothing is left."""
    fixed = shapely.make_valid(geoms)
    out: list[shapely.Geometry | None] = []
    for g in fixed:
        if g is None or g.is_empty:
            out.append(None)
        elif g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
        else:
            parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")]
            out.append(shapely.union_all(parts) if parts else None)
    return np.asarray(out, dtype=object)


def _osm_ids(gdf: gpd.GeoDataFrame) -> pd.Series:
    return gdf["osm_type"].astype(str) + gdf["osm_id"].astype(str)


def _tag(gdf: gpd.GeoDataFrame, keys: Sequence[str]) -> pd.Series:
    """The first of ``keys`` present in each feature's tags (None when none)."""
    return gdf["tags"].map(lambda t: next((t[k] for k in keys if t.get(k)), None))


def _compounds(areas: gpd.GeoDataFrame, profile: Profile, crs: str, src: str,
               problems: ProblemReport) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Compound polygons without overlaps (smaller ones win), and residential land too large to be one."""
    sel = areas[areas["tags"].map(profile.compound)] if len(areas) else areas
    sel = _metric(sel, crs)
    sel = sel.assign(geometry=_polygons(sel.geometry.to_numpy()))
    ha = sel.geometry.area / 1e4
    limit = float(profile.get("compounds", "max_area_ha", 40.0))
    large = sel[ha > limit]
    for _, r in large.iterrows():
        problems.add("warning", f"residential area {r.osm_type}{r.osm_id} ({profile.name(r.tags) or 'no name'}) covers "
                     f"{r.geometry.area / 1e4:,.0f} ha, more than max_area_ha = {limit:g}: taken as residential land, "
                     "not one compound (its buildings count as scattered housing)", source=src,
                     layer="residential_landuse", row=int(r.osm_id), code="large_residential",
                     fix="draw its compounds separately, or raise [compounds] max_area_ha in the profile")
    landuse = gpd.GeoDataFrame({"landuse_id": _osm_ids(large), "name": large["tags"].map(profile.name)},
                               geometry=large.geometry.to_numpy(), crs=crs)
    sel = sel[ha <= limit]
    labels = [f"{t}{i} ({profile.name(tags) or 'no name'})" for t, i, tags in
              zip(sel["osm_type"], sel["osm_id"], sel["tags"], strict=True)]
    keep, geoms = _without_overlaps(sel.geometry.to_numpy(), labels, [int(i) for i in sel["osm_id"]], src,
                                    "compounds", problems)
    sel = sel.iloc[keep]
    comp = gpd.GeoDataFrame({"compound_id": ("OSM-" + _osm_ids(sel)).to_numpy(),
                             "name": sel["tags"].map(profile.name).to_numpy(),
                             "osm_tags": sel["tags"].map(_tags_text).to_numpy()},
                            geometry=np.asarray(geoms, dtype=object), crs=crs)
    order = np.lexsort((comp["compound_id"].to_numpy(),))
    return comp.iloc[order].reset_index(drop=True), landuse


def _without_overlaps(polygons: np.ndarray, labels: Sequence[str], rows: Sequence[int], src: str,
                      layer: str | None, problems: ProblemReport) -> tuple[list[int], list[shapely.Geometry]]:
    """Compounds without overlaps: smaller ones win, one left with < 10 % (or < 50 m²) is an outline, left out.

    Shared by the OSM importer (:func:`_compounds`) and the office importers; returns the positions kept
    and their geometry. Overlaps are given to the smaller area (info ``overlap_removed``); an outline
    is reported (warning ``nested_compound``).
    """
    areas = np.asarray([g.area if g is not None else np.inf for g in polygons], dtype=float)
    tree = shapely.STRtree([g if g is not None else shapely.Polygon() for g in polygons])
    final: dict[int, shapely.Geometry] = {}
    for i in np.argsort(areas, kind="stable"):
        g = original = polygons[i]
        if g is None:
            continue
        taken = [final[j] for j in tree.query(g, predicate="intersects") if j in final]
        taken = [t for t in taken if shapely.area(shapely.intersection(g, t)) > 1.0]  # overlaps, not touches
        if taken:
            g = _polygons(np.asarray([shapely.difference(g, shapely.union_all(taken))], dtype=object))[0]
        if g is None or g.area < max(50.0, 0.1 * original.area):
            problems.add("warning", f"residential area {labels[i]} lies within smaller residential areas already "
                         "taken; left out as their outline", source=src, layer=layer, row=rows[i],
                         code="nested_compound",
                         fix="nothing to do if it is an outline of those compounds; else draw it without them")
            continue
        if taken:
            problems.add("info", f"residential area {labels[i]} overlapped smaller residential areas; the overlap "
                         "was given to them", source=src, layer=layer, row=rows[i], code="overlap_removed")
        final[int(i)] = g
    keep = sorted(final)
    return keep, [final[i] for i in keep]


def _tags_text(tags: dict[str, str]) -> str:
    keep = ("landuse", "residential", "building", "building:levels", "height", "highway", "waterway", "addr:street",
            "addr:housenumber", "operator")
    return "; ".join(f"{k}={v}" for k, v in tags.items() if k in keep)


def _inside(points: gpd.GeoSeries, polygons: gpd.GeoDataFrame, column: str) -> pd.Series:
    """``polygons[column]`` of the polygon each point lies in (None outside all)."""
    if not len(points) or not len(polygons):
        return pd.Series([None] * len(points), index=points.index, dtype=object)
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    pi, gi = tree.query(points.to_numpy(), predicate="within")
    out = pd.Series([None] * len(points), index=points.index, dtype=object)
    values = polygons[column].to_numpy()
    first = pd.Series(gi, index=pi).groupby(level=0).min()
    out.iloc[first.index.to_numpy()] = values[first.to_numpy()]
    return out


def _buildings(areas: gpd.GeoDataFrame, profile: Profile, crs: str, comp: gpd.GeoDataFrame,
               landuse: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    kind = areas["tags"].map(profile.building) if len(areas) else pd.Series(dtype=object)
    sel = _metric(areas[kind.notna()], crs)
    kind = kind[kind.notna()]
    sel = sel.assign(geometry=_polygons(sel.geometry.to_numpy()))
    sel = sel[sel.geometry.notna()]
    kind = kind.loc[sel.index]
    pts = sel.geometry.representative_point()
    in_comp = _inside(pts, comp, "compound_id")
    in_land = _inside(pts, landuse, "landuse_id").notna()
    residential = kind.eq("residential") | (kind.eq("ambiguous") & (in_comp.notna() | in_land))
    tags = sel["tags"]
    table = pd.DataFrame({
        "building_id": _osm_ids(sel).to_numpy(),
        "compound_id": in_comp.to_numpy(),
        "name": tags.map(profile.name).to_numpy(),
        "use": tags.map(lambda t: t.get("building")).to_numpy(),
        "floors": _tag(sel, profile.get("buildings", "levels_tags", [])).map(parse_number).to_numpy(),
        "height_m": _tag(sel, profile.get("buildings", "height_tags", [])).map(parse_number).to_numpy(),
        "flats": _tag(sel, profile.get("buildings", "flats_tags", [])).map(parse_number).to_numpy(),
    })
    geometry = sel.geometry.to_numpy()
    res = residential.to_numpy()
    housing = gpd.GeoDataFrame(table[res].reset_index(drop=True), geometry=geometry[res], crs=crs)
    other = gpd.GeoDataFrame(table[~res].drop(columns=["flats"]).reset_index(drop=True), geometry=geometry[~res],
                             crs=crs)
    return housing, other


def _roads(lines: gpd.GeoDataFrame, profile: Profile, crs: str) -> gpd.GeoDataFrame:
    cls = lines["tags"].map(profile.road_class) if len(lines) else pd.Series(dtype=object)
    sel = _metric(lines[cls.notna()], crs)
    tags = sel["tags"]
    return gpd.GeoDataFrame({
        "road_id": _osm_ids(sel).to_numpy(),
        "road_class": cls[cls.notna()].to_numpy(),
        "name": tags.map(profile.name).to_numpy(),
        "highway": tags.map(lambda t: t.get(str(profile.get("roads", "key", "highway")))).to_numpy(),
        "bridge": tags.map(lambda t: profile.flag("roads", "bridge", t)).to_numpy(dtype=bool),
        "tunnel": tags.map(lambda t: profile.flag("roads", "tunnel", t)).to_numpy(dtype=bool),
    }, geometry=sel.geometry.to_numpy(), crs=crs)


def _rivers(areas: gpd.GeoDataFrame, lines: gpd.GeoDataFrame, profile: Profile, crs: str) -> gpd.GeoDataFrame:
    wa = _metric(areas[areas["tags"].map(profile.water_area)] if len(areas) else areas, crs)
    wl = _metric(lines[lines["tags"].map(profile.water_line)] if len(lines) else lines, crs)
    defaults = profile.get("rivers", "default_width_m", {})
    width = _tag(wl, profile.get("rivers", "width_tags", [])).map(parse_number) if len(wl) else pd.Series(dtype=float)
    kind = wl["tags"].map(lambda t: t.get("waterway")) if len(wl) else pd.Series(dtype=object)
    fallback = kind.map(lambda k: float(defaults.get(k, min(defaults.values(), default=10.0))))
    w = width.where(width > 0).fillna(fallback) if len(wl) else width
    buffered = shapely.buffer(wl.geometry.to_numpy(), (w / 2).to_numpy(), cap_style="flat") if len(wl) else []
    names = pd.concat([wa["tags"].map(profile.name), wl["tags"].map(profile.name)], ignore_index=True) \
        if len(wa) + len(wl) else pd.Series(dtype=object)
    how = ["area"] * len(wa) + [f"line buffered by {v:g} m ({'tag' if t > 0 else 'default'})"
                                for v, t in zip(w, width.fillna(0), strict=True)]
    geoms = np.concatenate([_polygons(wa.geometry.to_numpy()), np.asarray(buffered, dtype=object)]) \
        if len(wa) + len(wl) else np.asarray([], dtype=object)
    ids = pd.concat([_osm_ids(wa), _osm_ids(wl)], ignore_index=True) if len(wa) + len(wl) else pd.Series(dtype=str)
    out = gpd.GeoDataFrame({"water_id": ids.to_numpy(), "name": names.to_numpy(), "drawn_as": how},
                           geometry=geoms, crs=crs)
    return out[out.geometry.notna()].reset_index(drop=True)


def _rail(lines: gpd.GeoDataFrame, profile: Profile, crs: str) -> gpd.GeoDataFrame:
    sel = _metric(lines[lines["tags"].map(profile.rail)] if len(lines) else lines, crs)
    return gpd.GeoDataFrame({
        "rail_id": _osm_ids(sel).to_numpy(),
        "name": sel["tags"].map(profile.name).to_numpy(),
        "bridge": sel["tags"].map(lambda t: profile.flag("rail", "bridge", t)).to_numpy(dtype=bool),
    }, geometry=sel.geometry.to_numpy(), crs=crs)


def _admin_streets(areas: gpd.GeoDataFrame, profile: Profile, crs: str) -> gpd.GeoDataFrame | None:
    level = areas["tags"].map(profile.boundary_level) if len(areas) else pd.Series(dtype=object)
    for wanted in profile.get("streets", "admin_levels", [9, 8]):
        sel = areas[level.eq(wanted)]
        if len(sel):
            sel = _metric(sel, crs)
            codes = _tag(sel, profile.get("streets", "code_tags", []))
            codes = codes.where(codes.notna(), "OSM-" + _osm_ids(sel))
            out = gpd.GeoDataFrame({"street_code": codes.to_numpy(), "street": sel["tags"].map(profile.name).to_numpy(),
                                    "admin_level": wanted}, geometry=_polygons(sel.geometry.to_numpy()), crs=crs)
            out["street"] = out["street"].fillna(out["street_code"])
            bodies = areas[level.isin(profile.get("streets", "body_admin_levels", []))]
            if len(bodies):
                bodies = _metric(bodies, crs).assign(body=lambda d: d["tags"].map(profile.name))
                out["body"] = _inside(out.geometry.representative_point(), bodies, "body").to_numpy()
            return out
    return None


def _col(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    return next((c for c in names if c in df.columns), None)


def _streets_from_file(path: str | Path, crs: str, problems: ProblemReport) -> gpd.GeoDataFrame:
    from ..io.read import read_layer

    gdf = read_layer(path, report=problems)
    name = _col(gdf, ("street", "街道（镇）", "街道", "乡镇", "name", "名称", "NAME", "XZQMC"))
    if name is None:
        msg = (f"`{Path(path).name}` (--streets) has no column naming the street; its columns are "
               f"{', '.join(map(str, gdf.columns.drop('geometry')))}. Add a column `street` (街道) with the names.")
        raise InputError(msg)
    code = _col(gdf, ("street_code", "code", "街道代码", "代码", "XZQDM", "adcode"))
    body = _col(gdf, ("body", "责任主体"))
    out = gpd.GeoDataFrame({
        "street_code": gdf[code].astype(str).to_numpy() if code else [f"S{i + 1:03d}" for i in range(len(gdf))],
        "street": gdf[name].astype(str).to_numpy(),
    }, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    if body:
        out["body"] = gdf[body].to_numpy()
    return _metric(out, crs)


def _apply_jurisdictions(streets: gpd.GeoDataFrame, table: pd.DataFrame, where: str,
                         problems: ProblemReport) -> gpd.GeoDataFrame:
    need = {"street", "body"} - set(table.columns)
    if need:
        msg = (f"{where} (--jurisdictions) needs the columns code, street and body (as zy_geo/data/central_city.csv); "
               f"it lacks {', '.join(sorted(need))}.")
        raise InputError(msg)
    by_code = table.dropna(subset=["code"]).set_index("code")["body"].to_dict() if "code" in table else {}
    by_name = table.set_index("street")["body"].to_dict()
    body = [by_code.get(str(c), by_name.get(str(s))) for c, s in zip(streets["street_code"], streets["street"],
                                                                       strict=True)]
    out = streets.copy()
    out["body"] = [b if b is not None else old for b, old in zip(body, out.get("body", [None] * len(out)),
                                                                  strict=True)]
    for s, b in zip(streets["street"], body, strict=True):
        if b is None:
            problems.add("warning", f"street {s} is not in the jurisdictions table", source=where, column="street",
                         value=s, code="unknown_street", fix="add a row code, street, body for it")
    return out


def _whole_extent(layers: dict[str, gpd.GeoDataFrame], crs: str) -> gpd.GeoDataFrame:
    bounds = [g.total_bounds for g in layers.values() if len(g)]
    x0, y0 = np.min([b[0] for b in bounds]), np.min([b[1] for b in bounds])
    x1, y1 = np.max([b[2] for b in bounds]), np.max([b[3] for b in bounds])
    poly = shapely.box(x0, y0, x1, y1).buffer(50, join_style="mitre")
    return gpd.GeoDataFrame({"street_code": [WHOLE_EXTENT[1]], "street": [WHOLE_EXTENT[0]]}, geometry=[poly], crs=crs)


def _place(comp: gpd.GeoDataFrame, streets: gpd.GeoDataFrame, src: str, problems: ProblemReport) -> gpd.GeoDataFrame:
    """Street code, street and body of each compound: the street its inside point lies in, else the nearest."""
    pts = comp.geometry.representative_point()
    pos = pd.Series(np.arange(len(streets)), index=streets.index)
    which = _inside(pts, streets.assign(_pos=pos.to_numpy()), "_pos")
    outside = which.isna()
    if outside.any():
        tree = shapely.STRtree(streets.geometry.to_numpy())
        near = tree.nearest(pts[outside].to_numpy())
        which[outside] = near
        for cid in comp.loc[outside, "compound_id"]:
            problems.add("warning", f"compound {cid} lies outside every street boundary; given to the nearest street",
                         source=src, layer="compounds", column="street", value=cid, code="outside_streets",
                         fix="supply street boundaries that cover the whole extract (--streets FILE)")
    idx = which.astype(int).to_numpy()
    out = comp.copy()
    for col in ("street_code", "street", "body"):
        if col in streets.columns:
            out[col] = streets[col].to_numpy()[idx]
    return out


def build_city(features: OsmFeatures, *, profile: Profile | None = None, streets: str | Path | None = None,
               jurisdictions: str | Path | None = None, params: HouseholdEstimate | None = None,
               metric_crs: str | None = None, source: str | None = None) -> ImportedCity:
    """Turn the features of an extract into city layers (see :func:`import_osm`)."""
    profile = profile or load_profile()
    problems = ProblemReport()
    problems.extend(features.broken)
    src = source or features.source.get("file", "source")
    both = pd.concat([features.areas.geometry, features.lines.geometry], ignore_index=True)
    if not len(both):
        msg = f"`{src}` holds nothing the profile ({profile.source}) turns into a city layer."
        raise InputError(msg)
    choice = choose_metric_crs(tuple(float(v) for v in both.total_bounds), metric_crs, what=f"`{src}`",
                               stacklevel=3)
    crs = choice.crs
    areas, lines = features.areas, features.lines
    comp, landuse = _compounds(areas, profile, crs, src, problems)
    housing, other = _buildings(areas, profile, crs, comp, landuse)
    layers: dict[str, gpd.GeoDataFrame] = {}
    roads, rivers, rail = _roads(lines, profile, crs), _rivers(areas, lines, profile, crs), _rail(lines, profile, crs)
    st = _streets_from_file(streets, crs, problems) if streets is not None else _admin_streets(areas, profile, crs)
    if st is None:
        levels = "/".join(str(v) for v in profile.get("streets", "admin_levels", []))
        problems.add("warning", f"no street (街道/乡镇) boundaries (boundary=administrative, admin_level {levels}) in "
                     "the source: the whole extent is one street, 全域（未分街道）", source=src, layer="streets",
                     code="no_streets", fix="pass --streets FILE (a polygon layer with a `street` name column and "
                     "ideally `street_code`), or an extract that includes the admin_level 8/9 boundaries")
        st = _whole_extent({"c": comp, "b": housing, "r": roads}, crs).assign(body=UNKNOWN_BODY)
    if jurisdictions is not None:
        st = _apply_jurisdictions(st, load_jurisdictions(jurisdictions), Path(jurisdictions).name, problems)
    if "body" not in st.columns:
        st["body"] = None
    st["body"] = st["body"].where(st["body"].notna(), st["street"])
    if not len(comp) and not len(housing):
        looked = ", ".join(profile.raw.get("compounds", {}).get("match", []))
        msg = (f"`{src}` has no residential areas ({looked}) and no residential buildings: nothing to plan. Supply "
               "compounds another way: an Amap/Baidu AOI export (zy-geo import aoi), land-survey parcels (zy-geo "
               "import parcels), or a compounds layer drawn in QGIS; or use a larger extract.")
        raise InputError(msg, report=problems)
    if len(comp):
        comp = _place(comp, st, src, problems)
    comp, housing = estimate_households(comp, housing, params)
    comp["mode"] = pd.Series([None] * len(comp), dtype=object)  # unknown until surveyed: a candidate for an area
    if housing is None:
        housing = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    comp["buildings"] = comp["compound_id"].map(housing.groupby("compound_id").size()).fillna(0).astype(int) \
        if len(housing) else 0
    layers["streets"] = st
    if len(rivers):
        layers["rivers"] = rivers
    if len(rail):
        layers["rail"] = rail
    layers["roads"] = roads
    layers["compounds"] = comp
    layers["buildings"] = housing
    layers["other_buildings"] = other
    if len(landuse):
        layers["residential_landuse"] = landuse
    today = _dt.date.today().isoformat()
    metadata = {"source": src, "source_sha256": features.source.get("sha256", ""), "imported": today,
                "licence": str(profile.get("profile", "licence", "")), "profile": profile.source,
                "metric_crs": crs, "metric_crs_note": choice.note, "real_data": "yes",
                "households": "estimated where not given (see households_method); a ledger figure replaces an estimate"}
    counts = {k: int(v) for k, v in features.counts.items()}
    return ImportedCity(layers, problems, metadata, crs, counts)


def import_osm(path: str | Path, *, profile: str | Path | Profile | None = None,
               bbox: Sequence[float] | str | None = None, streets: str | Path | None = None,
               jurisdictions: str | Path | None = None, config: Config | None = None, metric_crs: str | None = None,
               progress: bool = False) -> ImportedCity:
    """An OpenStreetMap extract → the city layers zy_geo plans on (what ``zy-geo import osm`` runs).

    Parameters
    ----------
    path : str or Path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf``.
    profile : path or Profile, optional
        Tags → layers (default: the shipped OSM profile, ``zy_geo/data/profiles/osm.toml``).
    bbox : (W, S, E, N) or "W,S,E,N", optional
        Keep features that intersect this box (degrees).
    streets : str or Path, optional
        A polygon layer of street (街道/乡镇) boundaries, used instead of the extract's
        administrative boundaries (columns ``street`` and ideally ``street_code``, ``body``).
    jurisdictions : str or Path, optional
        CSV ``code, street, body`` naming each street's responsible body (as
        ``zy_geo/data/central_city.csv``).
    config : Config, optional
        Its ``[households]`` parameters estimate households (defaults otherwise).
    metric_crs : str, optional
        The metric CRS (default: the config's ``metric_crs``, ``"auto"``: the CGCS2000 3-degree zone of
        the data's central longitude).
    progress : bool
        Progress bar while reading.

    Returns
    -------
    ImportedCity
        ``.write(out)`` writes the GeoPackage.

    Raises
    ------
    InputError
        Not an OSM file, nothing residential in it, a bbox outside its data, a bad profile.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    features = read_osm(path, prof, bbox=bbox, progress=progress)
    params = config.settings.households if config is not None else None
    if metric_crs is None and config is not None:
        metric_crs = config.settings.metric_crs  # "auto" unless the config names one
    return build_city(features, profile=prof, streets=streets, jurisdictions=jurisdictions, params=params,
                      metric_crs=metric_crs)


__all__ = ["EXTRA_LAYERS", "ImportedCity", "build_city", "import_osm"]
