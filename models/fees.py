"""代办费: money the school collects on the families' behalf each term (校服费, 保险费, 教辅资料费 …) and pays out
again; 财务 enters one row per term and item, and its 收支余 (收入, 支出, 结余) is posted to all staff every term
(views/agency_fee_board.py)."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import UniqueConstraint

from app.declare import Admin, Entity, Scope, computed, integer, long_text, money, pk, text

CENT = Decimal("0.01")
TERM = re.compile(r"(\d{4})-(\d{4})学年第[一二]学期")
# The items most schools collect (suggested in the form's help; any other name may be entered).
USUAL_ITEMS = ("校服费", "保险费", "教辅资料费", "作业本费", "体检费", "住宿用品费", "社会实践活动费")


class AgencyFee(Entity):
    __tablename__ = "agency_fee"
    __table_args__ = (UniqueConstraint("term", "item"),)
    __admin__ = Admin(
        "代办费",
        menu="采购管理",
        icon="fa-money",
        menu_order=70,
        list=["term", "item", "payers", "income", "spending", "balance"],
        search=["term", "item"],
        form=["term", "item", "payers", "income", "spending", "remark"],
        show=["term", "item", "payers", "income", "spending", "balance", "remark"],
        order=("term", "desc"),
        lookup=["term", "item"],
        scope=Scope(),  # school-wide figures, posted to all staff
    )
    id = pk()
    term = text("学期", 40, required=True, index=True, help="例：2025-2026学年第二学期")
    item = text("项目", 50, required=True, help="如 " + "、".join(USUAL_ITEMS))
    payers = integer("收取人数", min=0, max=1_000_000)
    income = money("收入金额", required=True, min=0)
    spending = money("支出金额", required=True, min=0)
    remark = long_text("备注")

    def __str__(self) -> str:
        return f"{self.term or ''} {self.item or ''}".strip()

    @computed("结余", fmt="money")
    def balance(self) -> Decimal:
        """结余 = 收入金额 − 支出金额 (what is to be refunded or carried over)."""
        return (Decimal(self.income or 0) - Decimal(self.spending or 0)).quantize(CENT)

    def before_save(self) -> None:
        self.term = (self.term or "").strip() or None
        self.item = (self.item or "").strip() or None

    def validate(self) -> dict[str, str]:
        errors = {}
        found = TERM.fullmatch(self.term or "") if self.term else None
        if self.term and (found is None or int(found.group(2)) != int(found.group(1)) + 1):
            errors["term"] = "学期格式应为「2025-2026学年第二学期」"
        if self.income is not None and self.income < 0:
            errors["income"] = "收入金额不能为负数"
        if self.spending is not None and self.spending < 0:
            errors["spending"] = "支出金额不能为负数"
        if self.payers is not None and self.payers < 0:
            errors["payers"] = "收取人数不能为负数"
        return errors
