"""Turns every declared model into a registered CRUD view, a REST API, menu entries and permissions."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Iterable

from flask import current_app

from app.declare.entity import Entity
from app.fab.datamodel import EngineInterface, ExpressionFilter
from app.meta import formatting, introspect
from app.rules import loading, read
from app.web.crud import EngineModelView
from app.web.rest import EngineRestApi

# One permission vocabulary for pages and API: a role granted "read" may list, show and GET.
VIEW_PERMISSIONS = {
    "list": "read", "show": "read", "download": "read", "lookup": "read", "step": "read",
    "export_xlsx": "read", "export_csv": "read",
    "add": "add", "edit": "edit", "delete": "delete",
}
API_PERMISSIONS = {
    "get": "read", "get_list": "read", "info": "read",
    "post": "add", "put": "edit", "delete": "delete",
}
HIDDEN = {"row_version"}


def discover(package: ModuleType) -> list[type]:
    """Import every module of the models package; return its declared entities in declaration order."""
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    prefix = package.__name__ + "."
    return [m for m in _entities(Entity) if m.__module__.startswith(prefix)]


def _entities(base: type) -> Iterable[type]:
    for sub in base.__subclasses__():
        if not sub.__dict__.get("__abstract__") and hasattr(sub, "__admin__"):
            yield sub
        yield from _entities(sub)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


class Screen:
    """The columns of a model's pages, read from its ``__admin__`` with sensible defaults."""

    def __init__(self, model: type):
        meta = model.__admin__
        user_columns = [n for n in EngineInterface(model).get_user_columns_list()
                        if n not in HIDDEN and not _is_to_many(model, n)]
        # Numbers are assigned and workflow states moved by the engine, never typed into the form.
        engine_owned = {c.key for c in model.__table__.columns if c.info.get("serial")}
        if meta.workflow is not None:
            engine_owned.add(meta.workflow.field)
            if meta.workflow.stage:
                engine_owned.add(meta.workflow.stage)
        if meta.account is not None:
            engine_owned.add(meta.account.relation)  # edited as the account fields (app/features/accounts.py)
        self.form = [n for n in (list(meta.form) or user_columns)
                     if n not in engine_owned and not introspect.is_computed(model, n)]
        self.list = list(meta.list) or self.form[:8]
        self.show = list(meta.show) or _unique(self.form + self.list)
        self.search = list(meta.search) or [n for n in self.list if not introspect.is_computed(model, n)]
        shown = _unique(self.list + self.show + self.form + self.search + list(meta.summary))
        self.labels = introspect.labels(model, shown)
        self.formatters = {n: formatting.formatter(introspect.display_format(model, n)) for n in shown}
        if meta.account is not None:
            from app.features.accounts import describe

            self.formatters[meta.account.relation] = describe
        self.list_relations = [n for n in self.list if introspect.is_relation(model, n)]
        # what a list page shows: its columns, and each record's name and summary on its card
        self.list_loads = loading.paths(model, self.list + list(meta.summary))
        self.order = tuple(meta.order) if meta.order else None


def _is_to_many(model: type, name: str) -> bool:
    return introspect.is_relation(model, name) and EngineInterface(model).is_relation_one_to_many(name)


def build_view(model: type, models: list[type]) -> type[EngineModelView]:
    meta, screen = model.__admin__, Screen(model)
    order_columns = [n for n in screen.list if not introspect.is_computed(model, n)]
    return type(f"{model.__name__}View", (EngineModelView,), {
        "datamodel": EngineInterface(model, eager=screen.list_loads),
        "base_filters": [["id", ExpressionFilter, read.criteria]],  # list, detail, edit, export, actions
        "route_base": f"/{model.__tablename__.replace('_', '-')}",
        "list_columns": screen.list,
        "show_columns": screen.show,
        "add_columns": screen.form,
        "edit_columns": screen.form,
        "search_columns": screen.search,
        "order_columns": order_columns,
        "label_columns": screen.labels,
        "description_columns": introspect.descriptions(model),
        "formatters_columns": screen.formatters,
        "base_order": screen.order,
        "quick_filters": tuple(meta.quick_filters),
        "line_specs": tuple(meta.lines),
        "workflow": meta.workflow,
        "entity_label": meta.label,
        "class_permission_name": model.__name__,
        "method_permission_name": VIEW_PERMISSIONS,
        "models_in_registry": models,
        "page_size": current_app.config.get("PAGE_SIZE", 25),
    })


def build_api(model: type, models: list[type]) -> type[EngineRestApi]:
    screen = Screen(model)
    return type(f"{model.__name__}Api", (EngineRestApi,), {
        "datamodel": EngineInterface(model, eager=screen.list_relations),
        "base_filters": [["id", ExpressionFilter, read.criteria]],  # REST list, GET, PUT, DELETE
        "resource_name": model.__tablename__.replace("_", "-"),
        "class_permission_name": model.__name__,
        "method_permission_name": API_PERMISSIONS,
        "list_columns": ["id"] + screen.list + ["row_version"],
        "show_columns": ["id"] + screen.show + ["row_version"],
        "add_columns": screen.form,
        "edit_columns": screen.form,
        "search_columns": screen.search,
        "order_columns": [n for n in screen.list if not introspect.is_computed(model, n)],
        "label_columns": screen.labels,
        "description_columns": introspect.descriptions(model),
        "base_order": screen.order,
        "page_size": current_app.config.get("PAGE_SIZE", 25),
        "max_page_size": current_app.config.get("MAX_PAGE_SIZE", 100),
        "models_in_registry": models,
    })


def api_labels(app):
    """For an /api/v1/<resource>/… path: the Chinese labels of the fields of the model it serves."""
    by_resource = {}

    def labels_of(path: str) -> dict:
        if not by_resource:
            for model in app.extensions["engine"].models:
                by_resource[model.__tablename__.replace("_", "-")] = introspect.labels(model)
        parts = path.split("/")
        return by_resource.get(parts[3], {}) if len(parts) > 3 else {}

    return labels_of


def register_all(appbuilder, models: list[type], menu: dict[str, str]) -> dict[type, EngineModelView]:
    """Register each model's view (in menu order) and API; return the view instance per model."""
    views = {}
    category_rank = {name: i for i, name in enumerate(menu)}
    ordered = sorted(models, key=lambda m: (category_rank.get(m.__admin__.menu, len(menu)), m.__admin__.menu_order))
    for model in ordered:
        meta = model.__admin__
        if not meta.generate:
            continue
        views[model] = appbuilder.add_view(
            build_view(model, models),
            meta.label,
            icon=meta.icon,
            category=meta.menu or "",
            category_icon=menu.get(meta.menu or "", ""),
        )
        if meta.api:
            appbuilder.add_api(build_api(model, models))
    _sort_menu(appbuilder, menu)
    return views


def _sort_menu(appbuilder, menu: dict[str, str]) -> None:
    """FAB's own categories (权限管理 …) were added first; the school's work comes first, in MENU order."""
    rank = {name: i for i, name in enumerate(menu)}
    appbuilder.menu.menu.sort(key=lambda item: rank.get(item.name, len(menu)))


def register_public_pages(appbuilder, page_classes) -> list:
    """Register the pages without login (app/web/pages.py PublicPage), each POST limited per client address."""
    from flask import current_app

    pages = []
    for page_class in page_classes:
        page = appbuilder.add_view_no_menu(page_class)
        setting = page_class.rate_limit
        appbuilder.sm.limiter.limit(lambda: current_app.config[setting], methods=["POST"],
                                    scope=f"public-{page_class.__name__}")(page.blueprint)
        pages.append(page)
    return pages


def register_pages(appbuilder, page_classes, menu: dict[str, str]) -> list:
    """Register hand-written views (views/) under their declared menu place; return the instances."""
    pages = []
    for page_class in page_classes:
        pages.append(appbuilder.add_view(
            page_class, page_class.menu_label, icon=page_class.menu_icon,
            category=page_class.menu_category or "", category_icon=menu.get(page_class.menu_category or "", "")))
    _sort_menu(appbuilder, menu)
    return pages
