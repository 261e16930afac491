"""Seeds it all in order: places, accounts, staff and assets, a year of service activity, then the last term's
assessments proposed from that activity."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import insert, select

from app.meta import clock

from .assets import AssetsMixin
from .canteen import CanteenMixin
from .common import (
    CHUNK,
    SEED,
    activity_weight,
    area_rng,
    bulk,
    insert_ids,
    school_year_start,
)
from .dorms import DormsMixin
from .feedback import FeedbackMixin
from .org import PeopleMixin
from .places import PlacesMixin
from .purchasing import PurchasingMixin
from .repairs import RepairsMixin
from .routines import RoutinesMixin
from .safety import SafetyMixin
from .satisfaction import SatisfactionMixin
from .store import StoreMixin
from .utilities import UtilitiesMixin
from .venues import VenuesMixin


class _Builder(PlacesMixin, PeopleMixin, AssetsMixin):
    """The organisation (places, accounts, staff), the asset cards and their life, a term's assessments."""

    def __init__(self, session, scale: int):
        self.session = session
        self.scale = scale
        self.rng = random.Random(SEED)
        self.today = clock.today()
        # The school year shown: from last September (a year before the current one) up to today.
        self.start = date(school_year_start(self.today).year - 1, 9, 1)

    # -- helpers ------------------------------------------------------------------------------
    def bulk(self, model, rows: list[dict]) -> None:
        bulk(self.session, model, rows)

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    # -- build ----------------------------------------------------------------------------------
    def build(self) -> None:
        from models.assets import AssetCategory
        from models.org import Department

        s = self.session
        self.departments = {d.code: d for d in s.scalars(select(Department))}
        self.dept_ids = {code: d.id for code, d in self.departments.items()}
        self.categories = {c.code: c.id for c in s.scalars(select(AssetCategory))}
        self.build_locations()
        self.build_accounts()
        self.build_staff()
        self.build_assets()
        self.plan_transfers()
        self.plan_disposals()
        self.plan_damages()
        self.plan_loans()
        self.plan_stocktake()
        self.write_assets()
        self.write_activity()
        _Activity(self).build()
        self.build_assessments()  # proposed from the facts the activity made (repairs, checks, hazards, surveys)


class _Activity(PurchasingMixin, RepairsMixin, StoreMixin, DormsMixin, UtilitiesMixin, SafetyMixin,
                RoutinesMixin, SatisfactionMixin, CanteenMixin, FeedbackMixin, VenuesMixin):
    """A school year of service activity on top of the organisation and assets the builder made.

    Each area draws from its own ``random.Random`` (seeded by name), so changing one area leaves the
    others as they were. Rows follow the models' rules (derived amounts, states consistent with dates,
    occupancy rules) and are written with bulk inserts; ids come back from ``INSERT … RETURNING``.
    """

    def __init__(self, builder: _Builder):
        self.b = builder
        self.session = builder.session
        self.scale = builder.scale
        self.today = builder.today
        self.now = clock.now()
        self.year_start = self.today - timedelta(days=365)

    # -- helpers ---------------------------------------------------------------------------------
    def rng(self, name: str) -> random.Random:
        return area_rng(name)

    def bulk(self, model, rows: list[dict]) -> None:
        self.b.bulk(model, rows)

    def insert_ids(self, model, rows: list[dict]) -> list[int]:
        """Insert ``rows`` and return their new ids in the same order."""
        return insert_ids(self.session, model, rows)

    def number(self, prefix: str, day: date) -> str:
        """The next PREFIX-YYYYMMDD-NNNN for ``day`` (after whatever the counter table already held)."""
        key = (prefix, day.strftime("%Y%m%d"))
        value = self.serials.get(key, 0) + 1
        self.serials[key] = value
        return f"{prefix}-{key[1]}-{value:04d}"

    def days(self, first: date, last: date) -> list[date]:
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def sample_days(self, rng: random.Random, count: int, first: date, last: date) -> list[date]:
        days = self.days(first, last)
        return sorted(rng.choices(days, [activity_weight(d) for d in days], k=count))

    def pick_staff(self, rng: random.Random, dept: str, demo_share: float = 0.35) -> int:
        """Someone on duty in ``dept``; the demo accounts there come up more often (so their screens fill)."""
        demo = self.b.demo_in_dept.get(dept)
        if demo and rng.random() < demo_share / self.scale ** 0.5:
            return rng.choice(demo)
        return rng.choice(self.on_duty[dept] or self.b.staff_by_dept[dept])

    def at_time(self, rng: random.Random, day: date, hours: list[tuple[int, float]]):
        from datetime import datetime

        hour = rng.choices([h for h, _ in hours], [w for _, w in hours])[0]
        return datetime(day.year, day.month, day.day, hour, rng.randint(0, 59))

    def log(self, model: str, record: int, step, at, actor: int | None, comment: str | None = None,
            source=None, target=None) -> dict:
        """A workflow_log row for ``step`` taken by staff ``actor`` (actor_id is their login, if any)."""
        return dict(model=model, record_id=record, step=step.name, step_label=step.label,
                    from_state=source.value if source is not None else None,
                    to_state=target.value if target is not None else None, decision=None, comment=comment,
                    actor_id=self.user_of.get(actor), actor_name=self.b.staff_name.get(actor) if actor else None,
                    created_at=at)

    # -- build -------------------------------------------------------------------------------------
    def build(self) -> None:
        from app.rules.numbering import SerialCounter

        b = self.b
        self.on_duty: dict[str, list[int]] = defaultdict(list)
        for row in b.staff_rows:
            if row["on_duty"]:
                self.on_duty[b.staff_dept[row["id"]]].append(row["id"])
        self.staff_row = {row["id"]: row for row in b.staff_rows}
        self.user_of = {b.demo_staff[name]: user for name, user in b.demo_users.items()}
        self.serials = {(p, d): v for p, d, v in self.session.execute(
            select(SerialCounter.prefix, SerialCounter.day, SerialCounter.value))}
        self.serials_before = dict(self.serials)
        self.session.flush()  # what the builder added through the ORM goes first (bulk writes bypass it)
        self.build_purchasing()
        self.build_repairs()
        self.build_store()
        self.build_dorms()
        self.build_utilities()
        self.build_safety()
        self.build_routines()
        self.build_satisfaction()
        self.build_canteen()
        self.build_venues()
        self.build_feedback()  # last: its own random stream, after the surveys it opens
        self.write_serial_counters()

    def write_serial_counters(self) -> None:
        from sqlalchemy import update

        from app.rules.numbering import SerialCounter

        table = SerialCounter.__table__
        fresh = [dict(prefix=p, day=d, value=v) for (p, d), v in self.serials.items() if (p, d) not in self.serials_before]
        for i in range(0, len(fresh), CHUNK):
            self.session.execute(insert(table), fresh[i:i + CHUNK])
        for (p, d), v in self.serials.items():
            if (p, d) in self.serials_before and self.serials_before[(p, d)] != v:
                self.session.execute(update(table).where(table.c.prefix == p, table.c.day == d).values(value=v))
