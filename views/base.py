"""Where the hand-written pages keep their templates."""
from pathlib import Path

from app.web.pages import Page

TEMPLATES = str(Path(__file__).resolve().parent / "templates")


class SchoolPage(Page):
    template_folder = TEMPLATES


class PostingPage(SchoolPage):
    """A 公示 posted for every member of staff (``everyone``: app/web/pages.py), read on its page and as an
    Excel file; each posting says in its module why it is not limited by the data scope."""

    default_view = "index"
    method_permission_name = {"index": "read", "export_xlsx": "read"}
    menu_icon = "fa-bullhorn"
    everyone = True
