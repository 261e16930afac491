"""The application factory: configuration, database, FAB, and every declared model turned into screens."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from sqlalchemy import inspect

from . import fab_fixes, i18n, registry
from .access import MenuEntry, RoleSpec
from .jsonprovider import EngineJSONProvider

BASE_DIR = Path(__file__).resolve().parent.parent
TRANSLATIONS = BASE_DIR / "translations"
MIGRATIONS = BASE_DIR / "migrations"

db = SQLA()
migrate = Migrate()
log = logging.getLogger(__name__)


@dataclass
class Engine:
    """What the engine built for this app: the declared models, their views, the role matrix."""

    models: list[type]
    views: dict[type, object]
    roles: Mapping[str, RoleSpec]
    appbuilder: AppBuilder
    seed: Callable | None = None  # the domain's first-install data (idempotent)
    pages: list = field(default_factory=list)  # hand-written views (views/), registered after the models

    def menu_entries(self) -> list[MenuEntry]:
        entries = [MenuEntry(view.class_permission_name, model.__admin__.label, model.__admin__.menu)
                   for model, view in self.views.items()]
        entries += [MenuEntry(page.class_permission_name, page.menu_label, page.menu_category,
                              getattr(page, "everyone", False)) for page in self.pages]
        return entries


def create_app(overrides: dict | None = None, extra_models: Iterable[type] = ()) -> Flask:
    import config
    import models as domain
    import views as pages
    from models.roles import ROLES

    app = Flask(__name__, instance_path=str(config.INSTANCE_DIR))
    app.json = EngineJSONProvider(app)
    app.config.from_object(config)
    app.config.update(overrides or {})
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    i18n.compile_catalogues(TRANSLATIONS)
    fab_fixes.install()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))

    entities = registry.discover(domain) + list(extra_models)  # all mapped before FAB queries anything
    with app.app_context():
        # Permissions are written only once the schema exists (after `flask db upgrade`).
        app.config["FAB_UPDATE_PERMS"] = "ab_permission" in inspect(db.engine).get_table_names()
        from .home import HomeView

        from .security import EngineSecurityManager

        appbuilder = AppBuilder(indexview=HomeView, security_manager_class=EngineSecurityManager)
        appbuilder.init_app(app, db.session)
        views = registry.register_all(appbuilder, entities, getattr(domain, "MENU", {}))
        engine = Engine(entities, views, ROLES, appbuilder, getattr(domain, "seed_defaults", None))
        from . import inbox_views

        engine.pages = registry.register_pages(  # 我的待办 / 我的申请 first, then the domain's own pages
            appbuilder, inbox_views.PAGES + list(getattr(pages, "PAGES", ())), getattr(domain, "MENU", {}))
        app.extensions["engine"] = engine
        from . import importing

        importing.register(app, appbuilder, engine)  # 导入 pages for models declaring imports= (app/importing.py)
        from . import prints

        prints.register(app, appbuilder, getattr(pages, "PRINTS", ()))  # printable forms, linked from records
        from . import login_security

        login_security.register(app, appbuilder)  # 系统管理: login log, locks; password policy; idle timeout
        from . import audit, headers, uploads

        audit.register(app, appbuilder)  # 系统管理 → 操作日志; every record's history on its detail page
        uploads.register(app)  # photo() columns: checked image uploads, served to readers only
        headers.register(app)  # CSP with a per-request script nonce, nosniff, frame and referrer policy

    from . import cli, csrf, errors, templating

    cli.register(app)
    errors.register(app)
    csrf.register(app)
    templating.register(app)
    return app


def engine(app: Flask | None = None) -> Engine:
    from flask import current_app

    return (app or current_app).extensions["engine"]
