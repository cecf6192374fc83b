"""Chinese labels of everything zy_geo writes for people: column headers, values, reasons.

English identifiers stay in code and in files meant for scripts; these tables turn them into the
Chinese a planner reads in workbooks, documents and maps. One module, so a wording is changed in one
place. The canonical vocabularies (six-haves, management modes, compound kinds, road classes) and
their Chinese names live in :mod:`zy_geo.schema`.
"""

from __future__ import annotations

from .schema import MODES, SIX_HAVES, SIX_HAVES_SHORT

# -- Coverage tables (coverage.xlsx) (coverage.py) ------------------------------------------------
#: Chinese column labels for exports (:func:`zy_geo.coverage.to_chinese`).
COLUMNS_ZH: dict[str, str] = {
    "body": "责任主体",
    "street": "街道（镇）",
    "street_code": "街道代码",
    "community": "社区",
    "kind": "小区类型",
    "compounds": "小区数",
    "households": "户数",
    "households_unknown": "户数未填小区数",
    "households_estimated": "其中估算户数",
    "floor_area_m2": "建筑面积（㎡）",
    "managed_compounds": "已覆盖小区数",
    "managed_households": "已覆盖户数",
    "coverage_compounds": "小区覆盖率",
    "coverage_households": "户数覆盖率",
    **{f"mode_{k}": f"{v}（小区数）" for k, v in MODES.items()},
    "mode_unknown": "管理方式未填（小区数）",
    **{f"{k}_yes": f"{SIX_HAVES_SHORT[k]}：有（小区数）" for k in SIX_HAVES},
    **{f"{k}_unknown": f"{SIX_HAVES_SHORT[k]}：未填（小区数）" for k in SIX_HAVES},
    **{f"{k}_share": f"{SIX_HAVES_SHORT[k]}：有的比例（小区）" for k in SIX_HAVES},
    **{f"{k}_households_share": f"{SIX_HAVES_SHORT[k]}：有的比例（户）" for k in SIX_HAVES},
    "all_six": "“六有”全部达标小区数",
    "all_six_unknown": "“六有”无法判定小区数",
    "all_six_share": "“六有”达标率（小区）",
    "all_six_households_share": "“六有”达标率（户）",
}

# -- Facilities in a plan (plans/facilities.py) ---------------------------------------------------
ITEMS_ZH = {
    "fence": ("围挡/围栏", "米"), "gate_house": ("门岗亭", "处"), "barrier_gates": ("道闸", "套"),
    "pedestrian_gates": ("人行门禁", "套"), "cameras": ("监控摄像头", "个"), "lighting": ("公共照明灯", "盏"),
    "parking_spaces": ("停车位（闲置地/绿化带改造）", "个"), "ev_chargers": ("充电桩", "个"),
}

# -- Funding: who pays, by which rule (plans/funding.py) ------------------------------------------
#: Finance that pays, by responsible body.
PAYER_ZH = {"雁江区": "雁江区财政", "高新区": "高新区管委会财政", "临空经济区": "临空经济区管委会财政"}
RULE_ZH = {"body": "属地财政全额承担", "tuoxi_50_50": "沱西中心城区：市、区财政各承担50%"}

# -- The funding ledger (funding_ledger.xlsx) (plans/build.py) ------------------------------------
LEDGER_ZH = {
    "plan_id": "方案编号", "name": "名称", "body": "责任主体", "street": "街道（镇）", "households": "户数",
    "facility_cost_yuan": "设施估算（元）", "subsidy_yuan": "奖补资金（元）", "city_yuan": "市级财政（元）",
    "body_yuan": "区/管委会财政（元）", "remaining_yuan": "超出上限需另筹（元）", "rule_zh": "承担方式",
    "straddles": "跨沱西边界", "mode_zh": "管理方式", "deadline": "完成时限",
}

# -- Problem reports (errors.py) ------------------------------------------------------------------
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

# -- Deadline progress (milestones.py) ------------------------------------------------------------
STATUS_ZH = {"done": "已达标", "on_time": "按期推进", "due": "临近期限", "overdue": "已逾期"}

# -- Why units were or were not combined (areas/_solve.py) ----------------------------------------
REASONS_ZH = {
    "max_households": "户数上限",
    "max_extent": "范围上限（步行距离）",
    "cost_cap": "5万元奖补上限",
    "barrier": "河流/铁路/主干路/街道界线阻隔",
    "proximity": "附近再无可合并单元",
    "fence": "合并反而增加围挡",
    # decisions of planners and residents (areas/decisions.py)
    "decision:together": "按决定合并",
    "decision:together-across": "按决定跨越阻隔合并",
    "decision:apart": "按决定不得同区",
    "decision:no_merge": "居民不同意合并",
    "over_max_households": "超过户数上限（按决定）",
    "over_max_extent": "超过范围上限（按决定）",
    "under_min_households": "低于最少户数（按决定）",
    "no_merge": "居民不同意合并",
    "exclude": "不纳入本次方案",
}
#: The kinds of decision in a ``decision`` column ("together: <reason>；apart: <reason>"), for popups.
DECISION_KINDS_ZH = {"together": "决定合并", "apart": "决定不得同区", "no_merge": "居民不同意合并",
                     "exclude": "不纳入本次方案"}
#: How an absorbed group is enclosed: the managed neighbour's fence moved out around it, or its own.
ABSORB_HOW_ZH = {"extend": "外扩已管理小区围挡", "own": "保留自身围合、纳入其管理"}

# -- The proposal (proposals_summary.xlsx, map) (areas/propose.py) --------------------------------
OUTCOMES = {"area": "纳入管理区域", "absorbed": "并入相邻已管理小区（扩围）", "remainder": "暂不能合并（需另行处理）",
            "excluded": "不纳入本次方案"}
SUMMARY_ZH = {
    "street": "街道（镇）", "units": "单元数", "households": "无物业户数", "areas": "拟划管理区域数",
    "households_in_areas": "纳入区域户数", "households_absorbed": "扩围并入户数",
    "households_remaining": "待处理户数", "households_excluded": "不纳入方案户数", "covered_share": "覆盖比例",
    "new_fence_m": "新建围挡（米）",
    "fence_per_household_m": "户均围挡（米）", "cost_yuan": "估算造价（元）", "areas_over_cap": "超5万元区域数",
}
AREA_ZH = {
    "area_id": "区域编号", "street": "街道（镇）", "street_code": "街道代码", "body": "责任主体",
    "enclosure_id": "围合单元", "n_units": "单元数", "unit_ids": "包含单元", "households": "户数",
    "perimeter_m": "周长（米）", "existing_wall_m": "已有围墙（米）", "facade_m": "建筑外墙围合（米）",
    "new_fence_m": "新建围挡（米）", "fence_per_household_m": "户均围挡（米）", "vehicle_gates": "车行出入口",
    "pedestrian_gates": "人行出入口", "gates": "出入口合计", "cameras": "监控（个）", "cost_yuan": "估算造价（元）",
    "subsidy_yuan": "可获奖补（元）", "over_cap": "超5万元上限", "bound_by": "约束条件", "decision": "决定",
    "explanation": "说明",
}
MEMBER_ZH = {
    "unit_id": "单元编号", "source": "来源", "kind": "类型", "households": "户数", "walled": "已有围墙",
    "member_ids": "包含小区/楼栋", "street": "街道（镇）", "street_code": "街道代码", "body": "责任主体",
    "enclosure_id": "围合单元", "outcome": "去向", "area_id": "区域编号", "absorbed_by": "并入小区",
    "reason": "原因", "suggested_mode": "建议管理方式", "group_households": "所在组户数",
    "absorb_fence_m": "扩围新建围挡（米，按组）", "absorb_how": "扩围方式", "absorb_group": "扩围分组",
    "decision": "决定",
}
#: How the 参数 sheet marks a default, by where it comes from (``Option.basis`` in :mod:`zy_geo.config`).
DEFAULT_ZH = {"notice": "默认（通知规定）", "estimate": "默认（估算用，请按本地价格替换）", "planning": "默认"}
SOURCE_ZH = {"compound": "小区图斑", "buildings": "小区外零星楼栋"}

# -- What changed between two proposals (diff.xlsx, the diff map) (diff.py, _diff_map.py) ---------
#: Chinese column headers of the diff workbook (``old``/``new``/``delta``: the suffixes of the 汇总 sheet).
DIFF_ZH = {
    "old": "（原方案）", "new": "（新方案）", "delta": "（增减）",
    "change": "变化", "kind": "类型", "old_area_id": "原方案区域编号", "new_area_id": "新方案区域编号",
    "street": "街道（镇）", "n_units_old": "原方案单元数", "n_units_new": "新方案单元数", "shared_units": "共有单元数",
    "jaccard": "单元重合度（交集/并集）", "related": "相关区域（拆分/合并）",
    "households_old": "原方案户数", "households_new": "新方案户数", "households_delta": "户数增减",
    "new_fence_m_old": "原方案新建围挡（米）", "new_fence_m_new": "新方案新建围挡（米）",
    "new_fence_m_delta": "新建围挡增减（米）", "cost_yuan_old": "原方案估算造价（元）",
    "cost_yuan_new": "新方案估算造价（元）", "cost_yuan_delta": "造价增减（元）", "gates_old": "原方案出入口",
    "gates_new": "新方案出入口", "cameras_old": "原方案监控（个）", "cameras_new": "新方案监控（个）",
    "over_cap_old": "原方案超5万元上限", "over_cap_new": "新方案超5万元上限", "boundary_changed": "边界变化",
    "note": "说明", "unit_id": "单元编号", "status": "变动", "from": "原方案去向", "to": "新方案去向",
    "households": "户数", "decision": "决定（新方案）",
    "moved_units": "变动单元数", "moved_households": "变动单元户数",
}
#: Values in the diff workbook and map: area changes and their kind, unit status, where a unit is.
DIFF_VALUES_ZH = {
    "added": "新增", "removed": "撤销", "changed": "调整", "unchanged": "不变",
    "split": "拆分", "merge": "合并", "split_merge": "拆分并合并", "units": "单元增减", "recomputed": "重新计价",
    "moved": "变动", "unit_added": "新增单元", "unit_removed": "移除单元",
    "absorbed": "扩围", "remainder": "待处理", "excluded": OUTCOMES["excluded"], "absent": "不在方案中",
}


#: How a household figure came about (``households_method``), for popups, tables and plans.
HOUSEHOLD_METHODS_ZH: dict[str, str] = {
    "given": "填报",
    "ledger": "台账",
    "mapped": "地图标注套数",
    "footprint": "估算：占地×层数÷户均面积",
    "buildings": "估算：楼栋合计",
    "land_area": "估算：用地×容积率÷户均面积",
    "homestead": "估算：宅基地面积÷户均宅基地面积",
}
