"""Management mode recommendation (notice §四(四)), by rules a planner can read and change.

In order, the first rule that holds decides:

1. **professional** (专业化物业管理) — large enough for a property company: households ≥
   ``professional_min_households`` *and* floor area ≥ ``professional_min_floor_area_m2`` *and*
   yearly fee income (floor area × fee × 12 × collection rate) ≥ ``professional_min_fee_income_yuan``;
2. **self_managed** (自行管理) — small and well organised: households ≤ ``self_max_households``,
   an owners' committee, a party organisation if ``self_needs_party_org``, and (when known) an
   owners' consent share ≥ ``self_min_consent``;
3. **community_center** (社区物业服务中心) — everything else: the community runs it, "owners pay a
   little, public income makes up a little"; its yearly operating gap is computed.

Rules come from :class:`ModeRules`, overridable from the ``[modes]`` table of a TOML file.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"households": [600, 40, 150], "floor_area_m2": [60000.0, 3000.0, 9000.0],
...                    "owners_committee": [False, True, False], "party_org": [True, True, True]})
>>> recommend_modes(df)["mode"].tolist()
['professional', 'self_managed', 'community_center']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Config, ModeRules, Settings, _load
from ..schema import MODES


def load_mode_rules(path: str | Path | None) -> ModeRules:
    """Read ``[modes]`` from a TOML file (a thin wrapper over :func:`zy_geo.config.load_config`'s checks).

    Parameters
    ----------
    path : str or Path or None
        TOML file; None gives the defaults. Only ``[modes]`` is checked here (and section names).

    Returns
    -------
    ModeRules

    Examples
    --------
    >>> load_mode_rules(None).self_max_households
    60
    """
    if path is None:
        return ModeRules()
    return _load(Path(path), sections=("modes",), base=Config()).modes


def _flag(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(False, index=df.index)
    return df[col].astype("boolean").fillna(False).astype(bool)


def recommend_modes(
    items: pd.DataFrame, *, rules: ModeRules | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Mode, the reason in Chinese, fee income and (community centre) the yearly operating gap.

    Parameters
    ----------
    items : DataFrame
        Compounds or areas with ``households`` and ``floor_area_m2``; ``owners_committee``,
        ``party_org`` and ``consent_share`` (0–1) when known.
    rules : ModeRules, optional
    settings : Settings, optional
        Fee level, collection rate, public income and running costs (``settings.operating``).

    Returns
    -------
    DataFrame
        Aligned to ``items``: ``mode``, ``mode_zh``, ``reason``, ``fee_income_yuan``,
        ``public_income_yuan``, ``operating_cost_yuan``, ``operating_gap_yuan``.
    """
    rules = rules or ModeRules()
    op = (settings or Settings()).operating
    hh = pd.to_numeric(items["households"], errors="coerce").fillna(0)
    area = pd.to_numeric(items.get("floor_area_m2", pd.Series(0.0, index=items.index)), errors="coerce").fillna(0.0)
    fee = area * op.fee_per_m2_month_yuan * 12 * op.collection_rate
    public = hh * op.public_income_per_household_year_yuan
    cost = op.base_cost_per_area_year_yuan + hh * op.cost_per_household_year_yuan
    committee, party = _flag(items, "owners_committee"), _flag(items, "party_org")
    consent = pd.to_numeric(items.get("consent_share", pd.Series(np.nan, index=items.index)), errors="coerce")
    consent_ok = consent.isna() | (consent >= rules.self_min_consent)

    professional = (hh >= rules.professional_min_households) & (area >= rules.professional_min_floor_area_m2) & \
        (fee >= rules.professional_min_fee_income_yuan)
    self_ok = (hh <= rules.self_max_households) & committee & (party | (not rules.self_needs_party_org)) & consent_ok
    mode = np.where(professional, "professional", np.where(self_ok, "self_managed", "community_center"))

    reasons = []
    for i in range(len(items)):
        h, a, f = int(hh.iat[i]), float(area.iat[i]), float(fee.iat[i])
        if mode[i] == "professional":
            reasons.append(f"{h}户、建筑面积{a:,.0f}㎡、年物业费收入约{f:,.0f}元，达到专业化物业管理条件"
                           f"（≥{rules.professional_min_households}户、≥{rules.professional_min_floor_area_m2:,.0f}㎡、"
                           f"≥{rules.professional_min_fee_income_yuan:,.0f}元）")
        elif mode[i] == "self_managed":
            reasons.append(f"规模较小（{h}户 ≤ {rules.self_max_households}户）且已有业委会"
                           + ("、党组织" if party.iat[i] else "") + "，自治管理方案经业主表决后可自行管理")
        else:
            why = []
            if not professional.iat[i]:
                why.append(f"{h}户、{a:,.0f}㎡、年物业费约{f:,.0f}元，不足以引入专业物业企业")
            if h <= rules.self_max_households and not committee.iat[i]:
                why.append("尚无业委会，暂不具备自行管理条件")
            reasons.append("；".join(why) + "；由社区物业服务中心管理，业主支付一点、公共收益弥补一点")
    gap = np.where(mode == "community_center", cost - fee - public, 0.0)
    return pd.DataFrame({
        "mode": mode, "mode_zh": [MODES[m] for m in mode], "reason": reasons,
        "fee_income_yuan": fee.round(0).to_numpy(), "public_income_yuan": public.round(0).to_numpy(),
        "operating_cost_yuan": cost.round(0).to_numpy(), "operating_gap_yuan": np.round(gap, 0),
    }, index=items.index)
