"""投诉建议: feedback anyone sends about a service unit from a public page reached by a QR code (no login).

Each posted QR code is a 反馈点 (师生食堂一楼, 1号宿舍楼, 后勤办公室): it names the place and, usually, the unit the
feedback concerns. The feedback goes to that unit's manager (data scope by department: 食堂管理员 sees the
canteen's, 后勤主任 all), who replies (待处理 → 已回复) and closes it (已关闭). The sender keeps a private link
(an unguessable token) to read the reply. Target: replied within 3 days.
"""
from __future__ import annotations

import re
import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lock,
    Scope,
    choice,
    computed,
    flag,
    key,
    long_text,
    moment,
    pk,
    quick,
    relation,
    text,
)
from app.declare.workflow import Step, Workflow, role
from app.meta import clock

MENU = "满意度"
ANSWER_WITHIN = timedelta(days=3)
CONTENT_MAX = 1000
CODE = re.compile(r"[a-z0-9-]{2,30}")
# Who answers for a unit's feedback, each within their data scope (their own department; 后勤主任 every unit).
MANAGERS = ("后勤主任", "食堂管理员", "宿管员", "水电工", "绿化环卫")


class FeedbackKind(Choice):
    complaint = "投诉"
    suggestion = "建议"
    praise = "表扬"


class FeedbackStatus(Choice):
    pending = "待处理"
    replied = "已回复"
    closed = "已关闭"


class FeedbackPoint(Entity):
    __tablename__ = "feedback_point"
    __admin__ = Admin(
        "反馈二维码",
        menu=MENU,
        icon="fa-qrcode",
        menu_order=60,
        list=["name", "code", "unit", "active"],
        search=["name", "code", "unit", "active"],
        form=["name", "code", "unit", "active"],
        order=("code", "asc"),
        lookup=["name", "code"],
        scope=Scope(department="unit"),
    )
    id = pk()
    name = text("张贴位置", 50, required=True, help="例：师生食堂一楼大厅、1号宿舍楼门厅")
    code = text("二维码编码", 30, required=True, unique=True,
                help="二维码网址的末段：小写字母、数字或连字符，例：st1（食堂）、ss3（3号宿舍楼）")
    unit_id = key("department.id")
    unit = relation("Department", "服务单位", help="不填则由反馈人选择服务单位（如后勤办公室）")
    active = flag("启用", default=True)

    def __str__(self) -> str:
        return self.name or ""

    def validate(self) -> dict[str, str]:
        if self.code is not None and not CODE.fullmatch(self.code):
            return {"code": "编码只能用 2–30 个小写字母、数字或连字符"}
        return {}


FEEDBACK_WORKFLOW = Workflow("status", started="submitted_at", steps=(
    Step("reply", "回复", (FeedbackStatus.pending,), FeedbackStatus.replied, role(*MANAGERS),
         fields=("reply",), required=("reply",), effect="on_replied", style="success"),
    Step("close", "关闭", (FeedbackStatus.replied,), FeedbackStatus.closed, role(*MANAGERS),
         effect="on_closed", optional=True),
))


def _late(feedback: "Feedback") -> bool:
    return feedback.status == FeedbackStatus.pending and feedback.submitted_at is not None \
        and feedback.submitted_at + ANSWER_WITHIN < clock.now()


class Feedback(Entity):
    __tablename__ = "feedback"
    __admin__ = Admin(
        "投诉建议",
        menu=MENU,
        icon="fa-comments-o",
        menu_order=50,
        list=["submitted_at", "unit", "kind", "content", "point", "status", "replied_at"],
        search=["submitted_at", "unit", "kind", "status", "point", "content"],
        show=["submitted_at", "unit", "kind", "content", "contact", "point", "status", "reply", "replier",
              "replied_at", "closed_at", "answered_in_time"],
        form=["unit", "kind", "content", "contact"],
        order=("submitted_at", "desc"),
        quick_filters=[quick("待处理", status=FeedbackStatus.pending), quick("投诉", kind=FeedbackKind.complaint)],
        summary=["unit", "kind", "content", "submitted_at"],
        scope=Scope(department="unit"),
        lock=Lock(open_in=(FeedbackStatus.pending,), message="该投诉建议{state}，不能再修改"),
        overdue=_late,
        workflow=FEEDBACK_WORKFLOW,
        public=["point", "unit", "kind", "content", "contact", "token"],
    )
    id = pk()
    point_id = key("feedback_point.id")
    point = relation("FeedbackPoint", "来源")
    unit_id = key("department.id", required=True)
    unit = relation("Department", "服务单位")
    kind = choice(FeedbackKind, "类别", required=True, default=FeedbackKind.complaint)
    content = long_text("内容", required=True)
    contact = text("联系方式", 50, help="选填：电话或微信，便于回访")
    submitted_at = moment("提交时间", required=True, prefill="now", index=True)
    # The sender's private link to the reply (/feedback/reply/<token>); never shown to staff.
    token = text("查询码", 40, required=True, unique=True)
    status = choice(FeedbackStatus, "状态", required=True, default=FeedbackStatus.pending, index=True)
    reply = long_text("回复内容")
    replier = text("回复人", 50)
    replied_at = moment("回复时间")
    closed_at = moment("关闭时间")

    def __str__(self) -> str:
        kind = self.kind.value if self.kind else "反馈"
        return f"{kind}：{(self.content or '')[:20]}"

    @computed("3日内回复", fmt="bool")
    def answered_in_time(self) -> bool:
        return answered_within(self.submitted_at, self.replied_at)

    def before_save(self) -> None:
        if self.status is None:
            self.status = FeedbackStatus.pending
        if self.submitted_at is None:
            self.submitted_at = clock.now().replace(microsecond=0)
        if not self.token:
            self.token = new_token()
        if self.unit is None and self.point is not None:
            self.unit = self.point.unit
        if self.content is not None:
            self.content = self.content.strip()

    def validate(self) -> dict[str, str]:
        errors = {}
        if not self.content:
            errors["content"] = "请填写内容"
        elif len(self.content) > CONTENT_MAX:
            errors["content"] = f"内容不能超过 {CONTENT_MAX} 字（现有 {len(self.content)} 字）"
        if self.unit is None and self.unit_id is None:
            errors["unit"] = "请选择服务单位"
        if self.reply is not None and len(self.reply) > CONTENT_MAX:
            errors["reply"] = f"回复不能超过 {CONTENT_MAX} 字"
        return errors

    def on_replied(self, session) -> None:
        from models.org import current_staff

        staff = current_staff()
        self.replier = staff.name if staff is not None else None
        self.replied_at = clock.now().replace(microsecond=0)

    def on_closed(self, session) -> None:
        self.closed_at = clock.now().replace(microsecond=0)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def answered_within(submitted_at: datetime | None, replied_at: datetime | None) -> bool:
    return bool(submitted_at and replied_at and replied_at - submitted_at <= ANSWER_WITHIN)


def monthly_figures(session, where: tuple = (), months: int = 6, today: date | None = None) -> dict:
    """Feedback received per unit per month over the last ``months`` months (this one included), and the share
    answered within 3 days. ``where``: extra criteria (the reader's data scope).

    Returns ``{"months": ["2026-07", …], "units": [{"unit", "counts": [n per month], "total", "answered",
    "share_text"}], "total", "answered", "share_text"}``; a unit without feedback in the period is left out.
    ``answered``: replied within 3 days of being sent.
    """
    today = today or clock.today()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    keys = []
    cursor = first
    while cursor <= today:
        keys.append(f"{cursor:%Y-%m}")
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    from models.org import Department

    rows = session.execute(
        select(Department.name, Feedback.submitted_at, Feedback.replied_at)
        .join(Department, Feedback.unit_id == Department.id)
        .where(Feedback.submitted_at >= datetime.combine(first, datetime.min.time()), *where)).all()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    answered: dict[str, int] = defaultdict(int)
    for unit, submitted_at, replied_at in rows:
        counts[unit][f"{submitted_at:%Y-%m}"] += 1
        answered[unit] += answered_within(submitted_at, replied_at)
    units = []
    for unit in sorted(counts):
        total = sum(counts[unit].values())
        units.append({"unit": unit, "counts": [counts[unit].get(k, 0) for k in keys], "total": total,
                      "answered": answered[unit], "share_text": _share(answered[unit], total)})
    total, done = sum(u["total"] for u in units), sum(u["answered"] for u in units)
    return {"months": keys, "units": units, "total": total, "answered": done, "share_text": _share(done, total)}


def _share(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def open_count(session, where: tuple = ()) -> int:
    return session.scalar(select(func.count(Feedback.id)).where(Feedback.status == FeedbackStatus.pending, *where)) or 0
