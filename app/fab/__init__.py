"""Every Flask-AppBuilder override of the engine, in one place, checked at start.

Each override is listed in ``OVERRIDES`` with the FAB attribute it replaces, where ours lives and why. They
were written against Flask-AppBuilder ``FAB_VERSION``: ``install()`` refuses to start on any other version,
and checks that every attribute we override or fork still exists in FAB, so an upgrade fails loudly at
start instead of silently running FAB's own code (or none) where ours was meant to run.

The overrides themselves are here (this package) where they are FAB's own pieces made safe or Chinese —
page arguments, the data interface and its filters, the security manager and its screens, the forked
templates in ``app/fab/templates/``; the generated views (app/web/crud.py, rest.py, forms.py, home.py)
subclass FAB and override the methods listed below.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

FAB_VERSION = "5.3.0"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Override:
    target: str  # the FAB attribute replaced: "module:Class.method", "module:function", or "template:path"
    ours: str  # where the replacement lives
    reason: str


OVERRIDES = (
    # ---------------------------------------------------------------- functions patched in FAB's modules
    Override("flask_appbuilder.baseviews:get_page_args", "app.fab.page_args",
             "a non-numeric page number answered 500"),
    Override("flask_appbuilder.baseviews:get_page_size_args", "app.fab.page_args",
             "no upper bound: ?psize_X=1000000 loaded a whole table"),
    # ---------------------------------------------------------------- data interface and filters
    Override("flask_appbuilder.models.sqla.interface:SQLAInterface.apply_all", "app.fab.datamodel",
             "load the relations a page shows with one statement each (selectinload), not one per row"),
    Override("flask_appbuilder.models.sqla.interface:SQLAInterface.apply_order_by", "app.fab.datamodel",
             "sorting by a relation ordered by 'related.id = fk' (a 500); sort by the related record's name"),
    Override("flask_appbuilder.models.sqla.interface:SQLAInterface.get", "app.fab.datamodel",
             "a record number beyond 64 bits reached the driver, which overflowed (a 500)"),
    Override("flask_appbuilder.models.sqla.filters:SQLAFilterConverter.convert", "app.fab.datamodel",
             "a filter value that cannot be parsed raised; text filters also match pinyin"),
    # ---------------------------------------------------------------- generated views
    Override("flask_appbuilder.views:ModelView._get_list_widget", "app.web.crud",
             "apply the quick filter and keyword, and hand the records to the template (phone cards)"),
    Override("flask_appbuilder.views:ModelView.action", "app.web.crud",
             "FAB loads the record without the data scope and accepts GET"),
    Override("flask_appbuilder.views:ModelView.action_post", "app.web.crud",
             "FAB's bulk action ignores the data scope"),
    Override("flask_appbuilder.baseviews:BaseCRUDView._add", "app.web.crud",
             "save through the one write path; keep what was typed on a refusal"),
    Override("flask_appbuilder.baseviews:BaseCRUDView._edit", "app.web.crud",
             "save through the one write path with the version seen; locks"),
    Override("flask_appbuilder.baseviews:BaseCRUDView._delete", "app.web.crud",
             "delete through the one write path: references counted, locks"),
    Override("flask_appbuilder.baseviews:BaseCRUDView._show", "app.web.crud",
             "the record for the workflow panel and lines, read within the data scope"),
    Override("flask_appbuilder.baseviews:BaseCRUDView._get_show_widget", "app.web.crud",
             "keep the record FAB read for the page, so it is read once"),
    Override("flask_appbuilder.forms:GeneralModelConverter._convert_many_to_one", "app.web.forms",
             "FAB's select loads the whole related table into every form; search it on the server"),
    Override("flask_appbuilder.forms:GeneralModelConverter._convert_simple", "app.web.forms",
             "enums as Chinese selects refusing unknown values; Chinese date pickers; checked image uploads"),
    Override("flask_appbuilder.api:ModelRestApi.post_headless", "app.web.rest",
             "save through the one write path"),
    Override("flask_appbuilder.api:ModelRestApi.put_headless", "app.web.rest",
             "save through the one write path, with the row version"),
    Override("flask_appbuilder.api:ModelRestApi.delete_headless", "app.web.rest",
             "delete through the one write path"),
    Override("flask_appbuilder.api.convert:Model2SchemaConverter._column2relation", "app.fab.rest_schema",
             "a related record was dumped with all its columns (a login user's password hash); id and name only"),
    Override("flask_appbuilder.api:ModelRestApi._get_fields_info", "app.web.rest",
             "_info described every form field to everyone; the fields this user's form offers"),
    Override("flask_appbuilder.api:ModelRestApi._get_field_info", "app.web.rest",
             "an empty description was translated into the catalogue's header"),
    Override("flask_appbuilder.api:ModelRestApi._get_list_related_field", "app.web.rest",
             "_info listed every related record of the school to every role; scope and qualifying rule"),
    Override("flask_appbuilder.views:IndexView.index", "app.web.home",
             "the login form for visitors; the user's start buttons and dashboard"),
    # ---------------------------------------------------------------- security
    Override("flask_appbuilder.security.sqla.manager:SecurityManager.has_access", "app.fab.security",
             "everyone may see their own profile and change their own password"),
    Override("flask_appbuilder.security.sqla.manager:SecurityManager.exist_permission_on_roles",
             "app.fab.security", "one query per request for all permission checks, not one per menu item"),
    Override("flask_appbuilder.security.sqla.manager:SecurityManager.auth_user_db", "app.fab.security",
             "lockout per account and client address after failed passwords, audited; a login log"),
    Override("flask_appbuilder.security.manager:BaseSecurityManager.create_login_manager", "app.fab.security",
             "a session's user is loaded only while its stamp is the account's current one (app/platform/sessions)"),
    Override("flask_appbuilder.security.sqla.manager:SecurityManager.get_user_by_id", "app.fab.security",
             "the user with its roles and groups in one statement on every request (FAB loads them lazily)"),
    Override("flask_appbuilder.security.manager:BaseSecurityManager.create_jwt_manager", "app.fab.security",
             "tokens carry the account's stamp and die with it at logout/password change; refusals in Chinese"),
    Override("flask_appbuilder.security.manager:BaseSecurityManager.on_user_logout", "app.fab.security",
             "logging out ends every session and token of the account, not only this browser's"),
    Override("flask_appbuilder.security.views:UserDBModelView.userinfo", "app.fab.security_views",
             "the profile shows the sections the engine's features add (消息通知)"),
    Override("flask_appbuilder.security.views:ResetMyPasswordView", "app.fab.security_views",
             "changing one's own password did not ask for the current one"),
    Override("flask_appbuilder.security.manager:BaseSecurityManager.auth_rate_limit", "app.fab.security",
             "the school's configuration names the login limit LOGIN_RATE_LIMIT"),
    Override("flask_appbuilder.security.views:AuthDBView.invalid_login_message", "app.fab.security",
             "a locked account is told so and for how long"),
    Override("flask_appbuilder.security.views:UserDBModelView", "app.fab.security_views",
             "the user, role and permission screens in Chinese"),
    # ---------------------------------------------------------------- templates forked from FAB
    Override("template:appbuilder/init.html", "app/fab/templates",
             "FAB's English scripts replaced by Chinese copies; flatpickr and select2 in Chinese"),
    Override("template:appbuilder/navbar.html", "app/fab/templates",
             "待办 beside the phone's menu button; the menu rendered once per permission set"),
    Override("template:appbuilder/navbar_right.html", "app/fab/templates", "我的待办 with its count"),
    Override("template:appbuilder/general/widgets/list.html", "app/fab/templates",
             "values read as pages show them; each record a card on a phone"),
    Override("template:appbuilder/general/widgets/show.html", "app/fab/templates",
             "values read as pages show them (blank, 是/否)"),
    Override("template:appbuilder/general/widgets/search.html", "app/fab/templates",
             "the keyword and quick filter stay when filters are searched"),
    Override("template:appbuilder/general/widgets/roles/list.html", "app/fab/templates",
             "permission names in Chinese"),
    Override("template:appbuilder/general/widgets/roles/show.html", "app/fab/templates",
             "permission names in Chinese"),
    Override("template:appbuilder/general/confirm.html", "app/fab/templates", "buttons in Chinese"),
    Override("template:appbuilder/general/alert.html", "app/fab/templates", "button in Chinese"),
)


class FabVersionError(RuntimeError):
    pass


def _exists(target: str) -> bool:
    if target.startswith("template:"):
        import flask_appbuilder

        return (Path(flask_appbuilder.__file__).parent / "templates" / target.split(":", 1)[1]).is_file()
    module_name, _, path = target.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError:
        return False
    for part in path.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def check() -> None:
    """Refuse to start on another FAB version, or when something we override is gone from FAB."""
    import flask_appbuilder

    if flask_appbuilder.__version__ != FAB_VERSION:
        raise FabVersionError(
            f"Flask-AppBuilder {flask_appbuilder.__version__} is installed; the overrides in app/fab were written "
            f"for {FAB_VERSION}. Review each one in app/fab/__init__.py OVERRIDES before changing the version. "
            f"（Flask-AppBuilder 版本与本系统的改写不符，请先核对 app/fab 里的每一项改写。）")
    missing = [o.target for o in OVERRIDES if not _exists(o.target)]
    if missing:
        raise FabVersionError(f"Flask-AppBuilder no longer has what app/fab overrides: {missing}")


def install(app: Flask) -> None:
    """Check the version, patch FAB's page arguments, and put the forked templates before FAB's own."""
    from app.fab import page_args

    check()
    page_args.install()
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), app.jinja_loader])
