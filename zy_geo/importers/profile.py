"""Import profiles: which tags make a compound, a residential building, a road class, water, rail, a street.

The mapping from a source's tags to zy_geo's city layers is data, not code: a TOML profile
(the default for OpenStreetMap ships as ``zy_geo/data/profiles/osm.toml``). A city with other
conventions copies that file, edits it and passes it with ``--profile FILE``.

A *rule* is ``"key=value"``, ``"key=v1|v2"``, ``"key=*"`` (the key is present and not ``no``) or
``"key!=value"``; a feature matches a list of rules when any of them matches.

Examples
--------
>>> p = load_profile()
>>> p.compound({"landuse": "residential", "name": "富润家园"}), p.compound({"landuse": "retail"})
(True, False)
>>> p.road_class({"highway": "primary_link"}), p.road_class({"highway": "steps"}), p.road_class({"highway": "bus_stop"})
('arterial', 'path', None)
>>> p.matches(["tunnel=*"], {"tunnel": "no"}), p.matches(["tunnel=*"], {"tunnel": "building_passage"})
(False, True)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .._pii import mask_value
from ..errors import InputError
from ..schema import ROAD_CLASSES

#: Keys whose values are tag rules.
_RULE_KEYS = ("match", "exclude", "residential", "ambiguous", "bridge", "tunnel", "areas", "lines")
_RULE = re.compile(r"^(?P<key>[^=!|]+?)(?P<op>!?=)(?P<values>[^=]+)$")

#: Sections and keys a profile may have, with the type of each value.
_KEYS: dict[str, dict[str, type]] = {
    "profile": {"name": str, "licence": str, "name_tags": list},
    "compounds": {"match": list, "exclude": list, "max_area_ha": float},
    "buildings": {"match": list, "exclude": list, "residential": list, "ambiguous": list, "levels_tags": list,
                  "height_tags": list, "flats_tags": list},
    "roads": {"key": str, **dict.fromkeys(ROAD_CLASSES, list), "bridge": list, "tunnel": list},
    "rivers": {"areas": list, "exclude": list, "lines": list, "width_tags": list, "default_width_m": dict},
    "rail": {"match": list, "exclude": list, "bridge": list},
    "streets": {"match": list, "admin_levels": list, "body_admin_levels": list, "code_tags": list},
    # Sources of attribute tables rather than tags (zy_geo.importers.offices): Amap/Baidu AOI exports, 三调 parcels.
    "source": {"kind": str, "frame": str, "id_prefix": str, "id_columns": list, "name_columns": list,
               "code_columns": list, "type_columns": list, "address_columns": list, "shape_columns": list,
               "place_columns": list, "number_columns": list, "residential_codes": list, "residential_types": list,
               "scattered_codes": list, "scattered_types": list, "water_codes": list,
               "homestead_m2_per_household": float},
}
#: ``[source] frame`` values: the lon/lat frame of an export (converted to WGS84 on import).
SOURCE_FRAMES = ("gcj02", "bd09", "wgs84")


@dataclass(frozen=True)
class Rule:
    """One tag rule: ``key=v1|v2``, ``key=*`` or ``key!=v``."""

    key: str
    values: frozenset[str]
    negate: bool = False

    @classmethod
    def parse(cls, text: str, *, where: str) -> Rule:
        """Read ``"key=value"`` / ``"key=*"`` / ``"key!=value"``; a bad rule raises :class:`InputError`."""
        m = _RULE.match(str(text).strip())
        if not m or not m["key"].strip() or not m["values"].strip():
            msg = (f"{where}: {text!r} is not a tag rule; write key=value, key=v1|v2, key=* or key!=value "
                   "(e.g. \"landuse=residential\").")
            raise InputError(msg)
        values = frozenset(v.strip() for v in m["values"].split("|") if v.strip())
        return cls(m["key"].strip(), values, m["op"] == "!=")

    def __call__(self, tags: Mapping[str, str]) -> bool:
        """Whether ``tags`` match the rule."""
        value = tags.get(self.key)
        hit = (value is not None and value != "no") if "*" in self.values else value in self.values
        return not hit if self.negate else hit


def _any(rules: Sequence[Rule], tags: Mapping[str, str]) -> bool:
    return any(r(tags) for r in rules)


@dataclass(frozen=True)
class Profile:
    """A checked import profile (build it with :func:`load_profile`).

    Attributes
    ----------
    raw : dict
        The TOML as read.
    source : str
        The file it came from (``"default OSM profile"`` for the shipped one).
    """

    raw: dict[str, Any]
    source: str
    _rules: dict[tuple[str, str], tuple[Rule, ...]] = field(default_factory=dict, repr=False)

    def rules(self, section: str, key: str) -> tuple[Rule, ...]:
        """The parsed rules of ``[section] key`` (empty when the profile leaves it out)."""
        if (section, key) not in self._rules:
            where = f"{self.source} [{section}] {key}"
            self._rules[(section, key)] = tuple(Rule.parse(t, where=where)
                                                for t in self.raw.get(section, {}).get(key, []))
        return self._rules[(section, key)]

    def get(self, section: str, key: str, default: Any = None) -> Any:
        """A plain value of the profile."""
        return self.raw.get(section, {}).get(key, default)

    def matches(self, rules: Sequence[str] | Sequence[Rule], tags: Mapping[str, str]) -> bool:
        """Whether ``tags`` match any of ``rules`` (rule texts or parsed rules)."""
        parsed = [r if isinstance(r, Rule) else Rule.parse(r, where="rule") for r in rules]
        return _any(parsed, tags)

    def _in(self, section: str, tags: Mapping[str, str], match: str = "match") -> bool:
        return _any(self.rules(section, match), tags) and not _any(self.rules(section, "exclude"), tags)

    def compound(self, tags: Mapping[str, str]) -> bool:
        """Tags of a residential compound area."""
        return self._in("compounds", tags)

    def building(self, tags: Mapping[str, str]) -> str | None:
        """``"residential"``, ``"ambiguous"``, ``"other"`` — or None when the tags are not a building."""
        if not self._in("buildings", tags):
            return None
        if _any(self.rules("buildings", "residential"), tags):
            return "residential"
        if _any(self.rules("buildings", "ambiguous"), tags):
            return "ambiguous"
        return "other"

    def road_class(self, tags: Mapping[str, str]) -> str | None:
        """The road class of a line (``arterial`` … ``path``), or None when it is no road of ours."""
        value = tags.get(str(self.get("roads", "key", "highway")))
        if value is None:
            return None
        return next((c for c in ROAD_CLASSES if value in self.get("roads", c, [])), None)

    def water_area(self, tags: Mapping[str, str]) -> bool:
        """Tags of a water area (river, lake, reservoir)."""
        return self._in("rivers", tags, "areas")

    def water_line(self, tags: Mapping[str, str]) -> bool:
        """Tags of a river drawn as a centre line."""
        return self._in("rivers", tags, "lines")

    def rail(self, tags: Mapping[str, str]) -> bool:
        """Tags of a surface railway (a barrier)."""
        return self._in("rail", tags)

    def boundary_level(self, tags: Mapping[str, str]) -> int | None:
        """The admin level of an administrative boundary area, or None."""
        if not _any(self.rules("streets", "match"), tags):
            return None
        try:
            return int(str(tags.get("admin_level", "")).strip())
        except ValueError:
            return None

    def name(self, tags: Mapping[str, str]) -> str | None:
        """The first name tag present (Chinese first)."""
        for key in self.get("profile", "name_tags", ["name"]):
            if tags.get(key, "").strip():
                return str(mask_value(tags[key].strip()))  # a phone typed into a name stays out of every output
        return None

    def flag(self, section: str, key: str, tags: Mapping[str, str]) -> bool:
        """Whether ``[section] key`` rules (``bridge``, ``tunnel``) match."""
        return _any(self.rules(section, key), tags)

    def wants_area(self, tags: Mapping[str, str]) -> bool:
        """Whether an area is of any layer (cheap filter while reading)."""
        levels = [*self.get("streets", "admin_levels", []), *self.get("streets", "body_admin_levels", [])]
        return bool(self.compound(tags) or self.building(tags) or self.water_area(tags)
                    or self.boundary_level(tags) in levels)

    def wants_line(self, tags: Mapping[str, str]) -> bool:
        """Whether a line is of any layer (cheap filter while reading)."""
        return bool(self.road_class(tags) or self.water_line(tags) or self.rail(tags))


def _check(raw: dict[str, Any], where: str) -> list[str]:
    problems = []
    for section, body in raw.items():
        if section not in _KEYS:
            problems.append(f"[{section}] is not a profile section; the sections are {', '.join(_KEYS)}")
            continue
        if not isinstance(body, dict):
            problems.append(f"{section} must be a section [{section}]")
            continue
        for key, value in body.items():
            want = _KEYS[section].get(key)
            if want is None:
                problems.append(f"[{section}] {key} is not a key of this section; its keys are "
                                f"{', '.join(_KEYS[section])}")
            elif want is float and isinstance(value, int | float) and not isinstance(value, bool):
                continue
            elif not isinstance(value, want):
                problems.append(f"[{section}] {key} must be a {want.__name__}, found {value!r}")
            elif isinstance(value, list) and section != "streets" and not all(isinstance(v, str) for v in value):
                problems.append(f"[{section}] {key} must be a list of text, found {value!r}")
            elif key in _RULE_KEYS and isinstance(value, list):
                for text in value:
                    try:
                        Rule.parse(text, where=f"[{section}] {key}")
                    except InputError as exc:
                        problems.append(str(exc).split(". ")[0])
    for key in ("admin_levels", "body_admin_levels"):
        levels = raw.get("streets", {}).get(key, [])
        if isinstance(levels, list) and not all(isinstance(v, int) and not isinstance(v, bool) for v in levels):
            problems.append(f"[streets] {key} must be a list of whole numbers (admin_level), found {levels!r}")
    frame = raw.get("source", {}).get("frame")
    if isinstance(frame, str) and frame not in SOURCE_FRAMES:
        problems.append(f"[source] frame must be one of {', '.join(SOURCE_FRAMES)}, found {frame!r}")
    per_home = raw.get("source", {}).get("homestead_m2_per_household", 1.0)
    if isinstance(per_home, int | float) and not per_home > 0:
        problems.append(f"[source] homestead_m2_per_household must be > 0 (m² of 宅基地 per household), "
                        f"found {per_home!r}")
    widths = raw.get("rivers", {}).get("default_width_m", {})
    if isinstance(widths, dict) and not all(isinstance(v, int | float) and v > 0 for v in widths.values()):
        problems.append(f"[rivers] default_width_m must map waterway values to widths in metres > 0, found {widths!r}")
    return problems


def load_profile(path: str | Path | None = None, *, shipped: str = "osm") -> Profile:
    r"""Read and check an import profile (default: the shipped OpenStreetMap profile).

    Parameters
    ----------
    path : str or Path, optional
        A TOML profile; see ``zy_geo/data/profiles/osm.toml`` for every section and key.
    shipped : str
        Without ``path``: which shipped profile (``"osm"``, ``"amap_aoi"``, ``"baidu_aoi"``,
        ``"tdsc_parcels"``; the files in ``zy_geo/data/profiles``).

    Returns
    -------
    Profile

    Raises
    ------
    InputError
        The file cannot be read, is not TOML, or has unknown sections/keys, values of the wrong
        type or rules that are not ``key=value`` — all listed at once, with the fix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
    >>> _ = p.write_text('[compounds]\nmatch = ["landuse residential"]\n[road]\nkey = "highway"\n')
    >>> try:
    ...     load_profile(p)
    ... except InputError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    2 problems: [compounds] match: 'landuse residential' is not a tag rule; ...
    """
    if path is None:
        where = "default OSM profile" if shipped == "osm" else f"shipped profile {shipped}.toml"
        try:
            text = resources.files("zy_geo").joinpath(f"data/profiles/{shipped}.toml").read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"{where} does not exist; the shipped profiles are in zy_geo/data/profiles."
            raise InputError(msg) from exc
    else:
        p = Path(path)
        where = f"profile `{p.name}`"
        try:
            text = p.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            msg = f"{where} cannot be read ({exc}); check the path given with --profile."
            raise InputError(msg) from exc
        except UnicodeDecodeError as exc:
            msg = f"{where} is not UTF-8 text ({exc}); save it as UTF-8."
            raise InputError(msg) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{where} is not valid TOML ({exc}); compare it with zy_geo/data/profiles/osm.toml."
        raise InputError(msg) from exc
    problems = _check(raw, where)
    if problems:
        msg = (f"{where}: {len(problems)} problem{'s' if len(problems) > 1 else ''}: " + "; ".join(problems)
               + ". Fix them (the shipped zy_geo/data/profiles/osm.toml shows every key).")
        raise InputError(msg)
    return Profile(raw, where)


__all__ = ["SOURCE_FRAMES", "Profile", "Rule", "load_profile"]
