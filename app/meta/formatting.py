"""How values read to a person: ¥1,234.50, 2026-11-21, 是/否, enums by their Chinese name."""
from __future__ import annotations

import enum
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Mapping

from markupsafe import Markup, escape


def user_name(user: Any) -> str:
    """A login user as people call them: 姓 (first_name) and 名 with no space; blank when none is given."""
    if user is None:
        return ""
    return f"{user.first_name or ''}{user.last_name or ''}"


def signature(user: Any) -> str:
    """A login user's name for records of who did what: the name, else the login name."""
    return user_name(user) or getattr(user, "username", "") or ""


def money(value: Any) -> str:
    """¥1,234.50; below zero the sign comes first, as accounts write it: -¥800.00."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    return f"-¥{-amount:,.2f}" if amount < 0 else f"¥{amount:,.2f}"


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


def shown(value: Any) -> Markup:
    """A value with no formatter as pages show it: engine/value.html's ``show_value`` in Python, for the cells
    of a list (a macro call per cell was most of a list page's time)."""
    if value is None:
        return Markup("")
    if value is True:
        return Markup("是")
    if value is False:
        return Markup("否")
    if isinstance(value, str):
        return escape(value)
    if hasattr(value, "strftime"):
        return escape(moment(value))
    if not isinstance(value, Mapping):
        try:
            items = iter(value)
        except TypeError:
            return escape(value)
        return Markup("、").join(shown(one) for one in items)
    return escape(value)


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
    """An uploaded image (app/features/uploads.py): a thumbnail and its original name, escaped."""
    from app.features.uploads import thumbnail

    return thumbnail(value)


def stars(value: Any) -> Markup | str:
    """A 1–5 rating: ★★★★☆ and the number."""
    if value is None or value == "":
        return ""
    try:
        score = max(0, min(5, int(value)))
    except (TypeError, ValueError):
        return str(value)
    return Markup('<span class="engine-stars-shown" title="{0} 分"><span class="on">{1}</span>{2}</span> {0} 分').format(
        score, "★" * score, "☆" * (5 - score))


def telephone(value: Any) -> Markup | str:
    """A phone number a phone can call with one tap."""
    if value is None or value == "":
        return ""
    text = str(value)
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if len(digits) < 3:
        return text
    return Markup('<a href="tel:{0}" class="engine-tel"><i class="fa fa-phone"></i> {1}</a>').format(digits, text)


def _view_endpoint(model: type) -> str | None:
    """The endpoint of the generated view of ``model``, if the login user may open its records (asked once per
    request and model: a list links ~100 related records)."""
    from flask import current_app, has_request_context

    from app.rules.identity import request_cache

    if not has_request_context():
        return None
    known = request_cache("view_endpoints")
    if model not in known:
        engine = current_app.extensions.get("engine")
        view = engine.views.get(model) if engine is not None else None
        readable = view is not None and current_app.appbuilder.sm.has_access("can_read", view.class_permission_name)
        known[model] = view.endpoint if readable else None
    return known[model]


def record_link(value: Any) -> Markup | str:
    """A related record (or several) as links to their own pages, where the login user may open them."""
    from flask import url_for

    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return Markup("、").join(record_link(v) for v in value)
    endpoint = _view_endpoint(type(value)) if hasattr(value, "__table__") else None
    if endpoint is None or getattr(value, "id", None) is None:
        return plain(value)
    return Markup('<a href="{}">{}</a>').format(_show_url(endpoint, value.id, url_for), str(value))


_PK_STAND_IN = "2718281828"


def _show_url(endpoint: str, pk: Any, url_for) -> str:
    """``url_for(endpoint.show, pk=pk)``, the route built once per request and endpoint (a list links ~100
    related records; werkzeug builds each URL afresh)."""
    from app.rules.identity import request_cache

    built = request_cache("show_urls")
    if endpoint not in built:
        head, _, tail = url_for(f"{endpoint}.show", pk=_PK_STAND_IN).rpartition(_PK_STAND_IN)
        built[endpoint] = (head, tail)
    head, tail = built[endpoint]
    return f"{head}{pk}{tail}"


def quantity(value: Any) -> str:
    """A count as people write it: 35, 2.5 (no trailing zeros of the column's scale)."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _when(value: Any) -> str:
    return moment(value) if isinstance(value, datetime) else plain(value)


def timeline(value: Any) -> Markup | str:
    """A record's life, oldest first: (when, what happened, the record it happened in, a note) per event,
    each record linked where the login user may open it."""
    if not value:
        return ""
    rows = Markup("").join(
        Markup('<li><span class="engine-when">{}</span> <strong>{}</strong> {} <span class="text-muted">{}</span></li>')
        .format(_when(when), what, record_link(subject), note or "") for when, what, subject, note in value)
    return Markup('<ol class="engine-timeline">{}</ol>').format(rows)


def timeline_text(value: Any) -> str:
    return "；".join(" ".join(filter(None, (_when(w), what, plain(s), plain(n)))) for w, what, s, n in value or ())


BY_NAME: dict[str, Callable[[Any], str]] = {
    "record": record_link,
    "stars": stars,
    "tel": telephone,
    "money": money,
    "date": day,
    "datetime": moment,
    "bool": yes_no,
    "upload": upload,
    "timeline": timeline,
}


def formatter(fmt: str | None) -> Callable[[Any], str]:
    return BY_NAME.get(fmt or "", plain)


# Text only, for what is not a web page (the audit log's change lists, printed forms): no links or icons.
AS_TEXT: dict[str, Callable[[Any], str]] = {
    "tel": plain,
    "record": plain,
    "timeline": timeline_text,
    "stars": lambda value: "" if value in (None, "") else f"{value} 分",
}


def text_formatter(fmt: str | None) -> Callable[[Any], str]:
    return AS_TEXT.get(fmt or "") or formatter(fmt)


WORD_TAIL = re.compile(r"[A-Za-z0-9.\-/]+$")


def clip(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters with "…", never in the middle of a model number or word (MG6102):
    such a run is dropped whole."""
    if len(text) <= length:
        return text
    cut = text[:length]
    if WORD_TAIL.search(text[length]):  # the cut falls inside a run such as NXB-63 or MG6102
        cut = WORD_TAIL.sub("", cut)
    return cut.rstrip(" 、，,；;×") + "…"


def overdue_badge(text: str) -> Markup:
    return Markup('<span class="label label-danger">{}</span>').format(text)
