"""Plain Flask-AppBuilder, for comparison: a simple table (6 columns, 1 relation) and the app that lists it.

The table is a copy of the asset cards' simplest columns (``fill`` copies them in the same database file, so it
has the same row count); the app is what FAB's own skeleton gives — FAB's security manager, templates and
ModelView, no engine — served by the test client in the bench or by gunicorn
(``gunicorn -c gunicorn.conf.py 'bench.plain_fab:create_app()'`` from the repository root).
"""
from __future__ import annotations

import os

from sqlalchemy import Column, Date, ForeignKey, Integer, Numeric, String, func, select, text
from sqlalchemy.orm import DeclarativeBase, relationship


class SimpleBase(DeclarativeBase):
    """Its own metadata: the bench tables never enter the application's schema or migrations."""


class SimpleGroup(SimpleBase):
    __tablename__ = "bench_simple_group"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False)

    def __repr__(self) -> str:
        return self.name


class SimpleItem(SimpleBase):
    __tablename__ = "bench_simple_item"
    id = Column(Integer, primary_key=True)
    code = Column(String(30), nullable=False, unique=True)
    name = Column(String(100), nullable=False, index=True)
    quantity = Column(Integer, nullable=False)
    price = Column(Numeric(12, 2))
    bought_on = Column(Date)
    status = Column(String(20), nullable=False)
    group_id = Column(Integer, ForeignKey("bench_simple_group.id"), nullable=False)
    group = relationship(SimpleGroup)

    def __repr__(self) -> str:
        return self.code


LIST_COLUMNS = ["code", "name", "group", "quantity", "price", "bought_on", "status"]


def fill(connection) -> int:
    """Create the tables and copy the asset cards into them (once); returns the row count."""
    SimpleBase.metadata.create_all(connection)
    count = connection.scalar(select(func.count()).select_from(SimpleItem.__table__))
    if not count:
        connection.execute(text("INSERT INTO bench_simple_group (id, name) SELECT id, name FROM asset_category"))
        connection.execute(text(
            "INSERT INTO bench_simple_item (id, code, name, quantity, price, bought_on, status, group_id) "
            "SELECT id, code, name, quantity, unit_price, purchased_on, status, category_id FROM asset"))
        count = connection.scalar(select(func.count()).select_from(SimpleItem.__table__))
    return count


def simple_view():
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    return type("SimpleItemView", (ModelView,), {
        "datamodel": SQLAInterface(SimpleItem),
        "route_base": "/simple",
        "list_columns": LIST_COLUMNS,
        "show_columns": LIST_COLUMNS,
        "search_columns": LIST_COLUMNS,
        "base_order": ("code", "desc"),
    })


def create_app(overrides: dict | None = None):
    """FAB's skeleton app over DATABASE_URL (the bench database, whose FAB tables hold the demo accounts)."""
    from flask import Flask
    from flask_appbuilder import AppBuilder
    from flask_appbuilder.models.sqla.base import SQLA

    app = Flask("plain_fab")
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"),
        SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        AUTH_TYPE=1,  # AUTH_DB
        AUTH_ROLE_ADMIN="系统管理员",
        FAB_UPDATE_PERMS=os.environ.get("PLAIN_FAB_UPDATE_PERMS", "1") == "1",
        AUTH_RATE_LIMITED=False,
    )
    app.config.update(overrides or {})
    db = SQLA()
    db.init_app(app)
    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        appbuilder.add_view(simple_view(), "简单表", category="对照")
    app.extensions["plain_db"] = db
    return app
