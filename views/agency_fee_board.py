"""代办费公示: a term's 代办费 收支余 — per item 收取人数, 收入, 支出, 结余 and the totals — posted for all staff once
财务 has entered the term's figures (models/fees.py); exported to Excel as shown.

Public to every member of staff (``everyone = True``), without the data scope: the figures are the school's, the
same for everyone. The terms offered are those with figures, newest first; without one chosen, the newest.
"""
from __future__ import annotations

from decimal import Decimal

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select

from app.extensions import db
from app.features import export
from models.fees import AgencyFee

from .base import PostingPage

ZERO = Decimal("0.00")
COLUMNS = [export.Column("item", "项目", "text"), export.Column("payers", "收取人数", "number"),
           export.Column("income", "收入金额", "money"), export.Column("spending", "支出金额", "money"),
           export.Column("balance", "结余", "money"), export.Column("remark", "备注", "text")]


def terms() -> list[str]:
    """The terms the school has entered figures for, newest first (二 sorts after 一 within a school year)."""
    return list(db.session.scalars(select(AgencyFee.term).distinct().order_by(AgencyFee.term.desc())))


def chosen_term(args, offered: list[str]) -> tuple[str | None, str | None]:
    term = (args.get("term") or "").strip()
    if not term:
        return (offered[0] if offered else None), None
    if term in offered:
        return term, None
    return (offered[0] if offered else None), f"「{term}」尚未录入代办费收支，已显示最近的学期"


def fees(term: str | None) -> list[AgencyFee]:
    if term is None:
        return []
    return list(db.session.scalars(select(AgencyFee).where(AgencyFee.term == term).order_by(AgencyFee.id)))


def totals(found: list[AgencyFee]) -> dict[str, Decimal]:
    return {"income": sum((Decimal(f.income or 0) for f in found), ZERO),
            "spending": sum((Decimal(f.spending or 0) for f in found), ZERO),
            "balance": sum((f.balance() for f in found), ZERO)}


class AgencyFeeBoardView(PostingPage):
    route_base = "/agency-fee-board"
    class_permission_name = "AgencyFeeBoard"
    menu_label = "代办费公示"
    menu_category = "采购管理"

    @expose("/")
    @has_access
    def index(self):
        offered = terms()
        term, error = chosen_term(request.args, offered)
        found = fees(term)
        return self.render("views/agency_fee_board.html", term=term, terms=offered, error=error, fees=found,
                           totals=totals(found), title=f"代办费收支公示（{term}）" if term else "代办费收支公示")

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        term, _ = chosen_term(request.args, terms())
        found = fees(term)
        total = totals(found)
        lines = [[f.item, f.payers, f.income, f.spending, f.balance(), f.remark] for f in found]
        lines.append(["合计", None, total["income"], total["spending"], total["balance"], None])
        handle = export.write_xlsx(COLUMNS, [lines], "代办费收支公示")
        return export.file_response(handle, f"代办费收支公示-{term or '未录入'}.xlsx")
