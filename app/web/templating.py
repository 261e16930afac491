"""Jinja filters for the display formats, available to every template."""
from flask import Flask
from flask_wtf.csrf import generate_csrf

from app.meta import formatting
from app.web.menu_html import menu_html


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = formatting.money
    app.jinja_env.filters["day"] = formatting.day
    app.jinja_env.filters["moment"] = formatting.moment
    app.jinja_env.filters["plain"] = formatting.plain
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    app.jinja_env.globals["awaiting_count"] = _awaiting_count
    app.jinja_env.globals["navbar_menu_html"] = menu_html


def _awaiting_count() -> int:
    """The number in the top bar: documents awaiting the login user (app/features/inbox.py)."""
    from flask_login import current_user

    from app.features import inbox

    return inbox.awaiting_count(current_user)
