"""A list's 更多搜索条件 panel is rendered once per view while no condition is set (app/web/search_panel.py):
each page still carries its own script nonce, and a page with a condition shows that condition."""
from __future__ import annotations

import re


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def panel(html: str) -> str:
    start = html.index('<form id="filter_form"')
    return html[start:html.index("</script>", start)]


def test_the_panel_is_rendered_once_and_each_page_gets_its_own_nonce(app, clients, monkeypatch):
    from flask_appbuilder.widgets import SearchWidget

    admin = clients("admin")
    app.extensions.pop("search_panels", None)
    rendered = []
    render = SearchWidget.__call__

    def counted(self, **kwargs):
        rendered.append(self)
        return render(self, **kwargs)

    monkeypatch.setattr(SearchWidget, "__call__", counted)
    first, second = admin.get("/asset/list/"), admin.get("/asset/list/?q=计算机")
    assert len(rendered) == 1  # the second from the kept copy (the keyword box is not a search condition)
    for response in (first, second):
        script = panel(response.get_data(as_text=True))
        assert f'<script nonce="{nonce_of(response)}">' in script and "资产编号" in script
    assert nonce_of(first) != nonce_of(second)


def test_a_page_with_a_condition_renders_the_panel_with_it(app, clients):
    admin = clients("admin")
    response = admin.get("/asset/list/?_flt_0_status=in_use")
    script = panel(response.get_data(as_text=True))
    assert f'<script nonce="{nonce_of(response)}">' in script
    assert re.search(r'"status".*in_use', script.split("AdminFilters", 1)[1], re.S)
