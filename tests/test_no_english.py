"""Every word a person can see is Chinese.

Each demo account logs in and visits its home page, its profile, every page its menu reaches, and for
each list page the add form, one record's detail and edit form (and the step forms linked from that
detail). Every page is read as a browser shows it — text, button labels, placeholders, tooltips,
alt texts, aria labels, option labels, confirmation texts in inline scripts — and so are the search
filters' labels, operator names and fields, which FAB passes to ab_filters.js as JSON. Any English
word fails the test, except data the demo shows as it is (brand and model names) and units or
abbreviations Chinese readers use as they are (CPU, A4, kg …), listed below.

The JavaScript the pages load is checked for FAB's English UI literals ("Select a State" …) too; what
select2 and the date picker draw at run time is checked in a real browser by tests/test_browser.py.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import DEMO_ACCOUNTS

# Units, abbreviations and the like that a Chinese reader reads as they are.
ALLOWED_TERMS = {
    "CPU", "A4", "A3", "mm", "cm", "kg", "kW", "kWh", "kVA", "KV", "kV", "PDF", "Excel", "USB", "LED",
    "WiFi", "Wi", "Fi", "ID", "IP", "PC", "TV", "UPS", "HDMI", "VGA", "SSD", "HDD", "GB", "TB", "MB", "KB",
    "PH", "pH", "ml", "mL", "km", "m", "kPa", "MPa", "AC", "DC", "LCD", "PPR", "PVC", "PE", "DN",
    "jpg", "jpeg", "png", "gif", "webp", "xlsx", "csv", "CSV",  # file types (导出 CSV)
}
# Data the demo school shows as it is: brands, model names, codes.
DATA_TOKENS = {
    "ThinkPad", "ThinkCentre", "ThinkVision", "ThinkBook", "ThinkPlus", "Lenovo", "HP", "LaserJet", "Dell",
    "OptiPlex", "Latitude", "Vostro", "Canon", "Epson", "iPad", "Apple", "MacBook", "Huawei", "MateBook",
    "MateStation", "Haier", "Midea", "Gree", "TP", "LINK", "Hikvision", "DS", "Brother", "Ricoh", "Xerox",
    "Sony", "Samsung", "Seewo", "Philips", "Panasonic", "Toshiba", "Sharp", "Mi", "Redmi", "Honor",
    "DISLab", "ECOSYS", "Pro", "HD", "HS", "EOS", "GSB",
    "AP", "AirEngine", "Stagepas", "BT", "Adventurer", "BeneHeart", "Ender", "FusionServer", "iFace", "iR", "JBL",
    "EON", "RG",
}
# The audit log's detail page shows the stored class name of the changed record as its 数据类型代码
# (app/rules/audit.py): a code, next to its Chinese 数据类型. Allowed there only.
AUDIT_DETAIL = "/audit-log/show/"
# Login names are data too (the demo's are pinyin: zongwu, shitang …).
USERNAMES = set(DEMO_ACCOUNTS)
# A run of letters, digits and the joints of codes ("BX-20261121-0020", "EG100MATE2S", "i5-12500/NG"):
# with a digit in it, it is a number or a model code — data; without, each word of two letters or more
# counts.
TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*")
WORD = re.compile(r"[A-Za-z]{2,}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|/)[\w./?=&%#:+-]*")
SHOWN_ATTRIBUTES = {"title", "placeholder", "data-placeholder", "alt", "aria-label", "data-text", "label",
                    "data-original-title"}
# Calls whose string arguments the user reads: the last string literal of each.
DISPLAY_CALL = re.compile(r"\b(alert|confirm|ab_alert|execute_single_delete|execute_single|execute_multiple)\s*\(")
STRING_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
# English that FAB's own JavaScript shows; none of it may reach a page.
FAB_JS_ENGLISH = ("Select a State", "No row selected", 'placeholder: "Select"', "placeholder: 'Select'")


def english_tokens(text: str, data: frozenset[str] = frozenset()) -> list[str]:
    text = URL.sub(" ", EMAIL.sub(" ", text))
    words = []
    for token in TOKEN.findall(text):
        if any(c.isdigit() for c in token) or token in data:
            continue
        words += [w for w in WORD.findall(token)
                  if w not in ALLOWED_TERMS and w not in DATA_TOKENS and w not in USERNAMES and w not in data]
    return words


def logged_login_names(db) -> set[str]:
    """Login names the 操作日志 keeps of accounts since deleted: "审计员（audit_tester）", 用户名 changes."""
    try:
        from app.rules.audit import AuditLog
    except ImportError:
        return set()
    names = set()
    for user_name, record_name, changes in db.session.query(AuditLog.user_name, AuditLog.record_name, AuditLog.changes):
        for text in (user_name, record_name):
            names |= set(re.findall(r"（([\x21-\x7e]+)）", text or ""))
        for change in json.loads(changes or "[]"):
            if change.get("field") == "username":
                names |= {change.get("old") or "", change.get("new") or ""}
    return names - {""}


def stored_names(app) -> frozenset[str]:
    """Names the database holds that are data, not interface: every login name, and the stored names of
    permission targets no view of this app has (models other test modules declare and register in the
    same test database). The audit log's 数据类型代码 also shows class names (see AUDIT_DETAIL)."""
    from flask_appbuilder.security.sqla.models import User, ViewMenu

    from app.extensions import db, engine
    from app.fab.security_views import VIEW_NAMES

    with app.app_context():
        appbuilder = engine().appbuilder
        known = {view.class_permission_name for view in appbuilder.baseviews} | set(VIEW_NAMES)
        known |= {entry.label for entry in engine().menu_entries()} | {str(entry.category) for entry in engine().menu_entries()}
        stack = list(appbuilder.menu.get_list())
        while stack:
            item = stack.pop()
            known.add(item.name)
            stack.extend(item.childs or [])
        usernames = {name for (name,) in db.session.query(User.username)}
        usernames |= logged_login_names(db)
        stale = {name for (name,) in db.session.query(ViewMenu.name) if name not in known and name.isascii()}
        db.session.remove()
    return frozenset(usernames | stale | {w for name in usernames | stale for w in WORD.findall(name)})


@dataclass
class Page:
    texts: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    links: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # inline script bodies
    script_srcs: list[str] = field(default_factory=list)


class VisibleText(HTMLParser):
    """What a person reads on a page, each piece with a note of where it came from."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._skip: list[str] = []  # open script/style/textarea
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        if tag == "a" and attrs.get("href"):
            self.page.links.append(attrs["href"])
        if tag == "script":
            if attrs.get("src"):
                self.page.script_srcs.append(attrs["src"])
            self._script = []
        if tag in ("script", "style", "textarea"):
            self._skip.append(tag)
        for name, value in attrs.items():
            if name in SHOWN_ATTRIBUTES and value.strip():
                self.page.texts.append((f"<{tag} {name}>", value))
            elif name.startswith("on") and value:
                self._scan_script(value, f"<{tag} {name}>")
        if tag == "input" and attrs.get("type", "").lower() in ("submit", "button", "reset") and attrs.get("value"):
            self.page.texts.append(("<input value>", attrs["value"]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style", "textarea"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
            if tag == "script" and self._script is not None:
                body = "".join(self._script)
                self.page.scripts.append(body)
                self._scan_script(body, "<script>")
                self._script = None

    def handle_data(self, data):
        if self._skip:
            if self._skip[-1] == "script" and self._script is not None:
                self._script.append(data)
            return
        if data.strip():
            self.page.texts.append(("text", data))

    def _scan_script(self, code: str, where: str) -> None:
        for match in DISPLAY_CALL.finditer(code):
            args = _call_arguments(code, match.end())
            literals = [a or b for a, b in STRING_LITERAL.findall(args)]
            if literals:
                self.page.texts.append((f"{where} {match.group(1)}()", literals[-1]))
        for blob_where, text in _filter_blobs(code):
            self.page.texts.append((f"{where} {blob_where}", text))


def _call_arguments(code: str, start: int) -> str:
    depth, i = 1, start
    while i < len(code) and depth:
        depth += {"(": 1, ")": -1}.get(code[i], 0)
        i += 1
    return code[start:i - 1]


def _filter_blobs(code: str):
    """FAB's search form: new AdminFilters('#filter_form', labels, form fields, operators, active filters)."""
    at = code.find("new AdminFilters(")
    if at < 0:
        return
    decoder = json.JSONDecoder()
    rest = code[at + len("new AdminFilters("):]
    rest = rest[rest.index(",") + 1:]
    blobs = []
    for _ in range(3):
        rest = rest.lstrip()
        value, end = decoder.raw_decode(rest)
        blobs.append(value)
        rest = rest[end:].lstrip().lstrip(",")
    labels, fields, operators = blobs
    for column, label in labels.items():
        yield f"filter label {column}", str(label)
    for column, names in operators.items():
        for name in names:
            yield f"filter operator {column}", str(name)
    for column, html in fields.items():
        parser = VisibleText()
        parser.feed(html)
        for where, text in parser.page.texts:
            yield f"filter field {column} {where}", text


def read(html: str) -> Page:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.page


def problems_on(url: str, html: str, data: frozenset[str] = frozenset(), model_codes: frozenset[str] = frozenset()) -> list[str]:
    found = []
    codes = model_codes if url.startswith(AUDIT_DETAIL) else set()
    for where, text in read(html).texts:
        words = [w for w in english_tokens(text, data) if w not in codes]
        if words:
            found.append(f"{url} {where}: {' '.join(sorted(set(words)))} ← {' '.join(text.split())[:120]!r}")
    return found


# ----------------------------------------------------------------------------- the helpers themselves
def test_reader_finds_what_a_person_sees():
    html = """<html><head><title>Home</title><script>var Add = 1; ab_alert('No row selected');</script>
    <style>.Edit{}</style></head><body><p>登录 <b>Welcome</b></p><textarea>数据 Text</textarea>
    <a title="Show record" href="/x/">查看</a><input type="submit" value="Login"><input placeholder="Search">
    <select><option>Yes</option></select><button onclick="return confirm('Really?')">删</button>
    <img alt="Logo" src="/a.png"><span aria-label="Close">×</span> ThinkPad A4 admin@school.local BX-20261121-0020 EG100MATE2S jiaoshi
    <script>const f = new AdminFilters('#filter_form', {"name": "Name"}, {"name": "<input placeholder=\\"Type\\">"},
    {"name": ["Starts with", "等于"]}, []);</script></body></html>"""
    words = sorted({w for _, text in read(html).texts for w in english_tokens(text)})
    assert words == sorted({"Home", "No", "row", "selected", "Welcome", "Show", "record", "Login", "Search",
                            "Yes", "Really", "Logo", "Close", "Name", "Type", "Starts", "with"})


# ----------------------------------------------------------------------------- the crawl
SKIP_PATHS = ("/logout", "/lang/", "/static/", "/appbuilder/static/", "/back", "/uploads/", "/api/")


def _internal(url: str, href: str) -> str | None:
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    parts = urlsplit(urljoin(url, href))
    if parts.netloc not in ("", "localhost"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if parts.path.startswith(SKIP_PATHS) else path


def crawl(client, username: str, data: frozenset[str] = frozenset(),
          model_codes: frozenset[str] = frozenset()) -> tuple[list[str], int, set[str]]:
    """Visit what ``username`` reaches from the menu; return the English found, pages seen and script URLs."""
    found: list[str] = []
    seen: set[str] = set()
    scripts: set[str] = set()

    def visit(url: str) -> Page | None:
        if url in seen:
            return None
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302, 303):  # an edit refused (record no longer editable) …
            client.get(response.headers["Location"])  # … flashes on the page it goes back to
            return None
        assert response.status_code == 200, f"{username}: {url} → {response.status_code}"
        if not response.mimetype == "text/html":
            return None
        found.extend(f"[{username}] {p}" for p in problems_on(url, response.text, data, model_codes))
        page = read(response.text)
        scripts.update(page.script_srcs)
        return page

    home = visit("/")
    visit("/users/userinfo/")
    menu = []
    for href in home.links:
        path = _internal("/", href)
        if path and path not in ("/", "/users/userinfo/") and path not in menu:
            menu.append(path)
    for path in menu:
        page = visit(path)
        if page is None:
            continue
        base = path.split("?")[0].rstrip("/")
        if not base.endswith("/list"):
            continue
        route = base[: -len("/list")]
        targets = []
        first_show = first_edit = None
        for href in page.links:
            link = _internal(path, href)
            if not link:
                continue
            plain = link.split("?")[0]
            if plain == f"{route}/add" and link not in targets:
                targets.append(link)
            elif first_show is None and plain.startswith(f"{route}/show/"):
                first_show = link
            elif first_edit is None and plain.startswith(f"{route}/edit/"):
                first_edit = link
        targets += [t for t in (first_show, first_edit) if t]
        for target in targets:
            sub = visit(target)
            if sub is not None and "/show/" in target:
                for href in sub.links:  # workflow step forms of this record
                    link = _internal(target, href)
                    if link and f"{route}/step/" in link:
                        visit(link)
    return found, len(seen), scripts


@pytest.mark.parametrize("username", list(DEMO_ACCOUNTS))
def test_every_page_is_chinese(app, as_user, client, username):
    from flask_appbuilder import Model

    model_codes = frozenset(mapper.class_.__name__ for mapper in Model.registry.mappers)
    data = stored_names(app)
    as_user(username)
    found, pages, scripts = crawl(client, username, data, model_codes)
    assert pages >= 3
    for src in sorted(scripts):
        path = _internal("/", src)
        if path is None:
            continue
        body = client.get(path).get_data(as_text=True)
        found += [f"[{username}] {src}: {literal!r}" for literal in FAB_JS_ENGLISH if literal in body]
    assert not found, f"English on {username}'s pages:\n" + "\n".join(dict.fromkeys(found))


def test_error_pages_are_chinese(as_user, client):
    as_user("jiaoshi")
    for url in ("/no-such-page/", "/users/list/"):
        response = client.get(url)
        assert response.status_code in (403, 404) or response.status_code == 302
        if response.status_code == 302:
            response = client.get(response.headers["Location"])
        assert not problems_on(url, response.text), problems_on(url, response.text)
        assert "返回首页" in response.text or "首页" in response.text


def test_public_pages_are_chinese(client, db):
    """The pages without login (投诉建议, public surveys): forms, refusals, the private reply page, their 404s."""
    from datetime import timedelta

    from sqlalchemy import select

    from app.meta import clock
    from models.feedback import Feedback
    from models.survey_links import SurveyLink

    token = db.session.scalar(select(Feedback.token).where(Feedback.reply.isnot(None)).limit(1))
    link = db.session.scalar(select(SurveyLink).limit(1))
    slug, ends_on = link.slug, link.survey.ends_on
    pages = {"closed survey": client.get(f"/survey/{slug}")}
    link.survey.ends_on = clock.today() + timedelta(days=30)
    db.session.commit()
    pages.update({url: client.get(url) for url in ("/feedback/st1", "/feedback/hq1", f"/feedback/reply/{token}",
                                               "/feedback/no-such-code", "/feedback/reply/no-such-token",
                                               f"/survey/{slug}", "/survey/no-such-link")})
    pages["refused feedback"] = client.post("/feedback/hq1", data={"kind": "x", "content": ""})
    pages["refused survey"] = client.post(f"/survey/{slug}", data={"code": "abc"})
    link.survey.ends_on = ends_on
    db.session.commit()
    assert pages["/feedback/st1"].status_code == 200 and pages["refused feedback"].status_code == 400
    assert "提交问卷" in pages[f"/survey/{slug}"].text and "答卷码不正确" in pages["refused survey"].text
    found = [p for url, response in pages.items() for p in problems_on(url, response.text)]
    assert not found, found


def test_refused_forms_are_chinese(as_user, client):
    """Validation messages (WTForms', FAB's and the engine's) after a refused save, with the input kept."""
    as_user("admin")
    bad = {"title": "", "description": "", "category": "no-such-choice", "urgency": "normal",
           "reporter": "999999999", "department": "abc", "reported_at": "2026-13-45 25:61", "phone": "x"}
    response = client.post("/repair-order/add", data=bad)
    assert response.status_code == 200
    assert "保存未成功" in response.text
    assert not problems_on("/repair-order/add", response.text), problems_on("/repair-order/add", response.text)
    response = client.post("/assessment/add", data={"staff": "", "term": "", "self_score": "abc",
                                                    "group_score": "1e999", "leader_score": "", "satisfaction_score": "-"})
    assert response.status_code == 200
    assert not problems_on("/assessment/add", response.text), problems_on("/assessment/add", response.text)
    response = client.post("/asset-loan/add", data={"lent_on": "yesterday", "due_on": "2026-02-30"})
    assert response.status_code == 200
    assert not problems_on("/asset-loan/add", response.text), problems_on("/asset-loan/add", response.text)
    client.get("/logout/")
    response = client.post("/login/", data={"username": "", "password": ""}, follow_redirects=True)
    assert not problems_on("/login/", response.text), problems_on("/login/", response.text)


@pytest.mark.parametrize("username", ["jiaoshi", "weixiu"])
def test_everyone_has_a_profile_and_may_change_their_own_password(as_user, client, username):
    """The navbar links 个人资料 for everyone: every account may open it and its 修改密码 form, and
    nobody else's (app/fab/security.py SELF_SERVICE)."""
    as_user(username)
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200
    assert "修改密码" in profile.text and username in profile.text
    assert client.get("/resetmypassword/form").status_code == 200
    assert client.get("/users/list/").status_code in (302, 403)
    assert client.get("/resetpassword/form?pk=1").status_code in (302, 403)


def test_security_lists_ignore_a_bad_sort_column(admin):
    response = admin.get("/users/list/?_oc_UserDBModelView=bogus&_od_UserDBModelView=asc")
    assert response.status_code == 200
    assert "用户列表" in response.text


def test_permissions_read_as_chinese_phrases(app, admin):
    """Stored permission names are shown as Chinese phrases; nothing stored is renamed."""
    from flask_appbuilder.security.sqla.models import Role

    from app.extensions import db

    with app.app_context():
        role_id = db.session.query(Role.id).filter_by(name="财产保管员").scalar()
        admin_id = db.session.query(Role.id).filter_by(name="系统管理员").scalar()
        stored = {str(pv) for pv in db.session.get(Role, role_id).permissions}
        db.session.remove()
    assert "can read on Asset" in stored  # the database keeps FAB's names
    shown = admin.get(f"/roles/show/{role_id}").text
    for phrase in ("查看 资产卡片", "新增 资产卡片", "修改 资产卡片", "删除 资产卡片", "菜单 资产卡片", "菜单 校产管理"):
        assert phrase in shown, phrase
    shown = admin.get(f"/roles/show/{admin_id}").text
    for phrase in ("查看 用户", "查看详情 用户", "新增 角色", "菜单 用户列表"):
        assert phrase in shown, phrase
    edit = admin.get(f"/roles/edit/{role_id}").text
    assert re.search(r"<option[^>]*>\s*查看 资产卡片\s*</option>", edit)
    views = admin.get("/permissionviews/list/?psize_PermissionViewModelView=100").text
    assert "视图或菜单" in views and "查看详情" in views
