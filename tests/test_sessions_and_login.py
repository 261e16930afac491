"""Sessions and login (issue 13, item 5): logout and a password change end every other session and token of the
account; the REST login is rate-limited; lockout is per account and client address; common passwords are
refused; changing one's own password asks for the current one; locks and unlocks are audited; ``next=`` only
ever leads to a page of this site.

Accounts are made here (never admin or the demo accounts other tests log in with) and removed after.
"""
from __future__ import annotations

import itertools
import json
import uuid
from urllib.parse import quote, urlsplit

import pytest
from werkzeug.security import check_password_hash

from app.platform.login_security import LoginLock, password_problems
from app.platform.sessions import REVOKED_MESSAGE, STAMP_CLAIM, SessionStamp
from tests.conftest import DEMO_PASSWORD, flashes, login

NEW_PASSWORD = "Zhanghu#2027"
_numbers = itertools.count(1)


def flash_text(response) -> str:
    return " ".join(text.replace("&times;", "").strip() for text in flashes(response.text))


def logged_in(response) -> bool:
    return "您好" in response.text


def is_logged_in(client) -> bool:
    return logged_in(client.get("/", follow_redirects=True))


def _delete_user(db, username: str) -> None:
    from flask_appbuilder.security.sqla.models import User

    db.session.rollback()
    user = db.session.query(User).filter_by(username=username).one_or_none()
    if user is not None:
        db.session.query(LoginLock).filter_by(user_id=user.id).delete()
        db.session.query(SessionStamp).filter_by(user_id=user.id).delete()
        db.session.delete(user)
        db.session.commit()


@pytest.fixture
def make_account(app, db):
    """``make_account(role)``: a fresh account with the demo password; deleted (with its lock and stamp) after."""
    from app.platform.cli import ensure_user

    made = []

    def make(role: str = "教职工") -> str:
        username = f"sesstest{next(_numbers)}_{uuid.uuid4().hex[:6]}"
        ensure_user(username, DEMO_PASSWORD, role, "会", "话")
        made.append(username)
        return username

    yield make
    for username in made:
        _delete_user(db, username)


@pytest.fixture
def account(make_account):
    return make_account()


def browser(app, username: str | None = None, password: str = DEMO_PASSWORD, ip: str = "127.0.0.1"):
    """Another browser (its own cookie jar), logged in as ``username``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    if username:
        assert logged_in(login(client, username, password)), username
    return client


def copy_cookie(source, target) -> None:
    target.set_cookie("session", source.get_cookie("session").value)


def user_of(app, username: str):
    from app.extensions import db

    db.session.expire_all()
    return app.extensions["engine"].appbuilder.sm.find_user(username=username)


# --- 1. Logout and password change end every other session ------------------------------------------------

def test_logout_ends_every_session_of_the_account_and_copied_cookies(app, db, account):
    first, second = browser(app, account), browser(app, account)
    copied = browser(app)
    copy_cookie(first, copied)
    assert is_logged_in(copied)  # a copy of the cookie works while the session is alive …

    assert first.get("/logout/").status_code == 302
    assert not is_logged_in(first)
    assert not is_logged_in(copied)  # … and not after the logout it was copied before

    refused = second.get("/asset/list/")
    assert refused.status_code == 302 and "/login/" in refused.headers["Location"]
    page = second.get(refused.headers["Location"])
    assert REVOKED_MESSAGE in flash_text(page)
    assert not is_logged_in(second)
    assert logged_in(login(second, account))  # logging in again works


def test_a_cookie_copied_before_logout_stays_dead_after_the_next_login(app, db, account):
    first = browser(app, account)
    copied = browser(app)
    copy_cookie(first, copied)
    first.get("/logout/")
    assert logged_in(login(first, account))  # the owner logs in again: a new stamp, not the old one back
    assert is_logged_in(first)
    assert not is_logged_in(copied)


def test_changing_ones_own_password_keeps_this_browser_and_ends_the_others(app, db, account):
    here, elsewhere = browser(app, account), browser(app, account)
    response = here.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD,
                                                        "conf_password": NEW_PASSWORD}, follow_redirects=True)
    assert "密码已修改" in flash_text(response)
    assert check_password_hash(user_of(app, account).password, NEW_PASSWORD)
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert logged_in(login(elsewhere, account, NEW_PASSWORD))


def test_an_administrators_reset_ends_the_users_sessions_not_the_administrators(app, db, make_account):
    chief, person = make_account("系统管理员"), make_account()
    admin, theirs = browser(app, chief), browser(app, person)
    pk = user_of(app, person).id
    response = admin.post(f"/resetpassword/form?pk={pk}", data={"password": NEW_PASSWORD,
                                                                "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not is_logged_in(theirs)
    assert is_logged_in(admin)


def test_every_path_that_writes_a_password_ends_the_sessions(app, db, account):
    """A password written outside the two screens (a staff record's account fields, a script) ends them too."""
    from werkzeug.security import generate_password_hash

    elsewhere = browser(app, account)
    user = user_of(app, account)
    user.password = generate_password_hash(NEW_PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()
    assert not is_logged_in(elsewhere)


def test_a_failed_save_of_a_password_ends_nothing(app, db, account):
    from werkzeug.security import generate_password_hash

    elsewhere = browser(app, account)
    user = user_of(app, account)
    user.password = generate_password_hash(NEW_PASSWORD, method="pbkdf2:sha256:1000")
    db.session.flush()
    db.session.rollback()
    assert is_logged_in(elsewhere)


def test_a_revoked_session_calling_the_api_gets_401_in_chinese(app, db, make_account):
    person = make_account("系统管理员")
    first, second = browser(app, person), browser(app, person)
    assert second.get("/api/v1/location/").status_code == 200
    first.get("/logout/")
    refused = second.get("/api/v1/location/")
    assert refused.status_code == 401


def test_a_session_from_before_the_stamps_existed_is_logged_out(app, db, account):
    from app.platform.sessions import STAMP_KEY

    client = browser(app, account)
    with client.session_transaction() as session:
        session.pop(STAMP_KEY)
    assert not is_logged_in(client)


# --- 1. REST tokens --------------------------------------------------------------------------------------

def token_login(client, username: str, password: str = DEMO_PASSWORD, refresh: bool = True):
    return client.post("/api/v1/security/login", json={"username": username, "password": password,
                                                       "provider": "db", "refresh": refresh})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_carry_the_stamp_and_refresh_tokens_live_one_day(app, db, account):
    from flask_jwt_extended import decode_token

    tokens = token_login(app.test_client(), account).get_json()
    with app.test_request_context():
        access, refresh = decode_token(tokens["access_token"]), decode_token(tokens["refresh_token"])
    stamp = db.session.get(SessionStamp, user_of(app, account).id).stamp
    assert access[STAMP_CLAIM] == refresh[STAMP_CLAIM] == stamp
    assert refresh["exp"] - refresh["iat"] == 24 * 3600
    assert access["exp"] - access["iat"] == 15 * 60


def test_logout_ends_the_accounts_tokens(app, db, make_account):
    person = make_account("系统管理员")
    api = app.test_client()
    tokens = token_login(api, person).get_json()
    assert api.get("/api/v1/location/", headers=bearer(tokens["access_token"])).status_code == 200
    refreshed = api.post("/api/v1/security/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    assert api.get("/api/v1/location/", headers=bearer(refreshed.get_json()["access_token"])).status_code == 200

    browser(app, person).get("/logout/")  # logging out in a browser
    for token in (tokens["access_token"], refreshed.get_json()["access_token"]):
        refused = api.get("/api/v1/location/", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.get_json() == {"message": "登录已失效（该账号已退出登录或修改了密码），请重新登录"}
    assert api.post("/api/v1/security/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    again = token_login(api, person).get_json()  # a new login gets working tokens
    assert api.get("/api/v1/location/", headers=bearer(again["access_token"])).status_code == 200


def test_a_password_change_ends_the_accounts_tokens(app, db, make_account):
    person = make_account("系统管理员")
    api = app.test_client()
    tokens = token_login(api, person).get_json()
    here = browser(app, person)
    here.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD,
                                             "conf_password": NEW_PASSWORD})
    assert api.get("/api/v1/location/", headers=bearer(tokens["access_token"])).status_code == 401
    assert api.post("/api/v1/security/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    assert is_logged_in(here)


def test_a_token_without_the_stamp_is_refused(app, db, make_account):
    from flask_jwt_extended import create_access_token

    person = make_account("系统管理员")
    token_login(app.test_client(), person)  # the account has a stamp
    with app.test_request_context():
        forged = create_access_token(identity=str(user_of(app, person).id), additional_claims={STAMP_CLAIM: "x"})
    assert app.test_client().get("/api/v1/location/", headers=bearer(forged)).status_code == 401


# --- 2. The REST login is rate-limited like the form -------------------------------------------------------

def _limited_app(**config):
    from app import create_app

    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "3 per minute",
                       "RATELIMIT_STORAGE_URI": "memory://", **config})


def _api_attempt(client, ip: str = "10.2.3.4"):
    return client.post("/api/v1/security/login", json={"username": "nobody-rate", "password": "wrong-pass-1",
                                                       "provider": "db"}, environ_base={"REMOTE_ADDR": ip})


def _form_attempt(client, ip: str = "10.2.3.4"):
    return client.post("/login/", data={"username": "nobody-rate", "password": "wrong-pass-1"},
                       environ_base={"REMOTE_ADDR": ip})


def test_the_rest_login_is_rate_limited_in_chinese(app):
    client = _limited_app().test_client()
    assert [_api_attempt(client).status_code for _ in range(3)] == [401, 401, 401]
    refused = _api_attempt(client)
    assert refused.status_code == 429
    assert refused.get_json() == {"message": "请稍候片刻再试。"}
    assert _api_attempt(client, ip="10.9.9.8").status_code == 401  # per client address


def test_the_form_and_the_rest_login_share_one_budget(app):
    client = _limited_app().test_client()
    assert [_form_attempt(client).status_code for _ in range(2)] == [302, 302]
    assert _api_attempt(client).status_code == 401
    assert _api_attempt(client).status_code == 429
    assert _form_attempt(client).status_code == 429


def test_changing_ones_password_is_rate_limited_too(app, make_account):
    limited = _limited_app()
    person = make_account()
    client = browser(limited, person, ip="10.2.3.5")
    wrong = {"current_password": "wrong-pass-1", "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD}
    # The login itself was one POST of the budget of three.
    assert [client.post("/resetmypassword/form", data=wrong).status_code for _ in range(2)] == [200, 200]
    assert client.post("/resetmypassword/form", data=wrong).status_code == 429


# --- 3. Lockout per account and client address -----------------------------------------------------------

def test_failures_from_one_address_do_not_lock_out_the_owner_elsewhere(app, db, account):
    attacker = browser(app, ip="10.66.0.1")
    for _ in range(5):
        login(attacker, account, "wrong-pass-1")
    refused = login(attacker, account, DEMO_PASSWORD)
    assert not logged_in(refused) and "已被锁定" in flash_text(refused)

    owner = browser(app, ip="10.77.0.2")
    assert logged_in(login(owner, account, DEMO_PASSWORD))
    # The owner's login does not lift the lock of the other address.
    assert not logged_in(login(browser(app, ip="10.66.0.1"), account, DEMO_PASSWORD))
    rows = {r.ip: r for r in db.session.query(LoginLock).filter_by(user_id=user_of(app, account).id)}
    assert rows["10.66.0.1"].locked_until is not None and rows["10.66.0.1"].failures == 5
    assert "10.77.0.2" not in rows or rows["10.77.0.2"].failures == 0


def test_the_rest_login_counts_towards_the_lockout_of_its_address(app, db, account):
    api = app.test_client()
    for _ in range(5):  # from the test client's address, 127.0.0.1
        assert token_login(api, account, "wrong-pass-1").status_code == 401
    assert token_login(api, account).status_code == 401  # locked for this address, even the right password
    assert token_login(app.test_client(), account).status_code == 401
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.88.0.3"
    assert token_login(other, account).status_code == 200


def test_the_lock_screen_shows_the_address(app, db, account, as_user):
    attacker = browser(app, ip="10.66.0.9")
    for _ in range(5):
        login(attacker, account, "wrong-pass-1")
    page = as_user("admin").get("/login-lock/list/")
    assert page.status_code == 200 and "登录地址" in page.text and "10.66.0.9" in page.text


# --- 4. Common passwords ----------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["password1", "12345678", "qwerty123", "Aa123456", "abc12345", "1qaz2wsx",
                                      "woaini1314", "Admin123", "PASSWORD123"])
def test_common_passwords_are_refused_in_chinese(app, password):
    with app.app_context():
        problems = password_problems(password)
    assert "这个密码太常见，很容易被猜中，请换一个" in problems


def test_the_list_has_a_few_hundred_entries_and_the_demo_password_is_not_one(app):
    from app.platform.login_security import common_passwords

    assert len(common_passwords()) >= 300
    with app.app_context():
        assert password_problems(DEMO_PASSWORD) == [] and password_problems(NEW_PASSWORD) == []


def test_the_screens_refuse_a_common_password(app, db, account):
    client = browser(app, account)
    response = client.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD,
                                                          "password": "Qwerty123", "conf_password": "Qwerty123"})
    assert response.status_code == 200 and "这个密码太常见" in response.text
    assert check_password_hash(user_of(app, account).password, DEMO_PASSWORD)


# --- 5. Changing one's own password asks for the current one ----------------------------------------------

def test_the_form_asks_for_the_current_password_first(app, db, account):
    page = browser(app, account).get("/resetmypassword/form")
    assert page.status_code == 200
    text = page.text
    assert "当前密码" in text and "新密码" in text and "确认新密码" in text
    assert text.index('name="current_password"') < text.index('name="password"')


@pytest.mark.parametrize("current,message", [("wrong-pass-1", "当前密码不正确"), ("", "请输入当前密码")])
def test_a_wrong_or_missing_current_password_changes_nothing(app, db, account, current, message):
    client, elsewhere = browser(app, account), browser(app, account)
    response = client.post("/resetmypassword/form", data={"current_password": current, "password": NEW_PASSWORD,
                                                          "conf_password": NEW_PASSWORD})
    assert response.status_code == 200 and message in response.text
    assert "密码已修改" not in response.text
    assert check_password_hash(user_of(app, account).password, DEMO_PASSWORD)
    assert is_logged_in(elsewhere)  # nothing changed, nothing ended


def test_the_new_password_must_differ_from_the_current_one(app, db, account):
    client = browser(app, account)
    response = client.post("/resetmypassword/form", data={"current_password": DEMO_PASSWORD,
                                                          "password": DEMO_PASSWORD, "conf_password": DEMO_PASSWORD})
    assert response.status_code == 200 and "新密码不能与当前密码相同" in response.text


def test_the_form_is_chinese(app, db, account):
    from tests.test_catalogue import english_words

    client = browser(app, account)
    assert english_words(client.get("/resetmypassword/form").text) == []
    refused = client.post("/resetmypassword/form", data={"current_password": "x", "password": "y",
                                                         "conf_password": "z"})
    assert english_words(refused.text) == []


# --- 6. Locks and unlocks in the 操作日志 ------------------------------------------------------------------

def audit_rows(db, user_id: int, after: int):
    from app.rules.audit import AuditLog

    db.session.expire_all()
    return (db.session.query(AuditLog).filter(AuditLog.model == "User", AuditLog.record_id == user_id,
                                              AuditLog.action.in_(("锁定", "解锁")), AuditLog.id > after)
            .order_by(AuditLog.id).all())


def test_a_lock_and_an_unlock_are_written_to_the_audit_log(app, db, account, as_user):
    from sqlalchemy import func

    from app.rules.audit import AuditLog

    uid = user_of(app, account).id
    start = db.session.query(func.max(AuditLog.id)).scalar() or 0  # SQLite may reuse a deleted account's id
    attacker = browser(app, ip="10.55.0.7")
    for _ in range(6):  # the sixth is refused as locked: one lock, one row
        login(attacker, account, "wrong-pass-1")
    (locked,) = audit_rows(db, uid, start)
    assert (locked.action, locked.user_name, locked.model_label) == ("锁定", "系统", "用户")
    assert account in locked.record_name
    changes = {c["label"]: c["new"] for c in json.loads(locked.changes)}
    assert changes["登录地址"] == "10.55.0.7" and changes["原因"] == "连续 5 次密码错误" and changes["锁定至"]

    admin = as_user("admin")
    row = db.session.query(LoginLock).filter_by(user_id=uid, ip="10.55.0.7").one()
    assert admin.post("/login-lock/action_post", data={"action": "unlock", "rowid": row.id}).status_code == 302
    locked, unlocked = audit_rows(db, uid, start)
    chief = user_of(app, "admin")
    assert (unlocked.action, unlocked.user_id, unlocked.user_name) == ("解锁", chief.id, chief.get_full_name())
    changes = {c["label"]: (c["old"], c["new"]) for c in json.loads(unlocked.changes)}
    assert changes["登录地址"] == ("", "10.55.0.7") and changes["连续失败次数"] == ("5", "0")
    assert changes["锁定至"][0] and not changes["锁定至"][1]

    for row, action in ((locked, "锁定"), (unlocked, "解锁")):
        page = admin.get(f"/audit-log/show/{row.id}")
        assert page.status_code == 200 and action in page.text and "10.55.0.7" in page.text and account in page.text
    assert logged_in(login(browser(app, ip="10.55.0.7"), account))


# --- 7. next= leads only to a page of this site -----------------------------------------------------------

EVIL = ["/%09/evil.example/", "//evil.example", "https://evil.example", "\\evil", "/\\evil.example",
        "/x%0d%0aSet-Cookie:%20a=b", "%0d%0a/evil", "http:/evil.example", "javascript:alert(1)",
        "/%E2%80%8B/evil.example", "///evil.example", "/ /evil.example"]


def _local(location: str) -> bool:
    parts = urlsplit(location)
    return (parts.netloc in ("", "localhost") and not parts.path.startswith("//") and "\\" not in location
            and "\r" not in location and "\n" not in location and "\t" not in location)


@pytest.mark.parametrize("value", EVIL)
def test_login_with_a_foreign_next_goes_home(app, db, account, value):
    client = browser(app)
    response = client.post(f"/login/?next={value}", data={"username": account, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and _local(response.headers["Location"]), response.headers["Location"]
    assert urlsplit(response.headers["Location"]).path == "/"
    # Already logged in, the login page sends the visitor on: home again.
    again = client.get(f"/login/?next={value}")
    assert again.status_code == 302 and urlsplit(again.headers["Location"]).path == "/"


@pytest.mark.parametrize("value", EVIL)
def test_a_failed_login_keeps_no_foreign_next(app, value):
    response = browser(app).post(f"/login/?next={value}", data={"username": "nobody-next", "password": "x1"})
    assert response.status_code == 302 and _local(response.headers["Location"])
    assert "evil" not in response.headers["Location"]


def test_a_local_next_is_kept(app, db, account):
    response = browser(app).post(f"/login/?next={quote('/asset/list/?_qf=1')}",
                                 data={"username": account, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/asset/list/?_qf=1"


@pytest.mark.parametrize("value", EVIL)
def test_no_page_sees_a_foreign_next(app, db, value):
    """Every view reads ``next`` after the check (the workflow pages' return address, templates)."""
    from flask import request

    from app.platform.safe_next import _drop_unsafe_return_addresses

    with app.test_request_context(f"/anything?next={value}&page=2"):
        _drop_unsafe_return_addresses()
        assert request.args.get("next") is None and request.args.get("page") == "2"


def test_safe_local_path():
    from app.platform.safe_next import safe_local_path

    for value in ["/", "/asset/list/", "/asset/show/3?next=%2Ftodo%2F#workflow", "/待办/"]:
        assert safe_local_path(value) == value
    for value in ["", None, "//evil.example", "/\t/evil.example/", "/\\evil", "\\evil", "https://evil.example",
                  "evil.example", "/a\r\nb", "/\u200b/evil", "/ /evil", "/" + "a" * 3000]:
        assert safe_local_path(value) is None, value


# --- Behind a reverse proxy --------------------------------------------------------------------------------

def test_behind_a_proxy_the_clients_address_decides(app, db, account):
    """PROXY_COUNT=1: the address nginx puts in X-Forwarded-For is the one that is locked and logged."""
    from app.platform.login_security import LoginLog

    proxied = _limited_app(PROXY_COUNT=1, LOGIN_RATE_LIMIT="100 per minute").test_client()
    proxied.post("/login/", data={"username": account, "password": "wrong-pass-1"},
                 headers={"X-Forwarded-For": "203.0.113.9"})
    db.session.expire_all()
    last = db.session.query(LoginLog).filter_by(username=account).order_by(LoginLog.id.desc()).first()
    assert last.ip == "203.0.113.9"
    row = db.session.query(LoginLock).filter_by(user_id=user_of(app, account).id).one()
    assert (row.ip, row.failures) == ("203.0.113.9", 1)
