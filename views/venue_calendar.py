"""预约功能室: the bookable rooms, each room's week of 节次 (free or taken), a booking form prefilled from a tapped
free 节次, and 今日预约 — the day's bookings of the rooms the login user manages (后勤主任: of every room).

A room's calendar is its public timetable: every member of staff sees which 节次 are taken, by whom and for
what, as on the sheet at a room's door. It reads the held 节次 (``VenueSlot``, which declares no data scope) and
the booking holding each; the bookings themselves, with their details and history, stay within each person's
data scope (预约记录). A booking is saved through the one write path (``write.save``): the room's rules and the
slot constraint refuse a taken 节次, a closed day or 节次, a past time; a refused booking is shown again with
everything typed kept. On a phone the week shows one day at a time, with a day switcher.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from app.declare.roles import DataScope
from app.extensions import db
from app.features.dashboard import view_of
from app.meta import clock
from app.rules import read, scope, write
from models.org import current_staff
from models.venues import (
    HOLDING,
    BookingStatus,
    Period,
    Venue,
    VenueBooking,
    VenueSlot,
    period_times,
    periods_between,
    weekday_name,
)

from .base import SchoolPage

FREE, TAKEN, CLOSED, PAST = "free", "taken", "closed", "past"


class BookingForm(FlaskForm):
    """Carries only the CSRF token; the fields are read from the request."""


def _day(raw: str | None) -> date:
    try:
        return date.fromisoformat((raw or "")[:10])
    except ValueError:
        return clock.today()


def _period(raw: str | None) -> Period | None:
    return Period.__members__.get(raw or "")


def day_label(on: date) -> str:
    return f"{on.month}月{on.day}日 {weekday_name(on)}"


def bookable_venues() -> list[Venue]:
    return list(db.session.scalars(read.select(Venue, Venue.bookable.is_(True)).order_by(Venue.id)))


def held(venue: Venue, first: date, last: date) -> dict[tuple[date, Period], VenueBooking]:
    """The booking holding each 节次 of ``venue`` from ``first`` to ``last``."""
    rows = db.session.execute(read.select(VenueSlot, VenueSlot.venue_id == venue.id, VenueSlot.day >= first,
                                          VenueSlot.day <= last, columns=(VenueSlot.day, VenueSlot.period,
                                                                          VenueBooking))
                              .join(VenueSlot.booking)).all()
    return {(on, period): booking for on, period, booking in rows}


def cell(venue: Venue, on: date, period: Period, taken: dict, now: datetime) -> dict:
    """What one 节次 of a day shows: free (with its booking link), taken (by whom, for what), closed or past."""
    times = period_times()
    booking = taken.get((on, period))
    if booking is not None:
        return {"state": TAKEN, "booking": booking,
                "text": f"{'待审批' if booking.status == BookingStatus.pending else '已约'}"
                        f" {booking.applicant.name if booking.applicant else ''}（{booking.purpose or ''}）"}
    if period not in times or not venue.open_on(on) or not venue.open_in(period):
        return {"state": CLOSED, "text": "不开放"}
    if datetime.combine(on, times[period][0]) <= now:
        return {"state": PAST, "text": "已过"}
    return {"state": FREE, "text": "空闲",
            "url": url_for("VenueCalendarView.book", venue_id=venue.id, day=on.isoformat(), period=period.name)}


def _manages_all() -> bool:
    return DataScope.all in scope.scopes_for(VenueBooking, current_user)


class VenueCalendarView(SchoolPage):
    route_base = "/venues"
    default_view = "index"
    class_permission_name = "VenueCalendar"
    method_permission_name = {"index": "read", "room": "read", "book": "add", "submit": "add", "today": "read"}
    menu_label = "预约功能室"
    menu_category = "功能室预约"
    menu_icon = "fa-calendar-plus-o"

    @expose("/")
    @has_access
    def index(self):
        today = clock.today()
        venues = bookable_venues()
        counts = dict(db.session.execute(read.select(
            VenueSlot, VenueSlot.day == today, columns=(VenueSlot.venue_id, func.count(VenueSlot.id)))
            .group_by(VenueSlot.venue_id)).all())
        open_today = {venue.id: sum(1 for p in period_times() if venue.open_on(today) and venue.open_in(p))
                      for venue in venues}
        return self.render("views/venue_rooms.html", venues=venues, counts=counts, open_today=open_today,
                           today=today, day_label=day_label)

    def _venue(self, venue_id: int) -> Venue:
        venue = read.one(db.session, Venue, venue_id)
        if venue is None:
            abort(404)
        return venue

    @expose("/<int:venue_id>")
    @has_access
    def room(self, venue_id):
        venue = self._venue(venue_id)
        chosen = _day(request.args.get("day"))
        monday = chosen - timedelta(days=chosen.weekday())
        week = [monday + timedelta(days=i) for i in range(7)]
        taken = held(venue, week[0], week[-1])
        now = clock.now()
        times = period_times()
        grid = {(on, period): cell(venue, on, period, taken, now) for on in week for period in times}
        return self.render("views/venue_room.html", title=f"预约{venue}", venue=venue, chosen=chosen, week=week,
                           times=times, grid=grid, today=clock.today(), day_label=day_label,
                           previous=(monday - timedelta(days=7)).isoformat(),
                           following=(monday + timedelta(days=7)).isoformat())

    @expose("/<int:venue_id>/book")
    @has_access
    def book(self, venue_id):
        venue = self._venue(venue_id)
        on, start = _day(request.args.get("day")), _period(request.args.get("period"))
        if start is None:
            flash("请在预约日历上选择要预约的节次", "warning")
            return redirect(url_for(".room", venue_id=venue.id, day=on.isoformat()))
        return self._form(venue, on, start, {"end_period": start.name})

    def _form(self, venue: Venue, on: date, start: Period, typed: dict, errors: dict | None = None,
              message: str | None = None):
        ends = [p for p in periods_between(start, list(period_times())[-1]) if p in period_times()]
        return self.render("views/venue_booking_form.html", title=f"预约{venue}", venue=venue, on=on, start=start,
                           ends=ends, times=period_times(), typed=typed, errors=errors or {}, message=message,
                           form=BookingForm(), day_label=day_label, staff=current_staff())

    @expose("/<int:venue_id>/book", methods=["POST"])
    @has_access
    def submit(self, venue_id):
        venue = self._venue(venue_id)
        on, start = _day(request.form.get("day")), _period(request.form.get("start_period"))
        if start is None:
            flash("请在预约日历上选择要预约的节次", "warning")
            return redirect(url_for(".room", venue_id=venue.id, day=on.isoformat()))
        typed = {name: (request.form.get(name) or "").strip()[:100] for name in ("end_period", "purpose", "attendees")}
        if not BookingForm().validate_on_submit():
            return self._form(venue, on, start, typed, message="页面已过期，请重新提交")
        staff = current_staff()
        if staff is None:
            return self._form(venue, on, start, typed, message="您的账号没有关联教职工档案，不能预约")
        errors = {}
        if not typed["purpose"]:
            errors["purpose"] = "请填写用途"
        attendees = None
        if typed["attendees"]:
            if not typed["attendees"].isdigit() or not 1 <= int(typed["attendees"]) <= 2000:
                errors["attendees"] = "人数须为 1 到 2000 之间的整数"
            else:
                attendees = int(typed["attendees"])
        if errors:
            return self._form(venue, on, start, typed, errors, "预约未成功，请按提示修改")
        booking = VenueBooking(venue=venue, day=on, start_period=start,
                               end_period=_period(typed["end_period"]) or start, purpose=typed["purpose"],
                               attendees=attendees, applicant=staff, department=staff.department)
        try:
            write.save(db.session, booking)
        except write.Refused as refused:
            venue = self._venue(venue_id)
            return self._form(venue, on, start, typed, refused.errors,
                              "；".join(dict.fromkeys(refused.errors.values())) or refused.message)
        if booking.status == BookingStatus.approved:
            flash(f"预约成功：{booking}（{booking.code}）", "success")
        else:
            flash(f"预约已提交，等待管理员{venue.manager.name if venue.manager else ''}审批：{booking}", "info")
        return redirect(url_for(".room", venue_id=venue.id, day=on.isoformat()))

    @expose("/today")
    @has_access
    def today(self):
        on = _day(request.args.get("day"))
        staff = current_staff()
        everyone = _manages_all()
        bookings = []
        if everyone or staff is not None:
            bookings = day_bookings(on, None if everyone else staff.id)
        view = view_of(VenueBooking)
        monday = on - timedelta(days=on.weekday())
        return self.render("views/venue_today.html", title="今日预约", on=on, bookings=bookings, everyone=everyone,
                           manages=everyone or (staff is not None and managed_count(staff.id) > 0),
                           day_label=day_label, today=clock.today(),
                           week=[monday + timedelta(days=i) for i in range(7)],
                           previous=(monday - timedelta(days=7)).isoformat(),
                           following=(monday + timedelta(days=7)).isoformat(),
                           show_url=(lambda b: url_for(f"{view.endpoint}.show", pk=b.id)) if view else (lambda b: None))


def managed_count(staff_id: int) -> int:
    return db.session.scalar(read.select(Venue, Venue.manager_id == staff_id, columns=(func.count(Venue.id),))) or 0


def day_bookings(on: date, manager_id: int | None) -> list[VenueBooking]:
    """The bookings holding 节次 on ``on`` (of the rooms ``manager_id`` manages; None: of every room), within the
    login user's data scope, in room and 节次 order."""
    where = [VenueBooking.day == on, VenueBooking.status.in_(HOLDING)]
    if manager_id is not None:
        where.append(VenueBooking.venue.has(Venue.manager_id == manager_id))
    found = list(db.session.scalars(read.select(VenueBooking, *where).options(
        selectinload(VenueBooking.venue), selectinload(VenueBooking.applicant))))
    order = list(Period)
    return sorted(found, key=lambda b: (b.venue_id, order.index(b.start_period) if b.start_period else 0))


def todays_bookings_for_manager() -> tuple[list[VenueBooking], bool] | None:
    """Today's bookings of the rooms the login user manages (后勤主任: every room); None for someone managing none."""
    if _manages_all():
        return day_bookings(clock.today(), None), True
    staff = current_staff()
    if staff is None or not managed_count(staff.id):
        return None
    return day_bookings(clock.today(), staff.id), False

