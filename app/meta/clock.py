"""Today and now in the school's time zone (config TIMEZONE), as naive local values stored in the database."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def now() -> datetime:
    return datetime.now(zone()).replace(tzinfo=None, microsecond=0)


def today() -> date:
    return now().date()
