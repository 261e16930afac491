"""抄表录入: a month of readings for every meter of one household, or of all households at one place, on one grid.

The 水电工 chooses a month and a household (or a 地点: every household there), types each meter's 本次读数
(ticks 换表 where the meter was replaced) and saves once. Every filled row becomes one ``MeterReading``
through the model's own ``before_save()`` / ``validate()`` — 上次读数 from the meter's last earlier reading,
用量, 金额, the refusal of a reading below the last one, the refusal of a second reading of the month, the
用量异常 flag — with the reader and date the add form would prefill (the current staff, today). All rows are
saved in one transaction or none: a refused row is shown on its row with the model's message, every typed
value kept. A row whose usage the model flags as abnormal (over 3 × the meter's average) is not saved until
the worker confirms that very value (「确认无误，保存」). Only households within the user's data scope
(``app.scope``) and their meters can be chosen, shown or written; every written reading is checked with
``scope.contains`` as ``app.write.save`` does, and recorded in 操作日志 by the session events
(app/rules/audit.py). The page carries each meter's 上次读数 and average so that app/static/engine/meter_grid.js
previews 用量 and warns as the worker types.

Double submit: the button disables itself as the form goes (engine.js ``engine-once``); the form carries a
one-time number, and posting a form that was already saved shows what it saved instead of saving again; two
saves of the same meter and month are refused by the model (and by the table's unique key).
"""
from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import abort, flash, redirect, request, url_for
from flask import session as web_session
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_wtf import FlaskForm
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.meta import clock
from app.rules import read, write
from models.utilities import (
    ABNORMAL_FACTOR,
    ABNORMAL_MIN_HISTORY,
    MONTH_FORMAT,
    Household,
    Meter,
    MeterReading,
    PaymentStatus,
    normalize_month,
    this_month,
)

from .base import SchoolPage
from .months import month_choices, month_label

CENT = Decimal("0.01")
LARGEST = Decimal("999999999999.99")  # Numeric(14, 2)
DONE_KEY = "meter_grid_done"  # the one-time numbers of this login session's saved forms, with how many they saved
DONE_KEPT = 5
CURRENT_FIELD = re.compile(r"^current-(\d+)$")
NOT_A_NUMBER = "不是数字，请填写读数，例如 1234.5"
RACE = "保存未成功：有的表这个月刚被别人录入了读数，见行内红字；所有读数都还没有保存"


class GridForm(FlaskForm):
    """Carries only the CSRF token; the readings come as plain fields ``current-<meter id>``."""


@dataclass
class Row:
    """One meter on the grid: what the page shows of it, and what the worker typed."""

    meter: Meter
    previous: Decimal
    history: int  # number of earlier readings
    average: Decimal | None  # their average usage
    saved: MeterReading | None = None  # the reading of this month, if there is one
    typed: str = ""
    replaced: bool = False
    error: str = ""
    warning: str = ""
    confirmed: str = ""  # the value (and 换表) the worker confirmed despite the warning

    @property
    def household(self) -> Household:
        return self.meter.household

    @property
    def open(self) -> bool:
        """Whether the row takes a reading: not read this month yet, or typed (over a reading saved meanwhile)."""
        return bool(self.typed) or self.saved is None

    @property
    def price(self) -> str:
        """单价 as people write it: at least two decimals, no trailing zeros beyond (0.60, 3.50, 0.585)."""
        price = self.meter.unit_price
        if price is None:
            return ""
        text = f"{Decimal(price):f}"
        whole, _, cents = text.partition(".")
        return f"{whole}.{cents.rstrip('0').ljust(2, '0')}"

    @property
    def label(self) -> str:
        return f"{self.meter.meter_no} 本次读数"

    @property
    def check(self) -> bool:
        """Whether the model's abnormal rule can apply (enough earlier readings)."""
        return self.history >= ABNORMAL_MIN_HISTORY and self.average is not None

    @property
    def key(self) -> str:
        return confirm_key(self.typed, self.replaced)


def confirm_key(typed: str, replaced: bool) -> str:
    value, _ = parse_reading(typed)
    return f"{value}|{'换表' if replaced else ''}" if value is not None else ""


def parse_reading(text: str) -> tuple[Decimal | None, str]:
    """A typed reading → (value, "") or (None, Chinese message); full-width digits and thousands commas allowed."""
    raw = unicodedata.normalize("NFKC", text or "").replace(",", "").replace(" ", "").strip()
    if not raw:
        return None, ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None, NOT_A_NUMBER
    if not value.is_finite():
        return None, NOT_A_NUMBER
    if value != value.quantize(CENT, ROUND_HALF_UP):
        return None, "读数最多两位小数"
    if abs(value) > LARGEST:
        return None, "读数太大，请检查"
    return value.quantize(CENT), ""


def warning_for(row: Row, usage: Decimal) -> str:
    unit = row.meter.unit
    average = (row.average or Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    return (f"用量 {usage} {unit}，超过该表以往平均用量 {average} {unit}的 {ABNORMAL_FACTOR} 倍，请核实"
            "（确认无误后仍可保存，记为用量异常）")


# ----------------------------------------------------------------------------- what the user may reach
def households_in_scope() -> tuple[list[Household], dict[int, str]]:
    """The households the user may read (by 户名), and the engine's pinyin of each 户名 (app/meta/pinyin.py), so that
    the list can be searched by ``jgzz`` as the engine's dropdowns can."""
    column = Household.__table__.c.get("name_pinyin")
    columns = [Household] + ([column] if column is not None else [])
    stmt = select(*columns).where(*read.criteria(Household)).order_by(Household.name, Household.id)
    found = db.session.execute(stmt).all()
    return [row[0] for row in found], {row[0].id: (row[1] or "") if len(row) > 1 else "" for row in found}


def locations_in_scope() -> list[str]:
    stmt = (select(Household.location).where(Household.location.is_not(None), Household.location != "",
                                             *read.criteria(Household))
            .distinct().order_by(Household.location))
    return [value for (value,) in db.session.execute(stmt)]


def chosen_households(household_id: str, location: str) -> list[Household]:
    """The households of the grid: the one chosen (404 when it is not within the user's scope) or all those at
    the chosen place within the scope."""
    if household_id:
        if not household_id.isdigit():
            abort(404)
        stmt = select(Household).where(Household.id == int(household_id), *read.criteria(Household))
        found = db.session.scalars(stmt).first()
        if found is None:
            abort(404)
        return [found]
    if location:
        stmt = (select(Household).where(Household.location == location, *read.criteria(Household))
                .order_by(Household.name, Household.id))
        return list(db.session.scalars(stmt))
    return []


def grid_rows(households: list[Household], month: str) -> list[Row]:
    """One row per meter of ``households`` (within scope), with its 上次读数 and average as the model computes
    them (``MeterReading.last_reading`` / ``average_usage``), in a few queries for the whole grid."""
    if not households:
        return []
    stmt = (select(Meter).options(joinedload(Meter.household))
            .where(Meter.household_id.in_([h.id for h in households]), *read.criteria(Meter))
            .order_by(Meter.household_id, Meter.kind, Meter.meter_no))
    meters = list(db.session.scalars(stmt).unique())
    order = {h.id: n for n, h in enumerate(households)}
    meters.sort(key=lambda m: order.get(m.household_id, 0))
    ids = [m.id for m in meters]
    if not ids:
        return []
    earlier = and_(MeterReading.meter_id.in_(ids), MeterReading.month < month)
    stats = {mid: (count, avg) for mid, count, avg in db.session.execute(
        select(MeterReading.meter_id, func.count(MeterReading.id), func.avg(MeterReading.usage))
        .where(earlier).group_by(MeterReading.meter_id))}
    latest = (select(MeterReading.meter_id, func.max(MeterReading.month).label("month"))
              .where(earlier).group_by(MeterReading.meter_id).subquery())
    last = {mid: current for mid, current in db.session.execute(
        select(MeterReading.meter_id, MeterReading.current)
        .join(latest, and_(MeterReading.meter_id == latest.c.meter_id, MeterReading.month == latest.c.month)))}
    saved = {r.meter_id: r for r in db.session.scalars(
        select(MeterReading).options(joinedload(MeterReading.reader))
        .where(MeterReading.meter_id.in_(ids), MeterReading.month == month))}
    rows = []
    for meter in meters:
        count, average = stats.get(meter.id, (0, None))
        rows.append(Row(meter=meter, previous=Decimal(last.get(meter.id) or 0),
                        history=count or 0, average=Decimal(str(average)) if average is not None else None,
                        saved=saved.get(meter.id)))
    return rows


def valid_month(value: str | None) -> str | None:
    month = normalize_month((value or "").strip())
    return month if month and MONTH_FORMAT.match(month) else None


# ----------------------------------------------------------------------------- the page
class MeterGridView(SchoolPage):
    route_base = "/meter-grid"
    default_view = "index"
    class_permission_name = "MeterGrid"
    method_permission_name = {"index": "read", "save": "add"}
    menu_label = "抄表录入"
    menu_category = "水电管理"
    menu_icon = "fa-th-list"

    def _may_save(self) -> bool:
        return self.appbuilder.sm.has_access("can_add", self.class_permission_name)

    def _page(self, month: str, household_id: str, location: str, rows: list[Row], *, form=None,
              submission: str = "", pending: bool = False, saved: list[MeterReading] = (), status: int = 200):
        households, pinyin = households_in_scope()
        household = next((h for h in households if str(h.id) == household_id), None)
        return self.render(
            "views/meter_grid.html", month=month, month_text=month_label(month), months=month_choices(month),
            household=household, household_id=household_id, location=location, households=households,
            pinyin=pinyin, locations=locations_in_scope(), rows=rows,
            form=form or GridForm(), submission=submission or uuid.uuid4().hex, pending=pending,
            saved=list(saved), may_save=self._may_save(), factor=ABNORMAL_FACTOR,
            min_history=ABNORMAL_MIN_HISTORY, title=f"抄表录入（{month_label(month)}）"), status

    @expose("/")
    @has_access
    def index(self):
        raw = request.args.get("month", "").strip()
        month = valid_month(raw) or this_month()
        if raw and valid_month(raw) is None:
            flash("月份格式应为 年-月，例如 2026-03；已改为本月", "warning")
        household_id = request.args.get("household", "").strip()
        location = "" if household_id else request.args.get("location", "").strip()
        rows = grid_rows(chosen_households(household_id, location), month)
        if location and not rows:
            flash(f"「{location}」没有您可以抄表的表具", "warning")
        return self._page(month, household_id, location, rows, saved=self._saved_shown())

    def _saved_shown(self) -> list[MeterReading]:
        """The readings a save just wrote (ids in the address after the save), those within the user's scope."""
        ids = [int(v) for v in request.args.get("saved", "").split(",") if v.isdigit()][:1000]
        if not ids:
            return []
        stmt = (select(MeterReading).join(Meter, MeterReading.meter_id == Meter.id)
                .join(Household, Meter.household_id == Household.id)
                .where(MeterReading.id.in_(ids), *read.criteria(MeterReading))
                .order_by(Household.name, Household.id, Meter.kind, Meter.meter_no))
        return list(db.session.scalars(stmt))

    def _back(self, month: str, household_id: str, location: str, saved: list[int] = ()):
        args = {"month": month}
        if household_id:
            args["household"] = household_id
        elif location:
            args["location"] = location
        if saved:
            args["saved"] = ",".join(str(i) for i in saved)
        return redirect(url_for(f"{self.endpoint}.index", **args))

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        form = GridForm()
        household_id = request.form.get("household", "").strip()
        location = "" if household_id else request.form.get("location", "").strip()
        month = valid_month(request.form.get("month"))
        if not form.validate():
            flash("页面已过期，请刷新后重新填写", "danger")
            return self._back(month or this_month(), household_id, location)
        if month is None:
            flash("月份格式应为 年-月，例如 2026-03", "danger")
            return self._back(this_month(), household_id, location)
        submission = request.form.get("submission", "")
        done = dict(web_session.get(DONE_KEY, []))
        if submission and submission in done:
            flash(f"这张表已经保存过（{done[submission]} 条抄表记录），没有重复保存", "info")
            return self._back(month, household_id, location)

        rows = grid_rows(chosen_households(household_id, location), month)
        by_id = {row.meter.id: row for row in rows}
        posted = {int(m.group(1)): value.strip() for name, value in request.form.items()
                  if (m := CURRENT_FIELD.match(name))}
        if any(mid not in by_id for mid, value in posted.items() if value):
            flash(write.OUT_OF_SCOPE, "danger")
            return self._page(month, household_id, location, rows, form=form, submission=submission, status=403)
        for mid, row in by_id.items():
            row.typed = posted.get(mid, "")
            row.replaced = request.form.get(f"replaced-{mid}") == "1"
            row.confirmed = request.form.get(f"confirmed-{mid}", "") if request.form.get("confirm") == "1" else ""
        filled = [row for row in rows if row.typed]
        if not filled:
            flash("没有填写任何读数：请在要抄的表的「本次读数」里填写", "warning")
            return self._page(month, household_id, location, rows, form=form, submission=submission)

        readings = self._check(filled, month)
        errors = [row for row in filled if row.error]
        warned = [row for row in filled if row.warning and row.key != row.confirmed]
        if errors:
            flash(f"保存未成功：{len(errors)} 块表的读数有误，请按行内红字修改；所有读数都还没有保存", "danger")
            return self._page(month, household_id, location, rows, form=form, submission=submission)
        if warned:
            flash(f"{len(warned)} 块表的用量超过以往平均用量的 {ABNORMAL_FACTOR} 倍，请核实；"
                  "核实无误请点「确认无误，保存」。所有读数都还没有保存", "warning")
            return self._page(month, household_id, location, rows, form=form, submission=submission, pending=True)

        refused = self._write(readings, filled, month)
        if refused:
            twin = self._saved_twice(filled, month) if refused in (RACE, write.CONFLICT) else []
            if twin:  # the same form sent twice at once: the other request saved exactly these readings
                flash(f"这些读数刚才已经保存（{len(twin)} 条抄表记录），没有重复保存", "info")
                return self._back(month, household_id, location, twin)
            flash(refused, "danger")
            return self._page(month, household_id, location, rows, form=form, submission=submission)
        ids = [reading.id for reading in readings]
        web_session[DONE_KEY] = (list(web_session.get(DONE_KEY, [])) + [[submission, len(ids)]])[-DONE_KEPT:]
        abnormal = sum(1 for reading in readings if reading.abnormal)
        flash(f"已保存 {len(ids)} 条抄表记录" + (f"，其中 {abnormal} 条记为用量异常" if abnormal else ""), "success")
        return self._back(month, household_id, location, ids)

    def _check(self, filled: list[Row], month: str) -> list[MeterReading]:
        """Each filled row as a new reading, computed and checked by the model; the rows get their errors and
        warnings. Nothing is added to the session."""
        from models.org import current_staff

        reader, today = current_staff(), clock.today()
        readings = []
        for row in filled:
            row.error = row.warning = ""
            value, problem = parse_reading(row.typed)
            if problem:
                row.error = problem
                continue
            reading = MeterReading(meter=row.meter, month=month, current=value, replaced=row.replaced,
                                   reader=reader, read_on=today, payment_status=PaymentStatus.unpaid)
            with db.session.no_autoflush:
                reading.before_save()
                found = reading.validate()
            if found:
                row.error = "；".join(dict.fromkeys(found.values()))
                continue
            if reading.abnormal:
                row.warning = warning_for(row, Decimal(reading.usage))
            readings.append(reading)
        return readings

    def _saved_twice(self, filled: list[Row], month: str) -> list[int]:
        """The ids of this month's readings of the filled rows when they are exactly what was typed, by this
        reader today (a double submit whose other half won); otherwise []."""
        from models.org import current_staff

        reader, today = current_staff(), clock.today()
        found = {r.meter_id: r for r in db.session.scalars(select(MeterReading).where(
            MeterReading.meter_id.in_([row.meter.id for row in filled]), MeterReading.month == month))}
        same = []
        for row in filled:
            value, _ = parse_reading(row.typed)
            saved = found.get(row.meter.id)
            if saved is None or value is None or Decimal(saved.current) != value \
                    or bool(saved.replaced) != row.replaced or saved.read_on != today \
                    or saved.reader_id != (reader.id if reader else None):
                return []
            same.append(saved.id)
        return same

    def _write(self, readings: list[MeterReading], filled: list[Row], month: str) -> str:
        """Save all readings through the one write path, in one transaction; a Chinese reason when nothing
        was saved, else ""."""
        try:
            write.save_all(db.session, readings)
            return ""
        except write.Refused as refused:
            # Most often someone saved a reading of one of these meters for this month a moment ago (the
            # model's rule or the table's unique key says so): say on which row.
            self._check(filled, month)
            if any(row.error for row in filled):
                return RACE
            return refused.message
