"""A list's 更多搜索条件 panel, rendered once per view and language while no search condition is set.

FAB renders the panel on every list page: a form of every search column with each one's filter choices and
their scripts, a tenth of a list page's time. With no condition set it is the same for everyone who opens the
list (relation fields fetch their choices when opened, within the reader's scope), apart from the nonce that
lets its script run (app/platform/headers.py), which is put in afresh for each page. Kept for the day only: a
field's default may be today's date.
"""
from __future__ import annotations

from typing import Callable

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

from app.meta import clock
from app.platform.headers import csp_nonce

NONCE_STAND_IN = "search-panel-nonce-9f1c"


def kept(view_name: str, render: Callable[[], str]) -> Callable[[], Markup]:
    """The panel as a widget: rendered by ``render`` the first time, then the kept copy with this page's nonce."""
    today = clock.today()
    kept_today = current_app.extensions.get("search_panels")
    if kept_today is None or kept_today[0] != today:
        kept_today = current_app.extensions["search_panels"] = (today, {})
    panels = kept_today[1]
    key = (view_name, str(get_locale()))

    def widget(**_ignored) -> Markup:
        if key not in panels:
            panels[key] = str(render()).replace(csp_nonce(), NONCE_STAND_IN)
        return Markup(panels[key].replace(NONCE_STAND_IN, csp_nonce()))

    return widget
