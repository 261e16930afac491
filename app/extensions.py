"""The app's shared objects, made once and bound by the factory: the database, migrations, the cache, and the engine
(what was built from the school's declarations). Engine modules import these from here, never from the
factory (app/__init__.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from flask import Flask, current_app
from flask_appbuilder.models.sqla.base import SQLA
from flask_caching import Cache
from flask_migrate import Migrate

from app.declare.roles import MenuEntry, RoleSpec

BASE_DIR = Path(__file__).resolve().parent.parent
TRANSLATIONS = BASE_DIR / "translations"
MIGRATIONS = BASE_DIR / "migrations"

db = SQLA()
migrate = Migrate()
cache = Cache()  # configured by app/platform/caching.py: per process, or Redis shared by every host


@dataclass
class Engine:
    """What the engine built for this app: the declared models, their views, the role matrix, the pages."""

    models: list[type]
    views: dict[type, object]
    roles: Mapping[str, RoleSpec]
    appbuilder: object
    seed: Callable | None = None  # the domain's first-install data (idempotent)
    pages: list = field(default_factory=list)  # hand-written views (views/), registered after the models
    public_pages: list = field(default_factory=list)  # pages without login (app/web/pages.py PublicPage)

    def menu_entries(self) -> list[MenuEntry]:
        entries = [MenuEntry(view.class_permission_name, model.__admin__.label, model.__admin__.menu)
                   for model, view in self.views.items()]
        entries += [MenuEntry(page.class_permission_name, page.menu_label, page.menu_category,
                              getattr(page, "everyone", False)) for page in self.pages]
        return entries

    def view_of(self, model: type):
        return self.views.get(model)


def engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["engine"]
