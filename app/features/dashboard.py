"""The home page dashboard: widgets the domain registers, each shown only to users who may read what it counts.

A widget has a title, a kind (a figure, a short list, or a bar/pie chart), the permission names it needs
(``can_read`` on each — a model's class name or a page's permission name), an order, a width, and a function
computing its data for the login user. That function must keep to the user's data scope
(``app.rules.read.criteria(Model)`` on every query), so that a department's staff see their department's figures
and the principal the whole school. Charts are drawn by app/static/engine/dashboard.js with the vendored
ECharts, from JSON in a data attribute (no inline script). A widget whose computation fails shows a short
Chinese notice instead of taking the home page down.

A widget's data is cached per user and day (app/platform/caching.py) under the generations of the models it
declares in ``reads`` (app/rules/generations.py): a write to any of them, through any door, renews it. A widget
that lists no ``reads`` is renewed by every write. tests/test_cache.py checks that each widget's queries touch
only the models it lists.

The engine's own widget is 我的待办 (app/features/inbox.py); the domain's are registered from views/.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from flask import current_app, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.platform import caching

log = logging.getLogger(__name__)

FIGURE, LISTING, CHART = "figure", "listing", "chart"
FAILED = "暂时无法统计，请稍后刷新"


@dataclass(frozen=True)
class Widget:
    key: str
    title: str
    compute: Callable[[], Any]  # → Figure | Listing | Chart (None: nothing to show for this user)
    kind: str = FIGURE
    needs: tuple[str, ...] = ()  # permission names the user must be able to read (all of them)
    order: int = 100
    width: int = 3  # Bootstrap columns of 12 on a wide screen
    icon: str = "fa-bar-chart"
    # The model names its data reads (every table its queries touch, its data scope's included): the cached data
    # is renewed by any write to one of them. None: it may read anything, and every write renews it.
    reads: tuple[str, ...] | None = None


@dataclass
class Figure:
    """One number, as it reads (``"12"``, ``"93.5%"``), with a caption, details and a link to the records."""

    value: str
    caption: str = ""
    url: str | None = None
    level: str = "default"  # default | success | warning | danger
    # (label, text) rows, or (label, text, url) for a row that opens the records it counts
    details: list[tuple] = field(default_factory=list)
    raw: Any = None  # the exact value behind ``value`` (tests and callers compare it)


@dataclass
class Entry:
    text: str
    url: str | None = None
    note: str = ""


@dataclass
class Listing:
    total: int
    entries: list[Entry]
    url: str | None = None
    empty: str = "暂无"
    caption: str = ""


@dataclass
class Chart:
    """A bar or pie chart: categories along the axis (or slices), one or more series of numbers.

    ``notes`` (per series, per category) are shown in the tooltip beside the value; ``unit`` follows every
    value ("元", "%"). All texts are the caller's: Chinese labels only.
    """

    type: str  # bar | pie
    categories: list[str]
    series: list[dict]  # {"name": str, "data": [number, ...], "notes": [str, ...] (optional)}
    unit: str = ""
    money: bool = False  # values are amounts: shown as ¥1,234.50
    caption: str = ""
    empty: str = "暂无数据"
    details: list[tuple[str, str]] = field(default_factory=list)
    max: float | None = None  # a fixed top of the value axis (100 for percentages)

    @property
    def is_empty(self) -> bool:
        return not self.categories

    def spec(self) -> dict:
        """What dashboard.js draws (JSON-serialisable: numbers as floats)."""
        return {
            "type": self.type,
            "categories": list(self.categories),
            "series": [{"name": s["name"], "data": [float(v) for v in s["data"]], "notes": list(s.get("notes") or [])}
                       for s in self.series],
            "unit": self.unit,
            "money": self.money,
            "max": self.max,
        }


_WIDGETS: dict[str, Widget] = {}


def register(item: Widget) -> Widget:
    _WIDGETS[item.key] = item
    return item


def widget(key: str, title: str, *, kind: str = FIGURE, needs: tuple[str, ...] | str = (), order: int = 100,
           width: int | None = None, icon: str = "fa-bar-chart", reads: tuple[str, ...] | None = None):
    """Decorator: ``@widget("overdue_repairs", "逾期报修", needs="RepairOrder", reads=("RepairOrder", …))`` on a
    function of no arguments."""
    needs = (needs,) if isinstance(needs, str) else tuple(needs)
    reads = None if reads is None else tuple(reads)

    def decorate(func: Callable[[], Any]):
        register(Widget(key, title, func, kind, needs, order, width or (3 if kind == FIGURE else 6), icon, reads))
        return func

    return decorate


def widgets() -> list[Widget]:
    return sorted(_WIDGETS.values(), key=lambda w: (w.order, w.key))


def may_see(item: Widget) -> bool:
    sm = current_app.appbuilder.sm
    return all(sm.has_access("can_read", name) for name in item.needs)


def visible() -> list[Widget]:
    """The widgets the login user may see, in order."""
    return [w for w in widgets() if may_see(w)]


@dataclass
class Shown:
    widget: Widget
    data: Any = None
    error: str | None = None


def build() -> list[Shown]:
    """Each visible widget with its data for the login user: cached (app/platform/caching.py) under the user's
    scope, today's date and the generations of the models the widget reads; computed when any of them changed."""
    from flask_login import current_user

    session = current_app.appbuilder.session
    shown = []
    for item in visible():
        try:
            data = caching.remember(f"dashboard:{item.key}", current_user, item.reads, item.compute)
        except SQLAlchemyError:
            log.exception("dashboard widget %s failed", item.key)
            session.rollback()
            shown.append(Shown(item, error=FAILED))
            continue
        if data is not None:
            shown.append(Shown(item, data))
    return shown


# ----------------------------------------------------------------- helpers for widget functions
def percent(part: int | Decimal, whole: int | Decimal, places: int = 1) -> Decimal | None:
    """part / whole as a percentage rounded half up (None when whole is 0)."""
    if not whole:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(quantum, ROUND_HALF_UP)


def percent_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def view_of(model: type):
    """The generated list view of a model (None if the engine has none)."""
    return current_app.extensions["engine"].views.get(model)


def quick_filter(model: type, label: str):
    """(index, QuickFilter) of the model's quick filter with this label: its criteria are the list's own."""
    view = view_of(model)
    filters = view.quick_filters if view is not None else model.__admin__.quick_filters
    for index, found in enumerate(filters):
        if found.label == label:
            return index, found
    raise KeyError(f"{model.__name__} has no quick filter {label!r}")


def list_url(model: type, quick: str | None = None, **args) -> str | None:
    """The model's list page (optionally with a quick filter selected), or None without a view."""
    view = view_of(model)
    if view is None:
        return None
    if quick is not None:
        args["_qf"] = quick_filter(model, quick)[0]
    return url_for(f"{view.endpoint}.list", **args)


def page_url(permission_name: str, method: str = "index", **args) -> str | None:
    """A hand-written page's URL if the login user may read it."""
    engine = current_app.extensions["engine"]
    for page in engine.pages:
        if page.class_permission_name == permission_name:
            if not current_app.appbuilder.sm.has_access("can_read", permission_name):
                return None
            return url_for(f"{page.endpoint}.{method}", **args)
    return None


# ----------------------------------------------------------------- the engine's own widget
TODO_SHOWN = 5


@widget("todo", "我的待办", kind=LISTING, needs="Todo", order=1, width=6, icon="fa-inbox")
def _todo() -> Listing:
    from flask_login import current_user

    from app.features import inbox

    awaiting = inbox.awaiting(current_user)  # listed first: the count then needs no statement of its own
    total = inbox.awaiting_count(current_user)
    entries = [Entry(f"{entry.kind}：{entry.record}", entry.url, "、".join(entry.actions) or entry.state)
               for entry in awaiting[:TODO_SHOWN]] if total else []
    return Listing(total, entries, page_url("Todo"), empty="暂无待办，您的工作都已处理完毕。",
                   caption=f"共 {total} 件待您办理")
