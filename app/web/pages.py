"""Base of hand-written pages (views/): a menu place, Chinese title, one permission name, engine templates."""
from __future__ import annotations

from flask_appbuilder import BaseView


class Page(BaseView):
    """Subclasses set menu_label / menu_category / menu_icon, class_permission_name and method_permission_name
    (each exposed method → "read", "add", "edit" …, the same action words the role matrix grants)."""

    menu_label = ""
    menu_category: str | None = None
    menu_icon = "fa-file-text-o"
    everyone = False  # True: every role may read it, without a grant in the role matrix

    def render(self, template: str, **kwargs):
        kwargs.setdefault("title", self.menu_label)
        return self.render_template(template, **kwargs)


class PublicPage(BaseView):
    """A page anyone may open without logging in (a form reached by a QR code): never in a menu, no permission,
    its own plain layout (nothing of the logged-in system shows). What it reads and writes is only what it names
    in ``app.rules.public.reach``; its POSTs are limited per client address (``rate_limit``, a config key)."""

    default_view = "index"
    menu_label = ""  # its name where permissions are listed (系统管理), though it needs none
    rate_limit = "PUBLIC_FORM_RATE_LIMIT"
