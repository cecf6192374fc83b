"""The door out: every file zy_geo writes goes through here, made safe the same way.

An :class:`OutputFolder` is where one command writes. It

* resolves every output path and refuses one that leaves the folder (ids become file names through
  :func:`safe_filename`: deterministic, unique, never a path);
* refuses to write over an input of the same command;
* reuses an existing folder only when it is empty, holds only files zy_geo wrote there (its manifest
  ``.zy_geo-manifest.json`` lists them with their sha256) or the caller says ``force``; a file that
  was edited by hand since zy_geo wrote it is not overwritten without ``force`` either;
* writes each file under a temporary name and renames it, so a failure never leaves a half-written
  output, and removes (or lists, when asked to keep them) the files an earlier run wrote that this
  run did not (stale plans the index no longer lists);
* writes spreadsheet and CSV cells that begin with ``= + - @`` (or tab/CR) as text, never as a live
  formula (OWASP's CSV-injection guidance), strips control and bidi characters (which xlsx and docx
  cannot hold, and which disguise text in HTML), and makes sheet names valid and unique.

The functions :func:`clean_text`, :func:`neutralise_formula`, :func:`sheet_names` and
:func:`safe_filename` are the same rules for callers that build documents themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._gdal import gdal_writing
from .errors import UsageError

__all__ = [
    "MANIFEST",
    "OutputFolder",
    "clean_text",
    "neutralise_formula",
    "safe_filename",
    "sheet_names",
    "single_file",
    "writing",
]

#: The manifest that lists what zy_geo wrote into a folder.
MANIFEST = ".zy_geo-manifest.json"

# XML 1.0 forbids C0 controls except tab, LF, CR; openpyxl and python-docx raise on them. Unicode
# bidirectional overrides and isolates are removed too: they reorder what a reader sees (a name that
# displays as one thing and is another).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FILE_KEEP = re.compile(r"[^0-9A-Za-z_.\-\u3400-\u4dbf\u4e00-\u9fff]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_MAX_CELL = 32_767  # Excel's limit on the characters in one cell


def clean_text(value: Any) -> Any:
    r"""Drop the control and bidi characters that xlsx/docx cannot hold or that disguise text.

    Parameters
    ----------
    value : object
        Anything; only strings are changed.

    Returns
    -------
    object
        The string without C0 control characters (tab, LF and CR stay), DEL, or bidi overrides,
        cut to Excel's 32,767 characters; other values unchanged.

    Examples
    --------
    >>> clean_text("莲花\x00小区\u202e")
    '莲花小区'
    >>> clean_text(12)
    12
    """
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value)[:_MAX_CELL]


def neutralise_formula(value: Any) -> Any:
    r"""A text cell that a spreadsheet would run as a formula, prefixed with ``'`` so it stays text.

    Parameters
    ----------
    value : object
        A cell value; only strings that begin with ``= + - @``, tab or CR are changed.

    Returns
    -------
    object

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x","点我")')
    '\'=HYPERLINK("http://x","点我")'
    >>> neutralise_formula("莲花小区"), neutralise_formula(-5)
    ('莲花小区', -5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_filename(name: Any, *, used: set[str] | None = None, suffix: str = "", max_len: int = 80) -> str:
    r"""A file name made from an id: deterministic, unique in ``used``, never a path.

    Letters, digits, ``_ . -`` and Chinese characters are kept; anything else (``/``, ``\``, ``..``,
    spaces, controls) becomes ``_``. When the name had to change, or is already in ``used``, a short
    hash of the original id is appended, so two ids never share a file and the same id always gets
    the same name.

    Parameters
    ----------
    name : object
        The id (``compound_id``, ``area_id``, …).
    used : set of str, optional
        Names (with suffix, compared case-insensitively) already taken; the result is added to it.
    suffix : str
        Extension to append, e.g. ``".docx"``.
    max_len : int
        Longest stem kept before the hash.

    Returns
    -------
    str

    Examples
    --------
    >>> safe_filename("512002001-A001", suffix=".docx")
    '512002001-A001.docx'
    >>> safe_filename("../../../x", suffix=".docx")
    'x-23051e81.docx'
    >>> used = set()
    >>> safe_filename("a/b", used=used), safe_filename("a_b", used=used), safe_filename("A_B", used=used)
    ('a_b-3ec69c85', 'a_b', 'A_B-c0cd2118')
    """
    original = "" if name is None else str(name)
    stem = unicodedata.normalize("NFC", _CONTROL.sub("", original))
    stem = _FILE_KEEP.sub("_", stem).strip("._- ")[:max_len] or "unnamed"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    digest = hashlib.sha1(original.encode("utf-8", "surrogatepass")).hexdigest()
    taken = {u.lower() for u in used} if used is not None else set()
    if stem != original or f"{stem}{suffix}".lower() in taken:
        stem = f"{stem}-{digest[:8]}"
    k = 8
    while f"{stem}{suffix}".lower() in taken:  # the same sanitised stem and hash prefix: lengthen the hash
        k += 4
        stem = f"{stem.rsplit('-', 1)[0]}-{digest[:k]}"
    out = f"{stem}{suffix}"
    if used is not None:
        used.add(out)
    return out


def sheet_names(names: Iterable[Any]) -> list[str]:
    r"""Valid, unique worksheet names for ``names``, in order.

    Excel forbids ``[ ] : * ? / \``, a leading or trailing apostrophe, empty names and more than 31
    characters, and treats names case-insensitively; two long names that agree in their first 31
    characters would otherwise overwrite each other's rows.

    Parameters
    ----------
    names : iterable
        Wanted names (e.g. responsible bodies).

    Returns
    -------
    list of str

    Examples
    --------
    >>> sheet_names(["雁江区", "a/b:c", "x" * 40, "x" * 35, "History"])
    ['雁江区', 'a_b_c', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxx(2)', 'History_']
    """
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = _SHEET_BAD.sub("_", clean_text(str(name)).replace("\n", " ")).strip("'").strip() or "Sheet"
        if base.lower() == "history":  # reserved by Excel
            base += "_"
        base = base[:31]
        candidate, n = base, 1
        while candidate.lower() in seen:
            n += 1
            tag = f"({n})"
            candidate = base[: 31 - len(tag)] + tag
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex (the manifest, input provenance and proposal records)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _resolved(p: str | Path) -> Path:
    if "\x00" in str(p):  # the OS would raise ValueError: embedded null byte
        msg = f"{str(p)!r} holds a NUL character, which no file name can; choose another name."
        raise UsageError(msg)
    return Path(os.path.abspath(Path(p).expanduser()))


@contextlib.contextmanager
def _os_errors(path: Path) -> Iterator[None]:
    """An OSError while making or writing ``path`` is a usage error that names the path, not a traceback.

    A name too long, no permission, a file where a folder should be, a full disk.
    """
    try:
        yield
    except OSError as exc:
        msg = (f"cannot write `{path}`: {exc.strerror or exc}. Choose another --out: a folder you may write "
               "to, with a shorter name.")
        raise UsageError(msg) from exc


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _text_frame(df: pd.DataFrame, *, formulas: bool) -> pd.DataFrame:
    """Strings cleaned (and neutralised for CSV) in cells, header and index; numbers untouched."""
    def text(v: Any) -> Any:
        if formulas and isinstance(v, float) and v == -math.inf:
            return "'-inf"  # pandas writes '-inf', which Excel reads as a formula (#NAME?)
        v = clean_text(v)
        return neutralise_formula(v) if formulas else v

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):  # cleaning may merge or rename categories
            s = s.astype(object)
        if formulas and pd.api.types.is_float_dtype(s) and bool((s == -math.inf).fillna(False).any()):
            s = s.astype(object)
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            dtype = s.dtype
            out[col] = s.map(text).astype(dtype)  # an all-empty text column stays text (a String field in QGIS)
    out.columns = _labels(out.columns, text)
    out.index = _labels(out.index, text)
    return out


def _labels(index: pd.Index, text: Any) -> pd.Index:
    """Header or index labels (and their names) through ``text``; a header row is cells too."""
    names = [text(n) for n in index.names]
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(text(v) for v in t) for t in index], names=names)
    if index.dtype == object or pd.api.types.is_string_dtype(index) or isinstance(index.dtype, pd.CategoricalDtype):
        return pd.Index([text(v) for v in index], name=names[0], dtype=object)
    return index.rename(names[0])


class OutputFolder:
    """Where one command writes: paths kept inside, inputs protected, writes atomic, a manifest kept.

    Parameters
    ----------
    root : str or Path
        The output folder (created when missing).
    inputs : iterable of path, optional
        The command's input files; an output that is one of them is refused.
    force : bool
        Reuse a folder that holds other files, and overwrite files edited by hand.
    keep_stale : bool
        Keep the files an earlier run wrote and this run did not (they are listed in :attr:`stale`
        instead of removed).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> out = OutputFolder(tempfile.mkdtemp())
    >>> p = out.write_csv(pd.DataFrame({"名称": ["=1+1", "莲花"]}), "t.csv")
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['名称', "'=1+1", '莲花']
    >>> out.path("../escape.csv")
    Traceback (most recent call last):
    ...
    zy_geo.errors.UsageError: `../escape.csv` would be written outside the output folder ...
    >>> out.finish()
    []
    """

    def __init__(self, root: str | Path, *, inputs: Iterable[str | Path] = (), force: bool = False,
                 keep_stale: bool = False) -> None:
        self.root: Path = _resolved(root)
        self.force = force
        self.keep_stale = keep_stale
        self.written: dict[str, str] = {}
        self.stale: list[Path] = []
        self._inputs = [_resolved(p) for p in inputs]
        with _os_errors(self.root):
            if self.root.exists() and not self.root.is_dir():
                msg = f"`{self.root}` is a file, not a folder: choose a folder for --out."
                raise UsageError(msg)
            for inp in self._inputs:
                if inp == self.root or _same_file(inp, self.root):
                    msg = f"the output folder `{self.root}` is an input of this command; choose another --out."
                    raise UsageError(msg)
            self._previous = self._read_manifest()
            self._check_reuse()
            self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"OutputFolder({str(self.root)!r}, written={len(self.written)})"

    # -- the folder ------------------------------------------------------------------------------
    def _read_manifest(self) -> dict[str, str]:
        path = self.root / MANIFEST
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = data["files"]
            if not isinstance(files, dict):
                raise TypeError
            return {str(k): str(v) for k, v in files.items()}
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            if self.force:
                return {}
            msg = (f"`{path}` is not a zy_geo manifest (unreadable); remove it, or pass --force to write into "
                   f"`{self.root}` anyway.")
            raise UsageError(msg) from None

    def _check_reuse(self) -> None:
        if not self.root.is_dir() or self.force:
            return
        foreign = []
        for p in sorted(self.root.rglob("*")):
            if p.is_dir() or p.name == MANIFEST:
                continue
            rel = p.relative_to(self.root).as_posix()
            if rel not in self._previous:
                foreign.append(rel)
        if foreign:
            shown = ", ".join(f"`{f}`" for f in foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5
                                                                 else "")
            msg = (f"the output folder `{self.root}` already holds files zy_geo did not write there ({shown}); "
                   "choose an empty or new folder for --out, or pass --force to write into it anyway.")
            raise UsageError(msg)

    def path(self, relpath: str | Path) -> Path:
        """The absolute path of ``relpath`` inside the folder; refused when it leaves it or is an input.

        Parameters
        ----------
        relpath : str or Path
            Relative path (``"plans/index.html"``); make names from ids with :func:`safe_filename`.

        Returns
        -------
        Path
        """
        rel = Path(relpath)
        target = _resolved(self.root / rel)
        if rel.is_absolute() or (target != self.root and self.root not in target.parents):
            msg = (f"`{relpath}` would be written outside the output folder `{self.root}`; "
                   "output names must be relative and stay inside it.")
            raise UsageError(msg)
        with _os_errors(target):
            for inp in self._inputs:
                if target == inp or _same_file(target, inp):
                    msg = (f"`{target}` is an input of this command and would be overwritten; "
                           "choose another output folder or file name.")
                    raise UsageError(msg)
            key = target.relative_to(self.root).as_posix()
            if target.exists() and not self.force and key in self._previous and key not in self.written \
                    and sha256_of(target) != self._previous[key]:
                msg = (f"`{target}` was changed since zy_geo wrote it (edited by hand?); move it away to keep "
                       "your edits, or pass --force to overwrite it.")
                raise UsageError(msg)
        return target

    @contextlib.contextmanager
    def atomic(self, relpath: str | Path) -> Iterator[Path]:
        """Yield a temporary path beside the target; on success rename it over the target and record it.

        Parameters
        ----------
        relpath : str or Path
            Where the file goes, relative to the folder.

        Yields
        ------
        Path
            Write the whole file here (same suffix as the target, so writers pick the right format).
        """
        target = self.path(relpath)
        tmp = target.with_name(f".{target.stem}.partial-{os.getpid()}{target.suffix}")
        with _os_errors(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                yield tmp
                os.replace(tmp, target)
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            self.written[target.relative_to(self.root).as_posix()] = sha256_of(target)

    def finish(self) -> list[Path]:
        """Remove (or list) stale files an earlier run wrote, and write the manifest.

        Returns
        -------
        list of Path
            The stale files: removed, or kept when ``keep_stale``.
        """
        stale = []
        for rel in sorted(set(self._previous) - set(self.written)):
            p = self.root / rel
            if p.is_file():
                stale.append(p)
                if not self.keep_stale:
                    p.unlink()
        for d in sorted({p.parent for p in stale}, key=lambda d: len(d.parts), reverse=True):
            with contextlib.suppress(OSError):
                if d != self.root and not any(d.iterdir()):
                    d.rmdir()
        self.stale = stale
        files = dict(self.written)
        if self.keep_stale:
            files |= {k: v for k, v in self._previous.items() if (self.root / k).is_file() and k not in files}
        manifest = {"written_by": "zy_geo", "files": dict(sorted(files.items()))}
        tmp = self.root / f".{MANIFEST}.partial-{os.getpid()}"
        with _os_errors(self.root / MANIFEST):
            tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, self.root / MANIFEST)
        return stale

    # -- writers -----------------------------------------------------------------------------------
    def write_text(self, text: str, relpath: str | Path) -> Path:
        """Write UTF-8 text without control or bidi characters (HTML: escape data before it gets here).

        A raw ESC or bidi override from a compound name would otherwise reach the page: a parse error in
        HTML, and text that displays as one thing and is another.
        """
        with self.atomic(relpath) as tmp:
            tmp.write_text(_CONTROL.sub("", text), encoding="utf-8")
        return self.path(relpath)

    def write_bytes(self, data: bytes, relpath: str | Path) -> Path:
        """Write bytes (e.g. a PNG rendered in memory)."""
        with self.atomic(relpath) as tmp:
            tmp.write_bytes(data)
        return self.path(relpath)

    def write_csv(self, df: pd.DataFrame, relpath: str | Path, *, index: bool = False) -> Path:
        r"""A CSV that Excel opens (UTF-8 with BOM, CRLF); text cells that start like a formula stay text.

        Rows end in CRLF as Excel writes them, so a cell holding a CR is quoted: with LF endings pandas
        left ``莲花\r=cmd|' /C calc'!A0`` unquoted, and Excel began a new row with a live formula.
        """
        with self.atomic(relpath) as tmp:
            _text_frame(df, formulas=True).to_csv(tmp, index=index, encoding="utf-8-sig", lineterminator="\r\n")
        return self.path(relpath)

    def write_xlsx(self, sheets: Mapping[str, pd.DataFrame], relpath: str | Path, *,
                   style: Any = None, index: bool = False) -> Path:
        """A workbook, one sheet per entry; no cell is ever a formula.

        Parameters
        ----------
        sheets : mapping of str to DataFrame
            Wanted sheet name → table (names made valid and unique with :func:`sheet_names`).
        relpath : str or Path
            ``.xlsx`` file, relative to the folder.
        style : callable, optional
            ``style(worksheet, wanted_name, frame)`` to format each sheet (widths, number formats,
            bold totals) after the values are in.
        index : bool
            Write the frames' index.

        Returns
        -------
        Path
        """
        names = sheet_names(sheets)
        with self.atomic(relpath) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, (wanted, df) in zip(names, sheets.items(), strict=True):
                clean = _text_frame(df, formulas=False)
                clean.to_excel(xl, sheet_name=name, index=index)
                ws = xl.sheets[name]
                _text_not_formulas(ws)
                if style is not None:
                    style(ws, wanted, clean)
        return self.path(relpath)

    def write_workbook(self, book: Any, relpath: str | Path) -> Path:
        """Save an openpyxl workbook built elsewhere, with formulas turned to text and controls removed."""
        for ws in book.worksheets:
            _text_not_formulas(ws, clean=True)
        with self.atomic(relpath) as tmp:
            book.save(tmp)
        return self.path(relpath)

    def write_docx(self, doc: Any, relpath: str | Path) -> Path:
        """Save a python-docx ``Document`` (build it from :func:`clean_text`-ed strings)."""
        with self.atomic(relpath) as tmp:
            doc.save(str(tmp))
        return self.path(relpath)

    def write_figure(self, fig: Any, relpath: str | Path, **savefig: Any) -> Path:
        """Save a matplotlib figure (format from the suffix)."""
        with self.atomic(relpath) as tmp:
            fig.savefig(tmp, **savefig)
        return self.path(relpath)

    def write_gpkg(self, layers: Mapping[str, Any], relpath: str | Path, *,
                   metadata: Mapping[str, Mapping[str, str]] | None = None,
                   descriptions: Mapping[str, str] | None = None,
                   tables: Mapping[str, pd.DataFrame] | None = None) -> Path:
        """A GeoPackage with these layers (replacing the whole file); text fields cleaned.

        Parameters
        ----------
        layers : mapping of str to GeoDataFrame
            Layer name → layer. An empty layer is still written as a polygon layer, so QGIS shows it
            as one.
        relpath : str or Path
            ``.gpkg`` file, relative to the folder.
        metadata : mapping, optional
            Layer name → GDAL layer metadata (provenance, CRS note …).
        descriptions : mapping, optional
            Layer name → the GeoPackage description QGIS shows.
        tables : mapping of str to DataFrame, optional
            Table name → a non-spatial table (a GeoPackage attribute table, listed by QGIS beside the
            layers and opened as an attribute table), written after the layers.

        Every layer zy_geo knows (:func:`zy_geo.qgis.layer_style`) gets its default QGIS style in the
        file's ``layer_styles`` table, so QGIS opens it styled.

        Returns
        -------
        Path
        """
        import geopandas as gpd
        import pyogrio

        from .qgis import layer_style, write_layer_styles

        with self.atomic(relpath) as tmp:
            with gdal_writing(tmp) as dest:
                for name, gdf in layers.items():
                    geom = gdf.geometry.name
                    data = _text_frame(pd.DataFrame(gdf.drop(columns=geom)), formulas=False)
                    out = gpd.GeoDataFrame(data, geometry=gdf.geometry.values, crs=gdf.crs)
                    kw: dict[str, Any] = {"geometry_type": "MultiPolygon"} if gdf.empty else {}
                    if metadata and name in metadata:
                        kw["layer_metadata"] = dict(metadata[name])
                    if descriptions and name in descriptions:
                        kw["layer_options"] = {"DESCRIPTION": clean_text(descriptions[name])}
                    pyogrio.write_dataframe(out, dest, layer=name, driver="GPKG", **kw)
                for name, table in (tables or {}).items():
                    kw = {"layer_options": {"DESCRIPTION": clean_text(descriptions[name])}} \
                        if descriptions and name in descriptions else {}
                    pyogrio.write_dataframe(_text_frame(pd.DataFrame(table), formulas=False), dest, layer=name,
                                            driver="GPKG", **kw)
            styles = {}
            for name, gdf in layers.items():
                geom_type = "MultiPolygon" if gdf.empty else str(gdf.geom_type.iloc[0])
                if (style := layer_style(name, geom_type)) is not None:
                    styles[name] = style
            write_layer_styles(tmp, styles)
        return self.path(relpath)

    @contextlib.contextmanager
    def subfolder(self, relpath: str | Path) -> Iterator[Path]:
        """The path of a sub-folder (checked like a file), created."""
        target = self.path(relpath)
        target.mkdir(parents=True, exist_ok=True)
        yield target

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.finish()


def _text_not_formulas(ws: Any, *, clean: bool = False) -> None:
    """Every cell openpyxl would store as a formula becomes a text cell Excel will not evaluate."""
    for row in ws.iter_rows():
        for cell in row:
            if clean and isinstance(cell.value, str):
                cell.value = clean_text(cell.value)
            if cell.data_type == "f":
                cell.data_type = "s"
                cell.quotePrefix = True  # stays text even when a user edits the cell


@contextlib.contextmanager
def writing(path: str | Path, folder: OutputFolder | None, *, suffixes: tuple[str, ...], what: str,
            force: bool = False, inputs: Iterable[str | Path] = ()) -> Iterator[tuple[OutputFolder, str]]:
    """The folder and name to write ``path`` through.

    With ``folder`` (a command writing many files), ``path`` is relative to it and the caller finishes
    the folder; without, ``path`` is a file of the user's choosing (:func:`single_file`), finished here.

    Parameters
    ----------
    path : str or Path
        Relative to ``folder``, or a file path.
    folder : OutputFolder, optional
        The command's output folder.
    suffixes : tuple of str
        Allowed suffixes.
    what : str
        What the file is, for messages.
    force : bool
        Overwrite a file zy_geo did not write (standalone use only).
    inputs : iterable of path
        Files that must not be overwritten (standalone use; a folder knows its command's inputs).

    Yields
    ------
    (OutputFolder, str)
    """
    if folder is not None:
        if Path(path).suffix.lower() not in suffixes:
            msg = f"the {what} must be a {' or '.join(suffixes)} file; `{Path(path).name}` is not."
            raise UsageError(msg)
        yield folder, str(path)
        return
    own, name = single_file(path, suffixes=suffixes, force=force, what=what,
                            inputs=[p for p in inputs if p and Path(p).exists()])
    yield own, name
    own.finish()


def single_file(path: str | Path, *, suffixes: tuple[str, ...], inputs: Iterable[str | Path] = (),
                force: bool = False, what: str = "output") -> tuple[OutputFolder, str]:
    """The folder and name for a command whose ``--out`` is one file (plus files named after it).

    Parameters
    ----------
    path : str or Path
        The file asked for.
    suffixes : tuple of str
        Allowed suffixes (``(".gpkg",)``).
    inputs : iterable of path
        The command's inputs (never overwritten).
    force : bool
        Overwrite a file zy_geo did not write.
    what : str
        What the file is, for messages.

    Returns
    -------
    (OutputFolder, str)
        The parent folder (which may hold other files of the user's) and the file name.

    Examples
    --------
    >>> import tempfile
    >>> folder, name = single_file(Path(tempfile.mkdtemp()) / "p.gpkg", suffixes=(".gpkg",))
    >>> name
    'p.gpkg'
    >>> single_file("p.xlsx", suffixes=(".gpkg",), what="proposal")
    Traceback (most recent call last):
    ...
    zy_geo.errors.UsageError: the proposal must be a .gpkg file; `p.xlsx` is not. ...
    """
    p = _resolved(path)
    if p.suffix.lower() not in suffixes:
        msg = (f"the {what} must be a {' or '.join(suffixes)} file; `{Path(path).name}` is not. "
               f"Give --out a name ending in {suffixes[0]}.")
        raise UsageError(msg)
    folder = _SingleFileFolder(p.parent, inputs=inputs, force=force)
    return folder, p.name


class _SingleFileFolder(OutputFolder):
    """A user's folder that receives named files: other files are fine, only ours are overwritten.

    A file of the same name that zy_geo did not write (no manifest entry) is refused without ``force``;
    nothing is ever removed as stale.
    """

    def _check_reuse(self) -> None:
        return

    def path(self, relpath: str | Path) -> Path:
        target = super().path(relpath)
        key = target.relative_to(self.root).as_posix()
        with _os_errors(target):
            exists = target.exists()
        if exists and not self.force and key not in self._previous and key not in self.written:
            msg = (f"`{target}` exists and was not written by zy_geo; choose another name, or pass --force "
                   "to overwrite it.")
            raise UsageError(msg)
        return target

    def finish(self) -> list[Path]:
        self.keep_stale = True
        return super().finish()
