"""功能室预约: the rooms a teacher may book (功能教室, 活动室, 会议室, 报告厅), booked by 节次 on a day.

A booking takes one room on one day from a 开始节次 to a 结束节次. Each 节次 it holds is a row of ``VenueSlot``
(room, day, 节次) under a unique constraint: of two people booking the same 节次 at the same moment, the
database lets exactly one commit, on SQLite and PostgreSQL alike; the other is refused in Chinese (the guard's
message). Before that, the booking's own rule names who holds the 节次 and for what. A booking 已驳回 or
已取消 gives its 节次 back (its slot rows are deleted with it leaving 待审批/已批准).

A room that 需要审批 is approved by its 管理员 (or 后勤主任); otherwise a booking is 已批准 as soon as it is
saved, and so is one its 管理员 makes. The day's 节次 and their times are config ``SCHOOL_PERIODS``
(``{"第1节": ("08:00", "08:45"), …}``); a 节次 it leaves out cannot be booked.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lock,
    Scope,
    choice,
    day,
    flag,
    integer,
    key,
    long_text,
    moment,
    pk,
    quick,
    relation,
    serial,
    text,
    unique,
)
from app.declare.workflow import Step, Workflow, person, role
from app.meta import clock


class VenueKind(Choice):
    functional = "功能教室"
    activity = "活动室"
    meeting = "会议室"
    hall = "报告厅"


class Period(Choice):
    """The 节次 of a school day, in the order of the day."""

    p1 = "第1节"
    p2 = "第2节"
    p3 = "第3节"
    p4 = "第4节"
    noon = "午间"
    p5 = "第5节"
    p6 = "第6节"
    p7 = "第7节"
    p8 = "第8节"
    evening = "晚间"


ORDER = list(Period)
DEFAULT_PERIODS = {
    "第1节": ("08:00", "08:45"), "第2节": ("08:55", "09:40"), "第3节": ("10:00", "10:45"),
    "第4节": ("10:55", "11:40"), "午间": ("12:20", "13:20"), "第5节": ("14:00", "14:45"),
    "第6节": ("14:55", "15:40"), "第7节": ("16:00", "16:45"), "第8节": ("16:55", "17:40"),
    "晚间": ("18:40", "20:40"),
}
WEEKDAYS = "一二三四五六日"


def period_times() -> dict[Period, tuple[time, time]]:
    """The 节次 the school keeps (config SCHOOL_PERIODS), each with its start and end time, in day order."""
    try:
        from flask import current_app

        declared = current_app.config.get("SCHOOL_PERIODS") or DEFAULT_PERIODS
    except RuntimeError:  # outside the application (demo builder, plain scripts)
        declared = DEFAULT_PERIODS
    found = {}
    for period in ORDER:
        if period.value in declared:
            start, end = declared[period.value]
            found[period] = (time.fromisoformat(start), time.fromisoformat(end))
    return found


def periods_between(first: Period | None, last: Period | None) -> list[Period]:
    """The 节次 from ``first`` to ``last`` (``last`` None: just ``first``); empty when they run backwards."""
    if first is None:
        return []
    last = last or first
    return ORDER[ORDER.index(first):ORDER.index(last) + 1]


def weekday_name(on: date) -> str:
    return "周" + WEEKDAYS[on.weekday()]


class BookingStatus(Choice):
    pending = "待审批"
    approved = "已批准"
    rejected = "已驳回"
    cancelled = "已取消"


HOLDING = (BookingStatus.pending, BookingStatus.approved)  # these hold their 节次
CLOSED = (BookingStatus.rejected, BookingStatus.cancelled)


class Venue(Entity):
    __tablename__ = "venue"
    __admin__ = Admin(
        "功能室",
        menu="功能室预约",
        icon="fa-building-o",
        menu_order=40,
        list=["name", "kind", "location", "capacity", "manager", "needs_approval", "open_days", "bookable"],
        search=["name", "kind", "location", "manager", "needs_approval", "bookable"],
        form=["name", "kind", "location", "capacity", "manager", "needs_approval", "open_days", "open_noon",
              "open_evening", "bookable", "notice"],
        order=("id", "asc"),
        lookup=["name"],
        quick_filters=[quick("需要审批", needs_approval=True), quick("暂停预约", bookable=False)],
    )
    id = pk()
    name = text("名称", 50, required=True, unique=True, pinyin=True)
    kind = choice(VenueKind, "类型", required=True, default=VenueKind.functional)
    location_id = key("location.id")
    location = relation("Location", "房间/场所")
    capacity = integer("容纳人数", required=True, default=50, min=1, max=2000)
    manager_id = key("staff.id", required=True)
    manager = relation("Staff", "管理员", help="审批预约、查看每天的预约")
    needs_approval = flag("需要审批", help="勾选后，预约须经管理员审批；不勾选则提交即预约成功")
    open_days = text("开放日", 7, required=True, default="一二三四五", help="写星期几，如：一二三四五")
    open_noon = flag("午间开放")
    open_evening = flag("晚间开放")
    bookable = flag("可预约", default=True, help="不勾选则暂停预约（维修、考试占用等）")
    notice = long_text("使用须知")

    def __str__(self) -> str:
        return self.name or ""

    def open_on(self, on: date) -> bool:
        return WEEKDAYS[on.weekday()] in (self.open_days or "")

    def open_in(self, period: Period) -> bool:
        if period == Period.noon:
            return bool(self.open_noon)
        if period == Period.evening:
            return bool(self.open_evening)
        return True

    def validate(self) -> dict[str, str]:
        errors = {}
        days = (self.open_days or "").replace("七", "日").replace("天", "日")
        if any(c not in WEEKDAYS for c in days) or len(set(days)) != len(days):
            errors["open_days"] = "开放日只能写「一二三四五六日」中的字，每个字写一次"
        else:
            self.open_days = "".join(c for c in WEEKDAYS if c in days)
        return errors


# Approved by the room's 管理员, or 后勤主任 when the 管理员 is away; the applicant (or the room's side) may cancel.
BOOKING_WORKFLOW = Workflow("status", requester="applicant", started="applied_at", steps=(
    Step("approve", "预约审批", (BookingStatus.pending,), BookingStatus.approved,
         person("venue.manager") | role("后勤主任"), not_by=("applicant",), reject_to=BookingStatus.rejected,
         style="success"),
    Step("cancel", "取消预约", HOLDING, BookingStatus.cancelled,
         person("applicant", "venue.manager") | role("后勤主任"),
         when=lambda booking: booking.day is None or booking.day >= clock.today(), style="default", optional=True,
         confirm="确定取消这次预约吗？取消后该时段可由他人预约。"),
))


class VenueBooking(Entity):
    __tablename__ = "venue_booking"
    __admin__ = Admin(
        "预约记录",
        menu="功能室预约",
        icon="fa-calendar-check-o",
        menu_order=20,
        list=["code", "venue", "day", "start_period", "end_period", "purpose", "applicant", "status"],
        search=["code", "venue", "day", "start_period", "purpose", "applicant", "department", "status"],
        form=["venue", "day", "start_period", "end_period", "purpose", "attendees", "applicant", "department"],
        self_form=["venue", "day", "start_period", "end_period", "purpose", "attendees"],
        show=["code", "venue", "day", "start_period", "end_period", "purpose", "attendees", "applicant",
              "department", "applied_at", "status"],
        order=("day", "desc"),
        lookup=["code", "purpose"],
        summary=["venue", "day", "start_period", "end_period", "purpose", "applicant"],
        quick_filters=[
            quick("待审批", status=BookingStatus.pending),
            quick("今天", where=lambda m: m.day == clock.today()),
            quick("今后", where=lambda m: m.day >= clock.today()),
        ],
        scope=Scope(department="department", owner=("applicant", "venue.manager")),
        lock=Lock(closed_in=CLOSED, message="该预约{state}，不能再修改；如仍需使用请重新预约",
                  reopen_in=(BookingStatus.approved,), reopen_on=("venue", "day", "start_period", "end_period"),
                  reopen_to=BookingStatus.pending),
        workflow=BOOKING_WORKFLOW,
    )
    id = pk()
    code = serial("预约单号", "YY")
    venue_id = key("venue.id", required=True)
    venue = relation("Venue", "功能室")
    day = day("日期", required=True, index=True)
    start_period = choice(Period, "开始节次", required=True)
    end_period = choice(Period, "结束节次", help="不填则只预约开始的这一节")
    purpose = text("用途", 100, required=True, help="如：高一（3）班化学分组实验")
    attendees = integer("人数", min=1, max=2000)
    applicant_id = key("staff.id", required=True)
    applicant = relation("Staff", "申请人", prefill="current_staff")
    department_id = key("department.id", required=True)
    department = relation("Department", "申请部门", prefill="current_department")
    applied_at = moment("申请时间", prefill="now")
    status = choice(BookingStatus, "状态", required=True, default=BookingStatus.pending, index=True)
    slots = relation("VenueSlot", "占用节次", back_populates="booking", cascade="all, delete-orphan")

    def __str__(self) -> str:
        when = f"{self.day.month}月{self.day.day}日" if self.day else ""
        return f"{self.venue or ''} {when} {self.periods_text()}".strip()

    def periods(self) -> list[Period]:
        return periods_between(self.start_period, self.end_period)

    def periods_text(self) -> str:
        found = self.periods()
        if not found:
            return ""
        return found[0].value if len(found) == 1 else f"{found[0].value}至{found[-1].value}"

    def holds(self) -> bool:
        return (self.status or BookingStatus.pending) in HOLDING

    def before_save(self) -> None:
        if self.status is None:
            self.status = BookingStatus.pending
        if self.applied_at is None:
            self.applied_at = clock.now().replace(second=0)
        if self.end_period is None:
            self.end_period = self.start_period
        if self.applicant is not None and self.department is None:
            self.department = self.applicant.department
        venue = self.venue
        if self.status == BookingStatus.pending and venue is not None and (
                not venue.needs_approval or (self.applicant is not None and venue.manager is self.applicant)):
            self.status = BookingStatus.approved  # no approval needed, or the manager books their own room
        self.hold_slots()

    def hold_slots(self) -> None:
        """One slot row per 节次 held; none once the booking no longer holds them (驳回, 取消)."""
        wanted = set()
        if self.holds() and self.venue is not None and self.day is not None:
            wanted = {(self.venue.id, self.day, period) for period in self.periods()}
        kept = []
        for slot in list(self.slots):
            mark = (slot.venue_id if slot.venue is None else slot.venue.id, slot.day, slot.period)
            if mark in wanted:
                wanted.discard(mark)
                kept.append(slot)
        for _venue_id, on, period in sorted(wanted, key=lambda w: ORDER.index(w[2])):
            kept.append(VenueSlot(venue=self.venue, day=on, period=period))
        self.slots = kept

    def validate(self) -> dict[str, str]:
        errors = {}
        venue, on = self.venue, self.day
        if not self.holds() or venue is None or on is None or self.start_period is None:
            return errors
        periods = self.periods()
        if not periods:
            errors["end_period"] = "结束节次不能早于开始节次"
            return errors
        if not venue.bookable:
            errors["venue"] = f"「{venue}」暂停预约"
        times = period_times()
        now = clock.now()
        if on < now.date():
            errors["day"] = "不能预约已经过去的日期"
        elif not venue.open_on(on):
            errors["day"] = f"「{venue}」{weekday_name(on)}不开放（开放日：周{venue.open_days or '无'}）"
        closed = [p.value for p in periods if p not in times or not venue.open_in(p)]
        if closed:
            errors["start_period"] = f"「{venue}」{'、'.join(closed)}不开放预约"
        elif "day" not in errors and datetime.combine(on, times[periods[0]][0]) <= now:
            errors["start_period"] = f"{periods[0].value}已经开始，不能再预约"
        if self.attendees is not None and venue.capacity and self.attendees > venue.capacity:
            errors["attendees"] = f"人数超过「{venue}」的容纳人数（{venue.capacity} 人）"
        if not errors:
            taken = self.taken_by_others()
            if taken:
                errors["start_period"] = "该时段已被预约：" + "；".join(taken)
        return errors

    def taken_by_others(self) -> list[str]:
        """Who holds any of this booking's 节次 already: "第3节 林晓燕（高一化学实验）"."""
        from sqlalchemy.orm import object_session

        from app.extensions import db

        session = object_session(self) or db.session
        where = [VenueSlot.venue_id == self.venue.id, VenueSlot.day == self.day, VenueSlot.period.in_(self.periods())]
        if self.id is not None:
            where.append(VenueSlot.booking_id != self.id)
        with session.no_autoflush:
            rows = session.execute(select(VenueSlot.period, VenueBooking).join(VenueSlot.booking)
                                   .where(*where)).all()
        found = {}
        for period, booking in sorted(rows, key=lambda row: ORDER.index(row[0])):
            who = f"{booking.applicant.name if booking.applicant else ''}（{booking.purpose or ''}）"
            found.setdefault(who, []).append(period.value)
        return [f"{'、'.join(periods)} {who}" for who, periods in found.items()]


class VenueSlot(Entity):
    """One 节次 of a room held by a booking: the unique constraint is what keeps two bookings apart."""

    __tablename__ = "venue_slot"
    __table_args__ = (unique("venue_id", "day", "period", name="uq_venue_slot_taken",
                             message="该时段刚刚已被他人预约，请返回预约日历另选时段"),)
    __admin__ = Admin("预约时段", generate=False, api=False)
    id = pk()
    venue_id = key("venue.id", required=True, index=False)
    venue = relation("Venue", "功能室")
    day = day("日期", required=True)
    period = choice(Period, "节次", required=True)
    booking_id = key("venue_booking.id", required=True, ondelete="CASCADE")
    booking = relation("VenueBooking", "预约", back_populates="slots")
