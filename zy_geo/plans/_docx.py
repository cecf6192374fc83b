"""Write one plan (一小区一方案) as a .docx, in the structure a street office hands in."""

from __future__ import annotations

import io
import re
import threading
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import Settings
from ..schema import SIX_HAVES
from ..write import clean_text
from ._figure import PlanContext, plan_figure
from .facilities import FacilityNeeds

_SPECIAL = re.compile("[\t\r\n]")  # run text python-docx writes as w:tab / w:br


def _tick(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "未填"
    return "有" if bool(v) else "无（需完善）"


def _households(plan: pd.Series) -> str:
    """``120 户``, saying how many of them are estimates (an imported city before its survey)."""
    hh = int(plan["households"])
    est = plan.get("households_estimated")
    est = int(est) if est is not None and not pd.isna(est) else 0
    if not est:
        return f"{hh} 户"
    if est >= hh:
        return f"{hh} 户（估算，待台账核实）"
    return f"{hh} 户（其中 {est} 户为估算，待台账核实）"


class _Package:
    """The plan .docx package, made once per process (per thread) and refilled plan after plan.

    python-docx opens its template and parses every part of it for each new document, and on saving
    serializes every part again; only the body, its relationship to the figure and the figure change
    from plan to plan. So the package is made once (its Normal style set, the ids of the styles used
    looked up once: python-docx scans every style for each style named in a call), the parts no plan
    changes are serialized once, and each plan empties the body, fills it, and writes the package
    with python-docx's own writer. The .docx is the one a fresh ``Document()`` would give.
    """

    FIGURE = "/word/media/image1.png"  # the name python-docx gives a document's first image

    def __init__(self) -> None:
        from docx import Document
        from docx.oxml.ns import qn
        from docx.shared import Pt

        doc = Document()
        style = doc.styles["Normal"]
        style.font.name = "SimSun"
        style.font.size = Pt(11)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
        self.document = doc
        self.style_ids = {name: doc.styles[name].style_id for name in ("Heading 1", "Heading 2", "Table Grid")}
        self._sect_pr = qn("w:sectPr")
        self._figure_rid: str | None = None
        main = doc.part
        self._frozen = {part.partname: _FrozenPart(part) for part in main.package.iter_parts() if part is not main}

    def add_figure(self, png: bytes, width: int) -> None:
        """``document.add_picture(png, width=width)``: the same paragraph, image part and relationship."""
        from docx.image.image import Image
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.oxml.shape import CT_Inline
        from docx.parts.image import ImagePart

        image = Image.from_blob(png)
        main = self.document.part
        self._figure_rid = main.relate_to(ImagePart.from_image(image, PackURI(self.FIGURE)), RT.IMAGE)
        cx, cy = image.scaled_dimensions(width, None)
        inline = CT_Inline.new_pic_inline(main.next_id, self._figure_rid, image.filename, cx, cy)
        self.document.add_paragraph().add_run()._r.add_drawing(inline)

    def save(self) -> bytes:
        """The .docx bytes of the document as filled now."""
        from docx.opc.pkgwriter import PackageWriter

        package = self.document.part.package
        buf = io.BytesIO()
        PackageWriter.write(buf, package.rels, [self._frozen.get(p.partname, p) for p in package.iter_parts()])
        return buf.getvalue()

    def clear(self) -> None:
        """Empty the body (its section properties stay) and drop the figure."""
        body = self.document.element.body
        for child in list(body):
            if child.tag != self._sect_pr:
                body.remove(child)
        if self._figure_rid is not None:
            del self.document.part.rels[self._figure_rid]
            self._figure_rid = None


class _FrozenPart:
    """A template part no plan changes, serialized once, for python-docx's package writer."""

    def __init__(self, part: Any) -> None:
        self.partname, self.content_type, self.blob, self.rels = part.partname, part.content_type, part.blob, part.rels


_PACKAGE = threading.local()


def _package() -> _Package:
    """The plan package of the calling thread (each process of a pool has its own)."""
    package = getattr(_PACKAGE, "package", None)
    if package is None:
        package = _PACKAGE.package = _Package()
    return package


def _heading(doc, text: str, level: int) -> None:
    """``doc.add_heading(text, level)`` with the style id known (the same paragraph)."""
    doc.add_paragraph(text)._p.style = _package().style_ids[f"Heading {level}"]


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    """A "Table Grid" table: the XML python-docx writes cell by cell (``cell.text = ...``), made in one piece."""
    from docx.oxml.ns import qn
    from docx.oxml.table import CT_Tbl
    from lxml import etree

    tbl = CT_Tbl.new_tbl(len(rows) + 1, len(header), doc._block_width)
    tbl.tblStyle_val = _package().style_ids["Table Grid"]
    w_r, w_t, space = qn("w:r"), qn("w:t"), qn("xml:space")
    for tr, texts in zip(tbl.tr_lst, (header, *rows), strict=True):
        for tc, value in zip(tr.iterchildren(qn("w:tc")), texts, strict=True):
            text, p = clean_text(str(value)), tc[-1]  # the cell's one empty paragraph
            if _SPECIAL.search(text):  # tabs and line breaks: python-docx's own run text
                p.add_r().text = text
                continue
            r = etree.SubElement(p, w_r)
            if text:
                t = etree.SubElement(r, w_t)
                t.text = text
                if len(text.strip()) < len(text):
                    t.set(space, "preserve")
    doc.element.body._insert_tbl(tbl)


def _clean(v: object) -> object:
    if isinstance(v, list | tuple):
        return type(v)(clean_text(x) for x in v)
    return clean_text(v)


def plan_document(plan: pd.Series, needs: FacilityNeeds, members: gpd.GeoDataFrame, *,
                  figure: bool, settings: Settings, buildings: np.ndarray | None = None,
                  context: PlanContext | None = None, sample: bool = False) -> Any:
    """One plan document (python-docx ``Document``): :func:`plan_docx` opened.

    Facts, six-haves, area and map, facilities, funding, mode, deadline. Control characters in the
    data are dropped (a .docx cannot hold them); save it with
    :meth:`zy_geo.write.OutputFolder.write_docx`.
    """
    from docx import Document

    return Document(io.BytesIO(plan_docx(plan, needs, members, figure=figure, settings=settings,
                                         buildings=buildings, context=context, sample=sample)))


def _frame(crs) -> str:
    """The metric CRS lengths were measured in, as the plan names it."""
    return f"{crs.to_string()}（{crs.name}）" if crs is not None else "图层坐标系（未声明）"


def plan_docx(plan: pd.Series, needs: FacilityNeeds, members: gpd.GeoDataFrame, *,
              figure: bool, settings: Settings, buildings: np.ndarray | None = None,
              context: PlanContext | None = None, sample: bool = False) -> bytes:
    """One plan as .docx bytes (what :func:`plan_document` holds), written in this thread's package."""
    package = _package()
    package.clear()
    try:
        _fill(package, plan, needs, members, figure=figure, settings=settings, buildings=buildings,
              context=context, sample=sample)
        return package.save()
    finally:
        package.clear()


def _fill(package: _Package, plan: pd.Series, needs: FacilityNeeds, members: gpd.GeoDataFrame, *,
          figure: bool, settings: Settings, buildings: np.ndarray | None, context: PlanContext | None,
          sample: bool) -> None:
    """Write the plan into the package's (empty) document."""
    from docx.shared import Cm

    plan = plan.map(_clean)
    members = members.assign(unit_id=members["unit_id"].map(_clean))
    doc = package.document
    _heading(doc, f"{plan['name']} 物业管理全覆盖推进方案", 1)
    doc.add_paragraph(f"方案编号：{plan['plan_id']}　　依据：资府办函〔2023〕9号“一小区一方案”"
                      + ("　　（样例数据为生成数据）" if sample else ""))

    _heading(doc, "一、基本情况", 2)
    _table(doc, ["项目", "内容"], [
        ["责任主体", plan["body"]], ["街道（镇）", plan["street"]], ["社区", plan.get("community") or ""],
        ["类型", plan["kinds"]], ["户数", _households(plan)],
        ["建筑面积", f"{plan['floor_area_m2']:,.0f} ㎡"],
        ["包含单元", "、".join(map(str, plan["unit_ids"]))],
        ["党组织 / 业委会", f"{'有' if plan['party_org'] else '无'} / {'有' if plan['owners_committee'] else '无'}"],
    ])

    _heading(doc, "二、“六有”现状", 2)
    from ..schema import SIX_HAVES as LABELS

    _table(doc, ["项目", "现状"], [[LABELS[k], _tick(plan.get(k))] for k in SIX_HAVES])

    _heading(doc, "三、区域划分", 2)
    doc.add_paragraph(
        f"将上述 {len(members)} 个单元划为一个管理区域，边界周长约 {needs.enclosure.perimeter_m:,.0f} 米，"
        f"其中利用已有围墙 {needs.enclosure.existing_wall_m:,.0f} 米、建筑外墙 {needs.enclosure.facade_m:,.0f} 米，"
        f"需新建围挡 {needs.enclosure.new_fence_m:,.0f} 米；设车行出入口 {needs.enclosure.vehicle_gates} 处、"
        f"人行出入口 {needs.enclosure.pedestrian_gates} 处。区域不跨越河流、铁路、主干路和街道（镇）界线。"
        f"长度按 {_frame(members.crs)}量算。")
    if figure:
        package.add_figure(plan_figure(plan, members, context=context, buildings=buildings,
                                       new_fence_m=needs.enclosure.new_fence_m).getvalue(), width=Cm(15.5))

    _heading(doc, "四、设施完善", 2)
    rows = [[r["名称"], f"{r['quantity']:g}", r["unit"], f"{r['unit_price_yuan']:,.0f}", f"{r['cost_yuan']:,.0f}",
             r["basis"]] for _, r in needs.items.iterrows() if r["quantity"] > 0]
    rows.append(["合计", "", "", "", f"{needs.total_cost_yuan:,.0f}", "单价为默认值，以当地价格为准"])
    _table(doc, ["设施", "数量", "单位", "单价（元）", "金额（元）", "测算依据"], rows)

    _heading(doc, "五、资金测算", 2)
    frows = [
        ["设施估算", f"{plan['facility_cost_yuan']:,.0f}"],
        [f"“六有”奖补（每小区不超过{settings.subsidy_cap_yuan:,.0f}元）", f"{plan['subsidy_yuan']:,.0f}"],
        ["其中：市级财政", f"{plan['city_yuan']:,.0f}"],
        [f"其中：{plan['payer']}", f"{plan['body_yuan']:,.0f}"],
        ["超出上限需另筹", f"{plan['remaining_yuan']:,.0f}"],
        ["承担方式", plan["rule_zh"] + ("（跨沱西边界，按面积占比认定）" if plan["straddles"] else "")],
    ]
    if plan["mode"] == "community_center":
        frows.append(["年运行缺口（社区物业服务中心）",
                      f"{plan['operating_gap_yuan']:,.0f}（支出 {plan['operating_cost_yuan']:,.0f} − 物业费 "
                      f"{plan['fee_income_yuan']:,.0f} − 公共收益 {plan['public_income_yuan']:,.0f}）"])
    _table(doc, ["项目", "金额（元）"], frows)

    _heading(doc, "六、管理方式", 2)
    doc.add_paragraph(f"建议：{plan['mode_zh']}。理由：{plan['reason']}。")

    _heading(doc, "七、时间安排", 2)
    doc.add_paragraph(f"2023年3月31日前完成本方案；{plan['deadline']} 前达到“六有”物业服务标准。")
