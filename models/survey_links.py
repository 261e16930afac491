"""问卷链接: a satisfaction survey opened to students, parents or staff through a link or QR code.

The link fixes who answers (教职工 / 学生 / 家长); the respondent never chooses it. A link admits one answer
sheet either per one-time code (答卷码, printed in batches as slips with QR codes; the database lets each code be
used once, even by two phones at the same instant) or per logged-in person (one sheet per account per link).
The sheets are ordinary 答卷 (models/satisfaction.py), so they count in the survey's 满意率.
"""
from __future__ import annotations

import secrets

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lines,
    choice,
    computed,
    flag,
    integer,
    key,
    moment,
    pk,
    relation,
    text,
)
from app.meta import clock
from models.satisfaction import Identity

MENU = "满意度"
BATCH_MAX = 500
# Code letters a person can read off a slip and type: no 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DIGITS = "23456789"
CODE_LENGTH = 8


class Admission(Choice):
    code = "凭答卷码（每码一份）"
    login = "登录后填写（每人一份）"


class SurveyLink(Entity):
    __tablename__ = "survey_link"
    __admin__ = Admin(
        "问卷链接",
        menu=MENU,
        icon="fa-link",
        menu_order=35,
        list=["survey", "audience", "admission", "active", "issued", "used"],
        search=["survey", "audience", "admission", "active"],
        form=["survey", "audience", "admission", "active", "batch"],
        show=["survey", "audience", "admission", "active", "issued", "used"],
        order=("id", "desc"),
        lookup=["survey.title", "slug"],
        lines=[Lines("codes", ["code", "used_at"], min_rows=0, entered=False)],
    )
    id = pk()
    survey_id = key("survey.id", required=True)
    survey = relation("Survey", "调查", lazy="joined")
    audience = choice(Identity, "填写人身份", required=True, help="由链接确定，填写人不能更改")
    admission = choice(Admission, "填写方式", required=True, default=Admission.code)
    # The link's own address (/survey/<slug>), unguessable: a link to one audience cannot be guessed from another's.
    slug = text("链接码", 40, required=True, unique=True)
    active = flag("开放填写", default=True)
    batch = integer("新发答卷码数量", min=0, max=BATCH_MAX, help=f"保存时按此数量生成一批答卷码（每次最多 {BATCH_MAX} 个）")
    codes = relation("SurveyCode", "答卷码", back_populates="link", cascade="all, delete-orphan",
                     order_by="SurveyCode.id")

    def __str__(self) -> str:
        audience = self.audience.value if self.audience else ""
        return f"{self.survey.title if self.survey else ''}（{audience}）"

    @computed("已发答卷码")
    def issued(self) -> int:
        return len(self.codes)

    @computed("已使用")
    def used(self) -> int:
        return sum(1 for c in self.codes if c.used_at is not None)

    def before_save(self) -> None:
        if not self.slug:
            self.slug = secrets.token_urlsafe(12)
        if self.batch:
            if self.admission == Admission.code:
                self.issue(self.batch)
            self.batch = None

    def validate(self) -> dict[str, str]:
        if self.batch and self.admission != Admission.code:
            return {"batch": "登录后填写的链接不发答卷码"}
        return {}

    def issue(self, count: int) -> list["SurveyCode"]:
        made = [SurveyCode(code=new_code()) for _ in range(count)]
        self.codes.extend(made)
        return made

    def is_open(self) -> bool:
        survey = self.survey
        today = clock.today()
        return bool(self.active and survey is not None and survey.starts_on <= today <= survey.ends_on)


class SurveyCode(Entity):
    __tablename__ = "survey_code"
    __admin__ = Admin(
        "答卷码",
        menu=MENU,
        icon="fa-ticket",
        menu_order=36,
        list=["link", "code", "used_at"],
        search=["link", "code", "used_at"],
        form=["link", "code"],
        order=("id", "desc"),
        lookup=["code"],
    )
    id = pk()
    link_id = key("survey_link.id", required=True)
    link = relation("SurveyLink", "问卷链接", back_populates="codes")
    code = text("答卷码", 16, required=True, unique=True)
    used_at = moment("使用时间")

    def __str__(self) -> str:
        return self.code or ""


def new_code() -> str:
    """Eight characters, the last a digit: a code reads as a code, never as a word."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH - 1)) + secrets.choice(DIGITS)


def normalized(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:16]
