"""Paths handed to GDAL (through pyogrio) mean the file the user named, nothing else.

pyogrio parses a path as a URI before GDAL sees it: a ``!`` separates an archive from a member, a
``;`` in the last part starts URL parameters, ``zip:``/``http:``/``s3:`` at the start of a relative
path is a scheme, and ``/vsi…`` is a GDAL virtual file system. A file or folder named like that would
be read from or written to somewhere else (a GeoPackage asked for in ``--out "a!b"`` was written
relative to the working folder), or fetched from the network.

:func:`gdal_reading` and :func:`gdal_writing` give GDAL the absolute path when pyogrio takes it
literally, and otherwise a plain path in a private scratch folder (links to the file and its
sidecars for reading; a file copied over the target for writing).

Examples
--------
>>> literal("/data/city.gpkg"), literal("/data/a!b.gpkg"), literal("/data/a;b.gpkg"), literal("/vsimem/x")
(True, False, False, False)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def literal(path: str) -> bool:
    """True when pyogrio hands the absolute path ``path`` to GDAL unchanged, as a local file."""
    if path.startswith("/vsi") or "!" in path:
        return False
    try:
        from pyogrio.util import vsi_path
    except ImportError:  # pragma: no cover - pyogrio moved it: take the safe way
        return False
    return vsi_path(path) == path


@contextlib.contextmanager
def gdal_reading(path: str | Path) -> Iterator[str]:
    """A path GDAL reads ``path`` from: the absolute path, or links to it (and its sidecars) by plain names.

    Parameters
    ----------
    path : str or Path
        The file (a GeoPackage, GeoJSON, zipped or plain Shapefile …).

    Yields
    ------
    str
    """
    p = Path(os.path.abspath(path))
    if literal(str(p)) or not p.exists():
        yield str(p)
        return
    with tempfile.TemporaryDirectory(prefix="zy_geo-read-") as scratch:
        # a Shapefile is several files of one stem (.shp .shx .dbf .prj .cpg): bring them all
        for sibling in p.parent.iterdir():
            if sibling.stem == p.stem and sibling.is_file():
                link = Path(scratch) / f"layer{sibling.suffix}"
                try:
                    link.symlink_to(sibling)
                except OSError:  # no symlinks (Windows without the privilege): copy
                    shutil.copyfile(sibling, link)
        yield str(Path(scratch) / f"layer{p.suffix}")


@contextlib.contextmanager
def gdal_writing(path: str | Path) -> Iterator[str]:
    """A path GDAL writes to that ends up as ``path``: the absolute path, or a scratch file copied to it.

    Parameters
    ----------
    path : str or Path
        The file to write (its folder exists).

    Yields
    ------
    str
    """
    p = Path(os.path.abspath(path))
    if literal(str(p)):
        yield str(p)
        return
    with tempfile.TemporaryDirectory(prefix="zy_geo-write-") as scratch:
        tmp = Path(scratch) / f"out{p.suffix}"
        yield str(tmp)
        shutil.copyfile(tmp, p)
