"""Where the hand-written pages keep their templates."""
from pathlib import Path

from app.web.pages import Page

TEMPLATES = str(Path(__file__).resolve().parent / "templates")


class SchoolPage(Page):
    template_folder = TEMPLATES
