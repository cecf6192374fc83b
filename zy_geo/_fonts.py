"""The Chinese font every figure uses, shipped as a Python dependency and registered explicitly.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs, and which CJK fonts a machine has,
and whether matplotlib's font cache (built on first import) has seen them, varies from machine to
machine. zy_geo therefore does not look for system fonts: it registers Noto Sans SC (SIL Open Font
License 1.1), shipped by the PyPI package ``pylopdf-fonts-zh-cn``, with
``matplotlib.font_manager.fontManager.addfont`` and names it first in ``font.family``. A stale
font cache or a machine without any CJK font makes no difference.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from .errors import require

#: DejaVu Sans after the CJK family: Latin, digits and symbols Noto Sans SC lacks (e.g. "−").
FALLBACK = "DejaVu Sans"


@functools.cache
def chinese_font_path() -> Path:
    """Path of the bundled Noto Sans SC font file.

    Returns
    -------
    Path
        An OpenType file inside the installed ``pylopdf-fonts-zh-cn`` package.

    Examples
    --------
    >>> chinese_font_path().suffix
    '.otf'
    """
    require("pylopdf_fonts_zh_cn", package="pylopdf-fonts-zh-cn")
    import pylopdf_fonts_zh_cn

    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        msg = (f"the Chinese font {path} is missing from the installed package pylopdf-fonts-zh-cn; "
               "reinstall it: pip install --force-reinstall pylopdf-fonts-zh-cn")
        raise FileNotFoundError(msg)
    return path


@functools.cache
def chinese_font() -> str:
    """Register the bundled Chinese font with matplotlib and return its family name.

    Safe to call many times (the font is added once per process).

    Returns
    -------
    str
        The family name to put first in ``font.family`` (``"Noto Sans SC"``).

    Examples
    --------
    >>> chinese_font()
    'Noto Sans SC'
    """
    from matplotlib import font_manager

    path = chinese_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def chinese_rc() -> dict[Any, Any]:  # keys typed loosely: matplotlib's stubs want its rc-key literals
    """Matplotlib rc settings that draw Chinese with the bundled font.

    Returns
    -------
    dict
        For ``matplotlib.pyplot.rc_context``: the CJK family first, DejaVu Sans after it, and an
        ASCII minus sign.

    Examples
    --------
    >>> chinese_rc()["font.family"]
    ['Noto Sans SC', 'DejaVu Sans']
    """
    return {"font.family": [chinese_font(), FALLBACK], "axes.unicode_minus": False}
