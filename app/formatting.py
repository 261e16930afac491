"""How values read to a person: ¥1,234.50, 2026-11-21, 是/否, enums by their Chinese name."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from markupsafe import Markup


def user_name(user: Any) -> str:
    """A login user as people call them: 姓 (first_name) and 名 with no space; blank when none is given."""
    if user is None:
        return ""
    return f"{user.first_name or ''}{user.last_name or ''}"


def signature(user: Any) -> str:
    """A login user's name for records of who did what: the name, else the login name."""
    return user_name(user) or getattr(user, "username", "") or ""


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return f"¥{Decimal(value):,.2f}"


def day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def moment(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return day(value)


def yes_no(value: Any) -> str:
    if value is None:
        return ""
    return "是" if value else "否"


def plain(value: Any) -> str:
    """Any other value: enums by their Chinese value, collections joined, None as blank."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (list, tuple, set)):
        return "、".join(plain(v) for v in value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    return str(value)


def upload(value: Any) -> Markup | str:
    """An uploaded image (app/uploads.py): a thumbnail and its original name, escaped."""
    from .uploads import thumbnail

    return thumbnail(value)


BY_NAME: dict[str, Callable[[Any], str]] = {
    "money": money,
    "date": day,
    "datetime": moment,
    "bool": yes_no,
    "upload": upload,
}


def formatter(fmt: str | None) -> Callable[[Any], str]:
    return BY_NAME.get(fmt or "", plain)


def overdue_badge(text: str) -> Markup:
    return Markup('<span class="label label-danger">{}</span>').format(text)
