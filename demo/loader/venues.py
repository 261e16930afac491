"""Seeds 功能室预约: eight bookable rooms with their 管理员, and their bookings from three weeks ago to two weeks ahead.

The labs and the computer room are booked by teachers of the grade groups for lessons, the music and art rooms and
the dance room for clubs, the meeting room and the hall for meetings and lectures. 化学实验室, 舞蹈室 and 报告厅
need approval: their past bookings were approved (a few refused), the coming ones partly still 待审批. No two
bookings hold the same 节次 of a room: each held 节次 is a ``venue_slot`` row, as the application writes them.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .common import is_school_day

# (名称, 类型, (校区, 楼栋, 房间号), 容纳人数, 管理员: demo username or department code, 需要审批, 开放日, 午间, 晚间)
VENUES = (
    ("物理实验室", "functional", ("本部", "实验楼", "101"), 50, "03", False, "一二三四五", False, False),
    ("化学实验室", "functional", ("本部", "实验楼", "201"), 50, "03", True, "一二三四五", False, False),
    ("计算机教室", "functional", ("本部", "实验楼", "401"), 56, "03", False, "一二三四五", True, False),
    ("音乐教室", "functional", ("本部", "艺术楼", "音乐教室"), 60, "04", False, "一二三四五", True, True),
    ("美术教室", "functional", ("本部", "艺术楼", "美术教室"), 50, "04", False, "一二三四五", True, False),
    ("舞蹈室", "activity", ("本部", "艺术楼", "舞蹈室"), 40, "04", True, "一二三四五六", True, True),
    ("第一会议室", "meeting", ("本部", "行政楼", "303"), 30, "02", False, "一二三四五", True, True),
    ("报告厅", "hall", ("本部", "行政楼", "报告厅"), 300, "zongwu", True, "一二三四五六日", True, True),
)
# 用途 per room; a lesson's is written with its class (高一（3）班分组实验).
PURPOSES = {
    "物理实验室": ("分组实验", "演示实验", "竞赛辅导"),
    "化学实验室": ("分组实验", "演示实验", "竞赛辅导"),
    "计算机教室": ("信息技术课", "编程兴趣小组", "学考模拟"),
    "音乐教室": ("音乐课", "合唱团排练", "器乐兴趣小组"),
    "美术教室": ("美术课", "书画社活动", "手工兴趣小组"),
    "舞蹈室": ("舞蹈社训练", "社团排练", "文艺汇演彩排"),
    "第一会议室": ("部门例会", "年级组教研活动", "行政会议"),
    "报告厅": ("专题讲座", "家长会", "年级大会", "法治教育报告会"),
}
LESSONS = {"分组实验", "演示实验", "信息技术课", "音乐课", "美术课"}
GRADES = ("11", "12", "13")


class VenuesMixin:
    """The bookable rooms and their bookings (mixed into ``_Activity``)."""

    def build_venues(self) -> None:
        from models.assets import Location
        from models.venues import ORDER, BookingStatus, Period, Venue, VenueBooking, VenueSlot

        rng = self.rng("venues")
        b, s = self.b, self.session
        locations = dict(((c, bl, r), i) for c, bl, r, i in s.execute(
            select(Location.campus, Location.building, Location.room, Location.id)))
        venue_rows = []
        for name, kind, place, capacity, manager, approval, days, noon, evening in VENUES:
            if place not in locations:
                locations[place] = self.insert_ids(Location, [dict(campus=place[0], building=place[1], room=place[2],
                                                                   row_version=1)])[0]
            manager_id = b.demo_staff[manager] if manager in b.demo_staff else b.departments[manager].head_id
            venue_rows.append(dict(name=name, kind=kind, location_id=locations[place], capacity=capacity,
                                   manager_id=manager_id, needs_approval=approval, open_days=days, open_noon=noon,
                                   open_evening=evening, bookable=True, notice=None, row_version=1))
        venue_ids = self.insert_ids(Venue, venue_rows)

        periods = [p for p in ORDER if p not in (Period.noon, Period.evening)]
        bookers = [sid for dept in GRADES for sid in self.on_duty[dept]] + [b.demo_staff["jiaoshi"]] * 3
        taken: set = set()
        bookings, holds = [], []
        for offset in range(-21, 15):
            on = self.today + timedelta(days=offset)
            if not is_school_day(on) and offset <= 0:
                continue
            for (name, kind, _place, capacity, _m, approval, days, noon, evening), venue_id in zip(VENUES, venue_ids):
                if "一二三四五六日"[on.weekday()] not in days:
                    continue
                for _ in range(rng.choice((0, 1, 1, 2, 3))):
                    open_periods = periods + [Period.noon] * noon + [Period.evening] * evening
                    start = rng.choice(open_periods)
                    length = 1 if start in (Period.noon, Period.evening) else rng.choice((1, 1, 2))
                    span = ORDER[ORDER.index(start):ORDER.index(start) + length]
                    if any(p in (Period.noon, Period.evening) and p != start for p in span) \
                            or any((venue_id, on, p) in taken for p in span):
                        continue
                    applicant = rng.choice(bookers)
                    if offset < 0:
                        status = rng.choices((BookingStatus.approved, BookingStatus.cancelled, BookingStatus.rejected),
                                             (90, 6, 4 if approval else 0))[0]
                    elif approval:
                        status = rng.choice((BookingStatus.approved, BookingStatus.pending, BookingStatus.pending))
                    else:
                        status = BookingStatus.approved if rng.random() < 0.95 else BookingStatus.cancelled
                    applied = on - timedelta(days=rng.randint(1, 7))
                    applied_at = self.at_time(rng, min(applied, self.today), [(8, 2), (12, 1), (16, 2)])
                    # never later than now: 我的申请 lists the newest request first, and a just-made one is newest
                    applied_at = min(applied_at, self.now - timedelta(hours=rng.randint(1, 48)))
                    purpose = rng.choice(PURPOSES[name])
                    if purpose in LESSONS:
                        purpose = f"高{'一二三'[rng.randrange(3)]}（{rng.randint(1, 12)}）班{purpose}"
                    bookings.append(dict(
                        code=self.number("YY", applied_at.date()), venue_id=venue_id, day=on, start_period=span[0],
                        end_period=span[-1], purpose=purpose,
                        attendees=min(capacity, rng.randint(15, 50) if kind != "hall" else rng.randint(80, 280)),
                        applicant_id=applicant, department_id=self.staff_row[applicant]["department_id"],
                        applied_at=applied_at, status=status, row_version=1))
                    if status in (BookingStatus.approved, BookingStatus.pending):
                        taken.update((venue_id, on, p) for p in span)
                        holds.append(span)
                    else:
                        holds.append(())
        booking_ids = self.insert_ids(VenueBooking, bookings)
        slots = [dict(venue_id=row["venue_id"], day=row["day"], period=p, booking_id=booking_id, row_version=1)
                 for row, booking_id, span in zip(bookings, booking_ids, holds) for p in span]
        self.bulk(VenueSlot, slots)
