"""Readers for what a street office sends: GeoPackage, GeoJSON, Shapefile, CSV and plain Excel.

Every reader names the file, layer, row and column of what it could not use, and says how to
fix it:

- text is decoded correctly: GBK shapefiles without (or with a wrong) ``.cpg``, CSV in UTF-8,
  UTF-8-BOM, UTF-16 or GBK; codes stay strings;
- a layer must declare its CRS; coordinates must fit it (swapped axes, zone prefixes and
  metres declared as degrees are caught, ``swap_xy=True`` fixes swapped axes);
- data picked on Amap/Baidu (``frame="gcj02"``/``"bd09"``) are converted to WGS84 on read;
- invalid polygons are repaired with a warning naming the feature; features without geometry
  are listed, never dropped silently;
- :func:`read_city` checks each city layer against its contract (:mod:`zy_geo.contracts`) and puts
  every layer in one metric CRS: the CGCS2000 3-degree zone of the whole city's extent (EPSG:4544 in
  Ziyang, EPSG:4549 in Shanghai), or the one given as ``metric_crs=``.

The survey ledger has its own reader (:mod:`zy_geo.ledger.read`).

Examples
--------
>>> import geopandas as gpd, tempfile, pathlib
>>> from shapely.geometry import Point
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> gpd.GeoDataFrame({"compound_id": ["512002001-0001"], "小区名称": ["莲花小区"]},
...                  geometry=[Point(104.627, 30.131).buffer(0.0005)],
...                  crs="EPSG:4326").to_file(d / "a.gpkg", layer="compounds")
>>> read_layer(d / "a.gpkg").crs.to_string()
'EPSG:4326'
>>> compounds = read_city(d / "a.gpkg")["compounds"]
>>> compounds.crs.to_string(), compounds.columns.tolist()
('EPSG:4544', ['compound_id', 'name', 'geometry'])
"""

from __future__ import annotations

import csv
import io as _io
import logging
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from .._gdal import gdal_reading
from ..contracts import CITY_CONTRACTS, Bounds, raise_or_warn
from ..crs import FRAMES, MetricChoice, choose_metric_crs, from_frame, normalize_frame, to_metric
from ..errors import CRSError, CRSWarning, DataRepairWarning, InputError, ProblemReport
from ..schema import CITY_LAYERS
from ._checks import coordinate_problem, fits
from ._encoding import dbf_encoding, detect_bytes_encoding, fix_mojibake, mojibake_encoding
from ._geometry import clean_geometry, feature_labels

logger = logging.getLogger(__name__)

#: ``attrs`` key recording the display frame a layer was converted from on read.
SOURCE_FRAME_ATTR = "zy_source_frame"
#: ``attrs`` keys recording, on every layer :func:`read_city` returns, the metric CRS of the city, how it
#: was chosen (``"auto"``, ``"given"``, ``"default"``) and a sentence saying why.
METRIC_CRS_ATTR, METRIC_HOW_ATTR, METRIC_NOTE_ATTR = "zy_metric_crs", "zy_metric_crs_how", "zy_metric_crs_note"
_SHAPEFILE = "ESRI Shapefile"


def _where(path: Path, layer: str | None) -> str:
    return f"`{path.name}`" + (f" layer {layer}" if layer else "")


def _read(path: Path, layer: str | None, encoding: str | None, where: str) -> pd.DataFrame:
    kw: dict[str, Any] = {"fid_as_index": True}
    if layer:
        kw["layer"] = layer
    if encoding:
        kw["encoding"] = encoding
    try:
        with gdal_reading(path) as source:
            return pyogrio.read_dataframe(source, **kw)
    except UnicodeDecodeError:
        raise
    except pyogrio.errors.DataLayerError as exc:
        try:
            with gdal_reading(path) as source:
                names = ", ".join(str(n) for n in pyogrio.list_layers(source)[:, 0])
        except Exception:
            names = "?"
        msg = f"{where} cannot be read: {exc}. The file's layers are: {names}; pass one as layer=."
        raise InputError(msg) from exc
    except Exception as exc:  # pyogrio raises DataSourceError and GDAL errors
        msg = (f"{where} cannot be read as a GIS layer ({exc}). Send a GeoPackage (.gpkg), GeoJSON, or a "
               "Shapefile with all its parts (.shp, .shx, .dbf, .prj, ideally .cpg).")
        raise InputError(msg) from exc


def _is_shapefile(path: Path, layer: str | None) -> bool:
    try:
        with gdal_reading(path) as source:
            return pyogrio.read_info(source, layer=layer)["driver"] == _SHAPEFILE
    except Exception:
        return path.suffix.lower() in (".shp", ".dbf", ".zip")


def _strings(df: pd.DataFrame) -> list[str]:
    out = [str(c) for c in df.columns]
    for col in df.columns:
        if col != "geometry" and (df[col].dtype == object or pd.api.types.is_string_dtype(df[col])):
            out += [v for v in df[col].head(2000).tolist() if isinstance(v, str)]
    return out


def _fix_strings(df: pd.DataFrame, enc: str) -> pd.DataFrame:
    """Repair latin-1 mojibake in place of a re-read (GeoPackage/GeoJSON that stored it)."""

    def fix(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        fixed, used = fix_mojibake(v)
        return fixed if used == enc else v

    out = df.rename(columns={c: fix(c) for c in df.columns if c != "geometry"})
    for col in out.columns:
        if col != "geometry" and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(fix)
    return out


def _decode(path: Path, layer: str | None, encoding: str | None, where: str,
            report: ProblemReport | None) -> pd.DataFrame:
    """Read attributes with the right text encoding, repairing GBK read as latin-1."""
    shapefile = _is_shapefile(path, layer)
    cpg = path.with_suffix(".cpg")
    try:
        gdf = _read(path, layer, encoding, where)
    except UnicodeDecodeError as exc:
        if encoding:
            msg = (f"{where}: the attributes are not {encoding} ({exc}); pass the right encoding=, "
                   "e.g. 'GBK' or 'UTF-8'.")
            raise InputError(msg) from exc
        dbf = path.with_suffix(".dbf")
        enc = (dbf_encoding(dbf.read_bytes()) if shapefile and dbf.exists() else None) or "gb18030"
        try:
            gdf = _read(path, layer, enc.upper(), where)
        except UnicodeDecodeError as exc2:
            msg = (f"{where}: the attribute text is neither what the .cpg says nor {enc.upper()} ({exc2}); "
                   "pass encoding= (e.g. 'GBK', 'UTF-8', 'BIG5') or re-save the layer as GeoPackage.")
            raise InputError(msg) from exc2
        said = cpg.read_text(errors="replace").strip() if cpg.exists() else "another encoding"
        _say_encoding(f"{where}: attributes are {enc.upper()} but the .cpg says {said!r}; decoded as {enc.upper()}. "
                      f"Fix: write {'GBK' if enc == 'gb18030' else 'UTF-8'} in the .cpg file (or save as GeoPackage).",
                      path, layer, report)
        return gdf
    if encoding:
        return gdf
    found = mojibake_encoding(_strings(gdf))
    if found is None:
        return gdf
    if shapefile:
        gdf = _read(path, layer, found.upper(), where)
        why = "its .cpg says another encoding" if cpg.exists() else "it has no .cpg file"
        fix = f"add a .cpg file containing '{'GBK' if found == 'gb18030' else 'UTF-8'}' (or save as GeoPackage)"
    else:
        gdf = _fix_strings(gdf, found)
        why = "they were stored as latin-1 mojibake (a GBK shapefile converted without its encoding)"
        fix = "re-save the layer with the repaired text"
    _say_encoding(f"{where}: attributes are {found.upper()} but {why}; decoded as {found.upper()}. Fix: {fix}.",
                  path, layer, report)
    return gdf


def _say_encoding(msg: str, path: Path, layer: str | None, report: ProblemReport | None) -> None:
    warnings.warn(msg, DataRepairWarning, stacklevel=4)
    if report is not None:
        report.add("warning", msg.split(": ", 1)[1], source=path.name, layer=layer, code="text_encoding")


def _declare_crs(gdf: gpd.GeoDataFrame, crs: Any, frame: str | None, where: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        if crs is None and frame is None:
            msg = (f"{where} has no coordinate reference system (no .prj, or an undefined SRS). Declare it: "
                   "read_layer(..., crs='EPSG:4544') for CGCS2000 metres (3-degree Gauss-Kruger CM 105E; the zone "
                   "of your city's longitude, EPSG:4534–4554, elsewhere), crs='EPSG:4326' for lon/lat degrees; or "
                   "fix the .prj / in QGIS Layer → Set CRS and export.")
            raise CRSError(msg)
        return gdf.set_crs(crs if crs is not None else "EPSG:4326")
    if crs is None:
        return gdf
    given = CRS.from_user_input(crs)
    if gdf.crs.equals(given, ignore_axis_order=True):
        return gdf
    x, y = _corners(gdf)
    if len(x) and not fits(x, y, gdf.crs).all() and fits(x, y, given).all():
        warnings.warn(f"{where} declares {gdf.crs.to_string()}, but its coordinates only fit the crs={crs!r} you "
                      f"passed; using {given.to_string()}. Fix the file's .prj (QGIS: Layer → Set CRS, then export).",
                      CRSWarning, stacklevel=3)
        return gdf.set_crs(given, allow_override=True)
    warnings.warn(f"{where} declares {gdf.crs.to_string()} but crs={crs!r} ({given.to_string()}) was passed; "
                  f"the file's CRS is used. To convert the layer, use gdf.to_crs({crs!r}); if the file is wrong, "
                  "fix its .prj.", CRSWarning, stacklevel=3)
    return gdf


def _corners(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Both corners of every feature's bounds, shape (n, 2) each (NaN for empty geometries)."""
    b = shapely.bounds(gdf.geometry.values)
    return b[:, [0, 2]], b[:, [1, 3]]


def _swap(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_geometry(shapely.transform(gdf.geometry.values, lambda c: c[:, ::-1]))


def read_layer(
    path: str | Path,
    layer: str | None = None,
    *,
    crs: Any = None,
    frame: str | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    repair: bool = True,
    report: ProblemReport | None = None,
) -> gpd.GeoDataFrame:
    """Read a GIS layer (GeoPackage, GeoJSON, Shapefile, zipped Shapefile) the way offices send them.

    Parameters
    ----------
    path : str or Path
        The file.
    layer : str, optional
        Layer name (a GeoPackage with several layers); default the first.
    crs : optional
        CRS to assume when the file declares none (``"EPSG:4544"``, ``"EPSG:4326"``). When the
        file declares another one, the file wins and a :class:`CRSWarning` says so — unless the
        coordinates fit only ``crs``, then ``crs`` wins (also with a warning).
    frame : {"gcj02", "bd09"}, optional
        The lon/lat were picked on Amap/Gaode (``"gcj02"``) or Baidu (``"bd09"``): converted to
        WGS84 on read (a file without CRS is then taken as lon/lat). The result records it in
        ``attrs["zy_source_frame"]`` and, if given, in ``report``.
    encoding : str, optional
        Attribute encoding (``"GBK"``, ``"UTF-8"``); by default detected: GBK shapefiles
        without or with a wrong ``.cpg`` are decoded correctly with a :class:`DataRepairWarning`.
    swap_xy : bool
        Swap x and y of every coordinate (lat/lon given as lon/lat, X = northing survey data).
    repair : bool
        Repair invalid geometries with ``shapely.make_valid`` (a :class:`DataRepairWarning`
        names each; polygons keep only their polygonal parts). If False, invalid features are
        listed in ``report`` and left out, or, without a report, raise :class:`InputError`.
    report : ProblemReport, optional
        Where to add problems (``row`` is the feature's FID). Features without usable
        geometry are listed there and left out; without a report a warning lists them.

    Returns
    -------
    GeoDataFrame
        In the file's CRS (EPSG:4326 after a ``frame`` conversion), index 0…n-1 in file order
        (rows left out keep their gap).

    Raises
    ------
    CRSError
        No CRS and no ``crs=``; coordinates swapped or outside the CRS's area (the message
        says what was found, what was expected and the fix).
    InputError
        The file or layer cannot be read.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, pathlib
    >>> from shapely.geometry import Point
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "picked.gpkg"
    >>> gpd.GeoDataFrame(geometry=[Point(104.6294027859, 30.128152176)], crs="EPSG:4326").to_file(p)
    >>> g = read_layer(p, frame="gcj02")
    >>> round(float(g.geometry.x.iloc[0]), 9), g.attrs["zy_source_frame"]
    (104.627, 'gcj02')
    """
    return _read_layer(path, layer, crs=crs, frame=frame, encoding=encoding, swap_xy=swap_xy, repair=repair,
                       report=report)[0]


def _read_layer(path: str | Path, layer: str | None, *, crs: Any = None, frame: str | None = None,
                encoding: str | None = None, swap_xy: bool = False, repair: bool = True,
                report: ProblemReport | None = None) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """:func:`read_layer`, plus the FID of each row returned (for problems that name features)."""
    path = Path(path)
    if not path.exists():
        msg = f"`{path}` does not exist; check the path."
        raise InputError(msg)
    where = _where(path, layer)
    if frame is not None and normalize_frame(frame) not in FRAMES:
        msg = f"frame must be one of {FRAMES} (Amap/Gaode → 'gcj02', Baidu → 'bd09'), found {frame!r}."
        raise InputError(msg)
    gdf = _decode(path, layer, encoding, where, report)
    fids = gdf.index.to_numpy()
    gdf = gpd.GeoDataFrame(gdf.reset_index(drop=True), geometry="geometry", crs=gdf.crs)
    labels = feature_labels(gdf, fids)
    gdf = _declare_crs(gdf, crs, frame, where)
    if swap_xy:
        gdf = _swap(gdf)
    x, y = _corners(gdf)
    problem = coordinate_problem(x, y, gdf.crs, where=where, labels=labels)
    if problem:
        raise CRSError(problem)
    gdf = clean_geometry(gdf, fids, labels, where=where, source=path.name, layer=layer, repair=repair,
                         report=report)
    if frame is not None:
        src = normalize_frame(frame)
        gdf = from_frame(gdf, src)
        gdf.attrs[SOURCE_FRAME_ATTR] = src
        note = f"coordinates picked in {src} converted to WGS84 (EPSG:4326) on read"
        logger.info("%s: %s", where, note)
        if report is not None:
            report.add("info", note, source=path.name, layer=layer, code="frame_converted")
    return gdf, fids[gdf.index.to_numpy()]


def _sniff_delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None) -> pd.DataFrame:
    r"""Read a plain CSV/TXT (encoding and delimiter detected) or Excel sheet, every column as text.

    Codes stay strings (``"512002001"``, ``"0012"``); empty cells are missing (NaN); "NA" and
    "null" stay text. The encoding found is in ``attrs["encoding"]``. Ledgers with title rows and
    merged headers are read by :func:`zy_geo.ledger.read.read_ledger`, not here.

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.txt``, ``.tsv`` (UTF-8, UTF-8-BOM, UTF-16 or GBK/GB18030; comma, semicolon,
        tab or bar) or ``.xlsx``/``.xlsm``.
    sheet : str or int, optional
        Excel sheet name or 0-based position; default the first.
    encoding : str, optional
        Force a text encoding instead of detecting it.

    Returns
    -------
    pandas.DataFrame
        All columns of dtype object holding ``str`` (or NaN for empty cells).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("编号,户数\n0012,120\n".encode("gbk"))
    >>> t = read_table(p)
    >>> t.to_dict("records"), t.attrs["encoding"]
    ([{'编号': '0012', '户数': '120'}], 'gb18030')
    """
    path = Path(path)
    if not path.exists():
        msg = f"`{path}` does not exist; check the path."
        raise InputError(msg)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(path, sheet)
    if suffix == ".xls":
        msg = f"`{path.name}` is an old .xls workbook; save it as .xlsx (Excel: File → Save As → .xlsx)."
        raise InputError(msg)
    if suffix not in (".csv", ".txt", ".tsv"):
        msg = f"`{path.name}`: read_table reads .csv, .txt, .tsv and .xlsx; found {suffix or 'no extension'}."
        raise InputError(msg)
    raw = path.read_bytes()
    enc = encoding or detect_bytes_encoding(raw)
    try:
        text = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        msg = (f"`{path.name}` cannot be decoded as {enc} ({exc}); pass encoding='GBK' or encoding='UTF-8', "
               "or save it from Excel as 'CSV UTF-8'.")
        raise InputError(msg) from exc
    try:
        df = pd.read_csv(_io.StringIO(text), sep=_sniff_delimiter(text), dtype=str, keep_default_na=False,
                         na_values=[""], skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"`{path.name}` is not a readable table ({exc}); check that every row has as many fields as the header."
        raise InputError(msg) from exc
    df.attrs["encoding"] = enc
    return df


def _read_excel(path: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(n) for n in book.sheet_names]
    except Exception as exc:  # empty, not a zip, damaged XML: zipfile, lxml and openpyxl each raise their own
        msg = (f"`{path.name}` cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}); "
               "open it in Excel and save it again as .xlsx.")
        raise InputError(msg) from exc
    if (isinstance(sheet, str) and sheet not in names) or (isinstance(sheet, int) and not 0 <= sheet < len(names)):
        msg = f"`{path.name}` has no sheet {sheet!r}; its sheets are: {', '.join(names)}."
        raise InputError(msg)
    df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str, keep_default_na=False,
                       na_values=[""], engine="openpyxl")
    df.attrs["encoding"] = "xlsx"
    return df


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Floats from text that may hold full-width digits, thousands separators, blanks.

    Returns the floats (NaN where missing or unreadable) and a mask of unreadable entries.
    """
    text = values.map(lambda v: v if not isinstance(v, str) else
                      unicodedata.normalize("NFKC", v).replace(",", "").replace(" ", "").strip())
    blank = text.isna() | (text.astype(str).str.len() == 0) if len(text) else text.isna()
    num = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=float)
    return num, (np.isnan(num) & ~blank.to_numpy())


def points_from_table(
    df: pd.DataFrame,
    *,
    x: str = "lon",
    y: str = "lat",
    crs: Any = "EPSG:4326",
    frame: str | None = None,
    swap_check: bool = True,
    where: str = "table",
    report: ProblemReport | None = None,
) -> gpd.GeoDataFrame:
    """Points from coordinate columns, checking the axis order (X = northing survey tables).

    Parameters
    ----------
    df : pandas.DataFrame
        E.g. from :func:`read_table`; coordinates as numbers or text (full-width digits and
        thousands separators are read).
    x, y : str
        Columns of x (longitude / easting) and y (latitude / northing). Chinese survey tables
        call the *northing* X: then pass ``x="Y", y="X"``.
    crs : str
        CRS of the coordinates (``"EPSG:4326"``, ``"EPSG:4544"`` …).
    frame : {"gcj02", "bd09"}, optional
        The points were picked on Amap/Baidu: converted to WGS84.
    swap_check : bool
        Raise :class:`CRSError` when the coordinates look swapped or do not fit ``crs``.
    where : str
        File name for messages.
    report : ProblemReport, optional
        Unreadable coordinates become errors there (else :class:`InputError` lists them all);
        rows without coordinates become warnings. Both keep a null geometry.

    Returns
    -------
    GeoDataFrame
        ``df``'s columns and index, plus point geometry (null where there is none).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"X": ["3334000", "3334100"], "Y": ["462000", "462050"]})
    >>> points_from_table(t, x="Y", y="X", crs="EPSG:4544").geometry.x.tolist()
    [462000.0, 462050.0]
    """
    missing_cols = [c for c in (x, y) if c not in df.columns]
    if missing_cols:
        msg = (f"{where}: no column {', '.join(map(repr, missing_cols))} for the coordinates; the columns are "
               f"{', '.join(map(str, df.columns))}. Pass x= and y= (e.g. x='经度', y='纬度').")
        raise InputError(msg)
    xs, bad_x = _numbers(df[x])
    ys, bad_y = _numbers(df[y])
    problems = ProblemReport()
    for col, bad, raw in ((x, bad_x, df[x]), (y, bad_y, df[y])):
        for pos in np.flatnonzero(bad):
            problems.add("error", f"{raw.iloc[pos]!r} is not a coordinate", source=where, row=int(pos) + 1,
                         column=str(col), value=raw.iloc[pos], code="not_a_number",
                         fix="enter a decimal number, e.g. 104.627 or 3334000.5")
    has = ~np.isnan(xs) & ~np.isnan(ys)
    for pos in np.flatnonzero(~has & ~bad_x & ~bad_y):
        problems.add("warning", "no coordinates", source=where, row=int(pos) + 1, column=f"{x}/{y}",
                     code="no_coordinates", fix="fill in both coordinates or place the row by address")
    if problems.errors and report is None:
        msg = f"{where}: {len(problems.errors)} coordinate(s) cannot be read:\n{problems.format(limit=20)}"
        raise InputError(msg, report=problems)
    if report is not None:
        report.extend(problems)
    if swap_check:
        labels = [f"row {i + 1}" for i in range(len(df))]
        problem = coordinate_problem(np.where(has, xs, np.nan), np.where(has, ys, np.nan), crs,
                                     where=f"{where} columns {x}/{y}", labels=labels, unit="rows")
        if problem:
            raise CRSError(problem)
    geoms = np.where(has, shapely.points(np.nan_to_num(xs), np.nan_to_num(ys)), None)
    gdf = gpd.GeoDataFrame(df.copy(), geometry=gpd.GeoSeries(geoms, index=df.index, crs=crs), crs=crs)
    if frame is not None:
        gdf = from_frame(gdf, frame)
        gdf.attrs[SOURCE_FRAME_ATTR] = normalize_frame(frame)
    return gdf


def _checked_frames(frames: Mapping[str, str] | None, layers: Sequence[str], path: Path) -> dict[str, str]:
    """``frames`` with canonical frame names, or an InputError naming the layers present and the frames known."""
    if not frames:
        return {}
    unknown = [str(n) for n in frames if n not in layers]
    if unknown:
        msg = (f"`{path.name}` has no layer {', '.join(repr(n) for n in unknown)} to convert from a display frame "
               f"(frames= / --frame); its layers are {', '.join(repr(n) for n in layers)}. Fix: name one of "
               f"those, e.g. --frame {'compounds' if 'compounds' in layers else layers[0]}=gcj02.")
        raise InputError(msg)
    out = {}
    for name, frame in frames.items():
        canon = normalize_frame(str(frame))
        if canon not in FRAMES:
            msg = (f"the frame {frame!r} given for layer {name!r} is not one zy_geo converts: use 'gcj02' "
                   f"(picked on Amap/Gaode or Tencent) or 'bd09' (Baidu), e.g. --frame {name}=gcj02; layers in "
                   "WGS84 or CGCS2000 need no frame.")
            raise InputError(msg)
        out[str(name)] = canon
    return out


def read_city(path: str | Path, *, report: ProblemReport | None = None, required: Sequence[str] = (),
              bounds: Bounds | None = None, metric_crs: str | None = None,
              frames: Mapping[str, str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    r"""Every spatial layer of a city GeoPackage, all in one metric CRS, each checked against its contract.

    This is the door through which city data enters: each layer of :data:`zy_geo.schema.CITY_LAYERS`
    is checked against :data:`zy_geo.contracts.CITY_CONTRACTS` (geometry type, required columns,
    unique filled ids, numbers within ``bounds``, personal data masked) and normalised (the streets'
    ``code`` becomes ``street_code``), so the analysis trusts what it gets.

    All layers go into one metric CRS: by default the CGCS2000 3-degree Gauss-Krüger zone of the
    whole city's extent (:func:`zy_geo.crs.choose_metric_crs`: EPSG:4544 in Ziyang, EPSG:4549 in
    Shanghai; WGS84 UTM outside China), so lengths and areas are true to < 0.1 % at any longitude.
    Every layer records it in ``attrs``: ``"zy_metric_crs"`` (the CRS), ``"zy_metric_crs_how"``
    (``"auto"``, ``"given"`` or ``"default"``) and ``"zy_metric_crs_note"`` (why, for the outputs).

    Parameters
    ----------
    path : str or Path
        A GeoPackage such as ``zy-geo sample`` writes.
    report : ProblemReport, optional
        Gets every problem: those of :func:`read_layer` for each layer and those of the contracts.
        Without one, contract warnings are issued as a :class:`~zy_geo.errors.DataRepairWarning`.
    required : sequence of str
        Layers the caller cannot do without; a missing one is an error naming the layers present.
    bounds : Bounds, optional
        Plausible ranges of households, floors, built year … (default :class:`zy_geo.contracts.Bounds`).
    metric_crs : str, optional
        ``"auto"`` or None: the zone of the city's extent (a :class:`~zy_geo.errors.CRSWarning` when the
        city is too wide for one zone). Else a projected CRS in metres (``"EPSG:4549"``) used as given
        (a warning when it measures the city more than 0.1 % off).
    frames : mapping of str to str, optional
        Layer name → ``"gcj02"`` / ``"bd09"`` for layers picked on Amap/Gaode, Tencent or Baidu and saved
        as lon/lat: converted to WGS84 on read (:func:`read_layer` ``frame=``), recorded in the layer's
        ``attrs["zy_source_frame"]`` and as an ``info`` in ``report``.

    Returns
    -------
    dict of str to GeoDataFrame
        The layers of :data:`zy_geo.schema.CITY_LAYERS` that are present, in that order, then
        any other spatial layer (not checked); non-spatial tables are skipped.

    Raises
    ------
    InputError
        A layer breaks its contract: every problem of every layer is listed, each with the file,
        layer, feature (FID), column and fix, and ``.report`` carries the whole report. Also when
        the file cannot be opened, a ``required`` layer is missing, ``frames`` names a layer the file
        does not have or a frame zy_geo does not know, or ``metric_crs`` is not a projected CRS in metres.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, pathlib
    >>> from shapely.geometry import box
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "city.gpkg"
    >>> gpd.GeoDataFrame({"code": ["512002001"], "street": ["莲花街道"]},
    ...                  geometry=[box(462000, 3334000, 462100, 3334100)], crs="EPSG:4544").to_file(p, layer="streets")
    >>> streets = read_city(p)["streets"]
    >>> streets.columns.tolist(), float(streets.area.iloc[0])
    (['street_code', 'street', 'geometry'], 10000.0)
    >>> streets.attrs["zy_metric_crs"], streets.attrs["zy_metric_crs_how"]  # Ziyang: the zone of CM 105E
    ('EPSG:4544', 'auto')
    >>> gpd.GeoDataFrame({"compound_id": ["a", None], "households": [-500, 60]},
    ...                  geometry=[box(462000, 3334000, 462050, 3334050)] * 2,
    ...                  crs="EPSG:4544").to_file(p, layer="compounds")
    >>> try:
    ...     read_city(p)
    ... except InputError as exc:
    ...     print(*[f"{e.layer} FID {e.row} {e.column}: {e.code}" for e in exc.report.errors], sep="\n")
    compounds FID 2 compound_id: missing_id
    compounds FID 1 households: out_of_range
    """
    path = Path(path)
    if not path.exists():
        msg = f"`{path}` does not exist; check the path (generate a sample with `zy-geo sample --out DIR`)."
        raise InputError(msg)
    try:
        with gdal_reading(path) as source:
            listed = pyogrio.list_layers(source)
    except Exception as exc:
        msg = f"`{path.name}` cannot be opened as a GeoPackage ({exc})."
        raise InputError(msg) from exc
    spatial = [str(name) for name, geom_type in listed if geom_type is not None]
    order = [n for n in CITY_LAYERS if n in spatial] + [n for n in spatial if n not in CITY_LAYERS]
    if not order:
        msg = f"`{path.name}` has no spatial layer; expected some of: {', '.join(CITY_LAYERS)}."
        raise InputError(msg)
    missing = [n for n in required if n not in spatial]
    if missing:
        msg = (f"`{path.name}` has no layer {', '.join(repr(n) for n in missing)}, which this step needs; "
               f"it has {', '.join(repr(n) for n in order)}. Add the layer (names as in zy_geo.schema.CITY_LAYERS) "
               "or rename yours.")
        raise InputError(msg)
    frames = _checked_frames(frames, order, path)
    raw = {name: _read_layer(path, name, frame=frames.get(name), report=report) for name in order}
    choice = choose_metric_crs({name: gdf for name, (gdf, _) in raw.items()}, metric_crs, what=f"`{path.name}`",
                               stacklevel=3)
    logger.info("`%s`: measuring in %s", path.name, choice.note)
    if report is not None:
        report.add("info", f"measured in {choice.note}", source=path.name, code="metric_crs")
    checked = ProblemReport()
    layers = {}
    for name in order:
        gdf, fids = raw.pop(name)
        gdf = to_metric(gdf, crs=choice.crs)
        if name in CITY_CONTRACTS:
            gdf = CITY_CONTRACTS[name].check(gdf, source=path.name, bounds=bounds, report=checked, fids=fids)
        _record(gdf, choice, frames.get(name))
        layers[name] = gdf
        if name in required and gdf.empty:
            checked.add("error", f"the `{name}` layer has no features, and this step needs them", source=path.name,
                        layer=name, code="empty_layer",
                        fix=f"add the {name} polygons to the layer (or read another city file)")
    if report is not None:
        report.extend(checked)
    raise_or_warn(checked, f"`{path.name}`", warn=report is None, carry=report)
    return layers


def _record(gdf: gpd.GeoDataFrame, choice: MetricChoice, frame: str | None) -> None:
    gdf.attrs[METRIC_CRS_ATTR] = choice.crs
    gdf.attrs[METRIC_HOW_ATTR] = choice.how
    gdf.attrs[METRIC_NOTE_ATTR] = choice.note
    if frame is not None:
        gdf.attrs[SOURCE_FRAME_ATTR] = frame


#: The keys of :func:`crs_record`, in the order outputs list them.
CRS_RECORD_KEYS = ("metric_crs", "metric_crs_name", "metric_crs_how", "metric_crs_note", "frames")
_HOW_ZH = {"auto": "自动（按数据范围所在的3度带）", "default": "默认（无要素可选带）", "given": "指定",
           "--metric-crs": "命令行指定（--metric-crs）"}


def crs_record(layers: Mapping[str, gpd.GeoDataFrame], *, source: str | None = None) -> dict[str, str]:
    """What the outputs say about the frames of a city read by :func:`read_city`.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        As :func:`read_city` returned them (their ``attrs`` carry the record).
    source : str, optional
        Where a given metric CRS came from (``"--metric-crs"``, ``"config `run.toml`"``); default "given".

    Returns
    -------
    dict of str to str
        ``metric_crs`` (``"EPSG:4549"``), ``metric_crs_name``, ``metric_crs_how`` (``"auto"``, ``"default"``
        or ``source``), ``metric_crs_note`` (why) and ``frames`` (each layer converted from GCJ-02/BD-09 on
        read, ``"none"`` when none was).

    Examples
    --------
    >>> import geopandas as gpd, tempfile, pathlib
    >>> from shapely.geometry import box
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "city.gpkg"
    >>> gpd.GeoDataFrame({"compound_id": ["a"]}, geometry=[box(121.47, 31.22, 121.475, 31.225)],
    ...                  crs="EPSG:4326").to_file(p, layer="compounds")
    >>> r = crs_record(read_city(p, frames={"compounds": "gcj02"}))
    >>> r["metric_crs"], r["metric_crs_how"], r["frames"]
    ('EPSG:4549', 'auto', 'compounds: gcj02 → WGS84 (EPSG:4326) on read')
    """
    first = next((g for g in layers.values() if METRIC_CRS_ATTR in g.attrs), None)
    if first is None:  # layers built by hand: their own CRS
        crs = next((g.crs for g in layers.values() if g.crs is not None), None)
        code = crs.to_string() if crs is not None else "unknown"
        how, note = "given", f"{code}, the layers' own CRS"
    else:
        code, how, note = first.attrs[METRIC_CRS_ATTR], first.attrs[METRIC_HOW_ATTR], first.attrs[METRIC_NOTE_ATTR]
    if how == "given" and source:
        how, note = source, f"{note} by {source}"
    name = CRS.from_user_input(code).name if code != "unknown" else "unknown"
    converted = [f"{n}: {g.attrs[SOURCE_FRAME_ATTR]} → WGS84 (EPSG:4326) on read" for n, g in layers.items()
                 if g.attrs.get(SOURCE_FRAME_ATTR)]
    return {"metric_crs": code, "metric_crs_name": name, "metric_crs_how": how, "metric_crs_note": note,
            "frames": "; ".join(converted) or "none"}


def crs_summary(record: Mapping[str, str]) -> str:
    """One line for the terminal: the metric CRS, why, and the layers converted on read.

    Examples
    --------
    >>> crs_summary({"metric_crs": "EPSG:4544", "metric_crs_note": "EPSG:4544 (…), given by --metric-crs",
    ...              "frames": "none"})
    'metric CRS: EPSG:4544 (…), given by --metric-crs'
    """
    line = f"metric CRS: {record.get('metric_crs_note') or record.get('metric_crs', '?')}"
    if record.get("frames", "none") != "none":
        line += f"; converted on read: {record['frames']}"
    return line


def crs_parameters(record: Mapping[str, str]) -> pd.DataFrame:
    """The rows of a 参数 sheet that say in which frames the outputs were computed.

    Parameters
    ----------
    record : mapping of str to str
        From :func:`crs_record`.

    Returns
    -------
    DataFrame
        Columns 适用范围, 类别, 参数, 名称, 取值, 来源 (as the proposal's 参数 sheet): the metric CRS
        and how it was chosen, and the layers converted from GCJ-02/BD-09 on read.

    Examples
    --------
    >>> rec = {"metric_crs": "EPSG:4549", "metric_crs_name": "CGCS2000 / 3-degree Gauss-Kruger CM 120E",
    ...        "metric_crs_how": "auto", "frames": "compounds: gcj02 → WGS84 (EPSG:4326) on read"}
    >>> crs_parameters(rec)[["参数", "取值", "来源"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['metric_crs', 'EPSG:4549（CGCS2000 / 3-degree Gauss-Kruger CM 120E）', '自动（按数据范围所在的3度带）'],
     ['frames', 'compounds: gcj02 → WGS84 (EPSG:4326) on read', '读取时换算']]
    """
    how = str(record.get("metric_crs_how", ""))
    how_zh = _HOW_ZH.get(how) or (f"配置文件指定（{how}）" if how.startswith("config") else how)
    frames = str(record.get("frames", "none"))
    rows = [("全市", "crs", "metric_crs", "量算坐标系",
             f"{record.get('metric_crs', '')}（{record.get('metric_crs_name', '')}）", how_zh),
            ("全市", "crs", "frames", "GCJ-02/BD-09 图层换算", "无" if frames == "none" else frames,
             "读取时换算" if frames != "none" else "—")]
    return pd.DataFrame(rows, columns=["适用范围", "类别", "参数", "名称", "取值", "来源"])
