"""Header recognition for survey ledgers: Chinese variants → canonical column names.

Examples
--------
>>> canonical("户数（户）"), canonical("住户数"), canonical(" 建筑面积(㎡) "), canonical("门岗", group="“六有”现状")
('households', 'households', 'floor_area_m2', 'gate')
>>> canonical("联系电话"), canonical("随便写的")
('contact_phone', None)
"""

from __future__ import annotations

import re
import unicodedata

#: canonical column → header variants (compared after :func:`norm_header`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号序号", "No", "no"),
    "compound_id": ("小区编号", "小区代码", "编号", "小区ID", "id", "compound_id"),
    "name": ("小区名称", "小区名", "名称", "住宅小区名称", "小区(院落)名称", "院落名称", "name"),
    "address": ("地址", "小区地址", "详细地址", "坐落", "address"),
    "body": ("责任主体", "责任单位", "所属区", "区(管委会)", "body"),
    "street": ("街道(镇)", "街道", "街道镇", "所属街道", "街道办事处", "镇(街道)", "乡镇街道", "street"),
    "street_code": ("街道代码", "街道编码", "street_code"),
    "community": ("社区", "所属社区", "社区(村)", "community"),
    "kind": ("小区类型", "类型", "小区性质", "kind"),
    "households": ("户数", "住户数", "总户数", "住户", "户数合计", "households"),
    "buildings": ("楼栋数", "栋数", "楼栋", "幢数", "buildings"),
    "floor_area_m2": ("建筑面积", "房屋面积", "总建筑面积", "面积", "住宅面积", "floor_area_m2"),
    "built_year": ("建成年份", "建成年代", "建成时间", "竣工年份", "建设年代", "built_year"),
    "gate": ("门岗", "门岗管理", "有门岗管理", "gate"),
    "cleaning": ("保洁", "清扫保洁", "有清扫保洁", "cleaning"),
    "maintenance": ("维修", "物业维修", "有物业维修", "maintenance"),
    "greening": ("绿化", "绿化养护", "有绿化养护", "greening"),
    "security": ("安防", "安全防范", "有安全防范", "security"),
    "parking": ("停车", "停车管理", "有停车管理", "parking"),
    "renovated": ("是否完成老旧小区改造", "已完成老旧小区改造", "老旧小区改造", "是否已改造", "完成改造", "renovated"),
    "enclosed": ("是否独立封闭", "独立封闭", "是否封闭", "封闭情况", "enclosed"),
    "mode": ("管理方式", "管理模式", "物业管理方式", "物业服务方式", "mode"),
    "party_org": ("有无党组织", "党组织", "是否建立党组织", "小区党组织", "party_org"),
    "owners_committee": ("有无业委会", "业委会", "是否成立业委会", "业主委员会", "owners_committee"),
    "lon": ("经度", "lon", "lng", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "contact_name": ("联系人", "负责人", "联系人姓名", "小区负责人", "楼栋长"),
    "contact_phone": ("联系电话", "电话", "手机", "手机号", "联系方式", "手机号码"),
    "id_number": ("身份证号", "身份证号码", "身份证", "证件号码"),
    "note": ("备注", "说明"),
}
_LOOKUP = {}
for _canon, _variants in SYNONYMS.items():
    for _v in _variants:
        _LOOKUP[re.sub(r"\s+", "", unicodedata.normalize("NFKC", _v)).lower()] = _canon
#: Headers that group the six-haves (sub-headers 门岗, 保洁 … sit under them).
SIX_GROUP = re.compile(r"六有")
PII = ("contact_name", "contact_phone", "id_number")


def norm_header(text: object) -> str:
    """NFKC, no whitespace, no quotes, bracketed units dropped: '户数（户）' → '户数'."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    t = t.replace("“", "").replace("”", "").replace('"', "")
    t = re.sub(r"\((户|栋|幢|㎡|m2|m²|平方米|平米|万㎡|年|个|套|人|高德|百度|GCJ-?02|WGS-?84)\)$", "", t, flags=re.I)
    return t.lower()


def canonical(header: object, *, group: object = None) -> str | None:
    """Canonical name of a header (optionally under a group header), or None if unknown."""
    if header is None or str(header).strip() == "":
        return None
    key = norm_header(header)
    found = _LOOKUP.get(key)
    if found is None:
        stripped = re.sub(r"^(是否|有无|有否)", "", key)
        found = _LOOKUP.get(stripped)
    return found


def header_score(cells: list[object]) -> int:
    """How many cells of a row are recognised headers (to find the header row)."""
    return len({c for c in (canonical(x) for x in cells) if c is not None})
