"""The application factory: configuration, database, FAB, and the school's declarations turned into screens.

Only this module knows the school: it reads the models, roles, menu and pages of ``models/`` and ``views/``
and passes them into the engine; no other module of ``app/`` imports them.
"""
from __future__ import annotations

import logging
from typing import Iterable

from flask import Flask
from flask_appbuilder import AppBuilder
from sqlalchemy import inspect

from app import fab
from app.declare import checks
from app.extensions import MIGRATIONS, TRANSLATIONS, Engine, db, migrate
from app.platform import i18n
from app.web import registry
from app.web.jsonprovider import EngineJSONProvider

log = logging.getLogger(__name__)


def create_app(overrides: dict | None = None, extra_models: Iterable[type] = ()) -> Flask:
    import config
    import models as domain
    from models.roles import ROLES

    app = Flask(__name__, instance_path=str(config.INSTANCE_DIR))
    app.json = EngineJSONProvider(app)
    app.config.from_object(config)
    app.config.update(overrides or {})
    # A dead pooled connection (PostgreSQL restarted) is replaced before use; other engine options are kept.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                               **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    i18n.compile_catalogues(TRANSLATIONS)
    entities = registry.discover(domain) + list(extra_models)  # all mapped before FAB configures the mappers
    fab.install(app)  # every Flask-AppBuilder override, checked against the FAB version it was written for

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    from app.platform import caching, order_scan

    caching.configure(app)  # Flask-Caching, and the model generations every commit renews
    order_scan.install()  # SQLite: a list's first pages read along their order's index when that is short

    import views as pages  # after every model is imported: importing FAB or a page may configure the mappers
    checks.check(entities, ROLES, app.config.get("AUTH_ROLE_ADMIN"))  # a mistaken declaration stops the start
    with app.app_context():
        # Permissions are written only once the schema exists (after `flask db upgrade`).
        app.config["FAB_UPDATE_PERMS"] = "ab_permission" in inspect(db.engine).get_table_names()
        from app.fab.security import EngineSecurityManager
        from app.web.home import HomeView

        appbuilder = AppBuilder(indexview=HomeView, security_manager_class=EngineSecurityManager)
        appbuilder.init_app(app, db.session)
        views = registry.register_all(appbuilder, entities, getattr(domain, "MENU", {}))
        engine = Engine(entities, views, ROLES, appbuilder, getattr(domain, "seed_defaults", None))
        from app.features import inbox_views, notifications

        engine.pages = registry.register_pages(  # 我的待办 / 我的申请 / 消息 first, then the domain's own pages
            appbuilder, inbox_views.PAGES + notifications.PAGES + list(getattr(pages, "PAGES", ())),
            getattr(domain, "MENU", {}))
        engine.public_pages = registry.register_public_pages(appbuilder, getattr(pages, "PUBLIC", ()))  # no login
        app.extensions["engine"] = engine
        from app.features import audit_views, imports, prints, uploads
        from app.platform import headers, login_security, query_args

        imports.register(app, appbuilder, engine)  # 导入 pages for models declaring imports=
        prints.register(app, appbuilder, getattr(pages, "PRINTS", ()))  # printable forms, linked from records
        login_security.register(app, appbuilder)  # 系统管理: login log, locks; password policy; idle timeout
        query_args.register(app)  # NUL bytes dropped from URL arguments before any view reads them
        audit_views.register(app, appbuilder)  # 系统管理 → 操作日志; every record's history on its detail page
        notifications.register(app, appbuilder)  # messages from workflow steps; 系统管理 → 消息发送; notify-worker
        uploads.register(app)  # photo() columns: checked image uploads, served to readers only
        headers.register(app)  # CSP with a per-request script nonce, nosniff, frame and referrer policy
        checks.check_grants(ROLES, {getattr(v, "class_permission_name", "") for v in appbuilder.baseviews})

    from app.platform import cli, csrf, health
    from app.web import errors, rest_answers, templating

    cli.register(app)
    errors.register(app)
    rest_answers.register(app, registry.api_labels(app))  # REST answers in Chinese; unparseable requests refused
    csrf.register(app)
    health.register(app)  # /healthz: database (and Redis) reachable, no login, no session cookie
    templating.register(app)
    return app
