"""Printable forms: hand-written pages (views/) that print one model's records on A4, reached from the
record's detail page (and, for pages printing many records, from the model's list with its filters).

A print page is not in the menu and has no permission of its own: it is reached with the read permission
of the model it prints, and the record must be within the user's data scope (``record_or_404``).
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, request, url_for
from flask_appbuilder.urltools import get_filter_args, get_order_args

from app.fab.datamodel import ExpressionFilter
from app.rules import read
from app.web.pages import Page
from app.web.registry import API_PERMISSIONS, VIEW_PERMISSIONS


class PrintPage(Page):
    """Subclasses set ``class_permission_name`` to the printed model's class name, expose their methods
    with ``@has_access`` and map each to "read" in ``method_permission_name``."""

    # The page shares the model's permission name so that its read grant opens it. FAB strips from a
    # permission name every permission its last registered view lacks, so the page declares the
    # generated view's whole set (it checks only "read"); register() copies it from the registered view.
    base_permissions = sorted({f"can_{action}" for action in {*VIEW_PERMISSIONS.values(), *API_PERMISSIONS.values()}})
    link_label = "打印"  # the button on the record's detail page
    link_icon = "fa-print"
    new_window = True  # a printed sheet opens beside the record; a working page (扫码盘点) replaces it
    record_method: str | None = "record"  # exposed method(pk) linked from the detail page
    list_label = ""  # the button on the model's list page, when the page prints what the list selects
    list_method: str | None = None  # exposed method linked from the list, with the list's query string
    template_folder: str

    def model(self) -> type:
        return next(m for m in current_app.extensions["engine"].models if m.__name__ == self.class_permission_name)

    def model_view(self):
        return current_app.extensions["engine"].views[self.model()]

    def record_or_404(self, pk: int) -> Any:
        """The record, if the user's data scope reaches it; otherwise 404 (as its detail page would)."""
        model = self.model()
        session = current_app.appbuilder.session
        record = read.one(session, model, pk)
        if record is None:
            abort(404)
        return record

    def listed(self, limit: int) -> tuple[int, list]:
        """What the model's list page shows for the current query string (its search filters, quick filter,
        sort order and the data scope), up to ``limit`` records, with the count of all of them."""
        view = self.model_view()
        filters = view.datamodel.get_filters(view.search_columns)  # as the view's own, unshared
        get_filter_args(filters)
        chosen = view.active_quick_filter()
        if chosen is not None:
            filters.add_filter(view.datamodel.get_pk_name(), ExpressionFilter, view.quick_filters[chosen].criteria)
        order = get_order_args().get(view.__class__.__name__)
        if order and order[0] in view.order_columns:
            order_column, order_direction = order
        else:
            order_column, order_direction = view.base_order or ("", "")
        joined = filters.get_joined_filters(view._base_filters)  # the base filters carry the data scope
        return view.datamodel.query(joined, order_column, order_direction, page=0, page_size=limit)


def _pages() -> list[PrintPage]:
    return current_app.extensions.get("prints", [])


def _may_read(page: PrintPage) -> bool:
    return current_app.appbuilder.sm.has_access("can_read", page.class_permission_name)


def record_links(record: Any) -> list[tuple[str, str]]:
    """(label, url, icon, new window) of the record pages of this record that the user may open."""
    if record is None or getattr(record, "id", None) is None:
        return []
    name = type(record).__name__
    return [(page.link_label, url_for(f"{page.endpoint}.{page.record_method}", pk=record.id), page.link_icon,
             page.new_window)
            for page in _pages() if page.record_method and page.class_permission_name == name and _may_read(page)]


def list_links(view_name: str) -> list[tuple[str, str]]:
    """(label, url) of the print pages for what the list ``view_name`` selects, keeping its query string."""
    views = current_app.extensions["engine"].views.values()
    view = next((v for v in views if v.__class__.__name__ == view_name), None)
    if view is None:
        return []
    query = request.query_string.decode("utf-8", "replace")
    links = []
    for page in _pages():
        if page.list_method and page.class_permission_name == view.class_permission_name and _may_read(page):
            url = url_for(f"{page.endpoint}.{page.list_method}")
            links.append((page.list_label, f"{url}?{query}" if query else url))
    return links


def register(app, appbuilder, page_classes) -> list[PrintPage]:
    """Register the print pages (no menu entries) and the template globals the detail and list pages use."""
    views = {view.class_permission_name: view for view in app.extensions["engine"].views.values()}
    pages = []
    for page_class in page_classes:
        model_view = views.get(page_class.class_permission_name)
        if model_view is None:
            raise RuntimeError(f"{page_class.__name__} prints an undeclared model {page_class.class_permission_name}")
        page_class.base_permissions = sorted(model_view.base_permissions)  # exactly the model's (see PrintPage)
        pages.append(appbuilder.add_view_no_menu(page_class))
    app.extensions["prints"] = pages
    app.jinja_env.globals["print_links"] = record_links
    app.jinja_env.globals["print_list_links"] = list_links
    return pages
