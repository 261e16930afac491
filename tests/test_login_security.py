"""Login hardening: lockout, rate limit (memory and Redis), password policy, idle timeout, login log.

Accounts are created here (never admin or the demo accounts other tests log in with), and removed after.
"""
from __future__ import annotations

import itertools
import time
import uuid
from datetime import timedelta

import click
import pytest
import redis

from app.meta import clock
from app.platform.login_security import IDLE_KEY, IDLE_MESSAGE, LoginLock, LoginLog, password_problems
from tests.conftest import DEMO_PASSWORD, flashes, login

GENERIC = "用户名或密码错误，请重试。"
WEAK = ("abcdefgh", "12345678", "abc123")
REDIS_URL = "redis://127.0.0.1:6379"
_numbers = itertools.count(1)


def flash_text(response) -> str:
    return " ".join(text.replace("&times;", "").strip() for text in flashes(response.text))


def logged_in(response) -> bool:
    return "您好" in response.text


def _delete_user(db, username: str) -> None:
    from flask_appbuilder.security.sqla.models import User

    user = db.session.query(User).filter_by(username=username).one_or_none()
    if user is not None:
        db.session.query(LoginLock).filter_by(user_id=user.id).delete()
        db.session.delete(user)
        db.session.commit()


@pytest.fixture
def account(app, db):
    """A fresh 教职工 account with the demo password; deleted (with its lock) afterwards."""
    from app.platform.cli import ensure_user

    username = f"locktest{next(_numbers)}_{uuid.uuid4().hex[:6]}"
    ensure_user(username, DEMO_PASSWORD, "教职工", "锁", "测")
    yield username
    db.session.rollback()
    _delete_user(db, username)


def user_id(db, username: str) -> int:
    from flask_appbuilder.security.sqla.models import User

    return db.session.query(User.id).filter_by(username=username).scalar()


def lock_row(db, username: str, ip: str = "127.0.0.1") -> LoginLock | None:
    """The account's lock for logins from ``ip`` (the test client's address by default)."""
    db.session.expire_all()
    return db.session.query(LoginLock).filter_by(user_id=user_id(db, username), ip=ip).one_or_none()


def log_rows(db, username: str) -> list[LoginLog]:
    db.session.expire_all()
    return db.session.query(LoginLog).filter_by(username=username).order_by(LoginLog.id).all()


# --- Lockout (per account and client address: tests/test_sessions_and_login.py tries other addresses) -------

def test_five_failures_lock_the_account_even_against_the_right_password(app, db, client, account):
    assert app.config["LOGIN_MAX_FAILURES"] == 5 and app.config["LOGIN_LOCK_MINUTES"] == 10
    for _ in range(4):
        response = login(client, account, "wrong-pass-1")
        assert flash_text(response) == GENERIC and not logged_in(response)
    fifth = login(client, account, "wrong-pass-1")
    assert "已被锁定" in flash_text(fifth)

    sixth = login(client, account, DEMO_PASSWORD)
    assert not logged_in(sixth)
    assert flash_text(sixth) == "该账号因连续 5 次密码错误已被锁定，请 10 分钟后再试，或联系系统管理员解锁"
    row = lock_row(db, account)
    assert row.failures == 5
    assert timedelta(minutes=9) < row.locked_until - clock.now() <= timedelta(minutes=10)
    assert [(r.success, r.reason) for r in log_rows(db, account)][-2:] == [(False, "密码错误"), (False, "账号已锁定")]

    # Ten minutes later (the lock moved into the past instead of sleeping): the right password works again.
    row.locked_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert logged_in(login(client, account, DEMO_PASSWORD))
    row = lock_row(db, account)
    assert row.failures == 0 and row.locked_until is None


def test_lock_message_counts_down_the_minutes_left(app, db, client, account):
    for _ in range(5):
        login(client, account, "wrong-pass-1")
    row = lock_row(db, account)
    row.locked_until = clock.now() + timedelta(minutes=8, seconds=30)
    db.session.commit()
    assert "请 9 分钟后再试" in flash_text(login(client, account, DEMO_PASSWORD))


def test_a_successful_login_resets_the_count(db, client, account):
    for _ in range(4):
        login(client, account, "wrong-pass-1")
    assert logged_in(login(client, account, DEMO_PASSWORD))
    client.get("/logout/")
    for _ in range(4):
        assert flash_text(login(client, account, "wrong-pass-1")) == GENERIC
    assert lock_row(db, account).locked_until is None
    assert logged_in(login(client, account, DEMO_PASSWORD))


def test_an_expired_lock_gives_a_fresh_count(db, client, account):
    for _ in range(5):
        login(client, account, "wrong-pass-1")
    row = lock_row(db, account)
    row.locked_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert flash_text(login(client, account, "wrong-pass-1")) == GENERIC  # not locked again at once
    row = lock_row(db, account)
    assert row.failures == 1 and row.locked_until is None


def test_unknown_user_gets_the_same_message_as_a_wrong_password(db, client, account):
    wrong = flash_text(login(client, account, "wrong-pass-1"))
    unknown = flash_text(login(client, "nobody-" + account, "wrong-pass-1"))
    assert wrong == unknown == GENERIC
    row = log_rows(db, "nobody-" + account)[-1]
    assert (row.success, row.reason, row.user_id) == (False, "账号不存在", None)


def test_an_inactive_account_gets_the_generic_message(app, db, client, account):
    sm = app.extensions["engine"].appbuilder.sm
    user = sm.find_user(username=account)
    user.active = False
    sm.update_user(user)
    response = login(client, account, DEMO_PASSWORD)
    assert flash_text(response) == GENERIC and not logged_in(response)
    assert log_rows(db, account)[-1].reason == "账号已停用"


def test_an_administrator_unlocks_an_account(db, client, account, as_user):
    for _ in range(5):
        login(client, account, "wrong-pass-1")
    admin = as_user("admin")
    page = admin.get("/login-lock/list/")
    assert page.status_code == 200 and account in page.text and "解锁" in page.text
    response = admin.post("/login-lock/action_post", data={"action": "unlock", "rowid": lock_row(db, account).id})
    assert response.status_code == 302
    assert lock_row(db, account).locked_until is None
    admin.get("/logout/")
    assert logged_in(login(client, account, DEMO_PASSWORD))


def test_only_administrators_see_the_locks(as_user):
    assert as_user("baoguan").get("/login-lock/list/").status_code != 200


# --- Rate limit ------------------------------------------------------------------------------------------

def _limited_app(**config):
    from app import create_app

    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "3 per minute", **config})


def _attempt(client, ip: str = "10.1.2.3"):
    return client.post("/login/", data={"username": "nobody-rate", "password": "wrong-pass-1"},
                       environ_base={"REMOTE_ADDR": ip})


def test_rate_limit_answers_with_the_chinese_429_page(app):
    limited = _limited_app(RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    assert [_attempt(client).status_code for _ in range(3)] == [302, 302, 302]
    refused = _attempt(client)
    assert refused.status_code == 429
    assert "操作太频繁" in refused.text and "请稍候片刻再试" in refused.text
    assert "Too Many Requests" not in refused.text
    assert client.get("/login/", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200  # only POST
    assert _attempt(client, ip="10.9.9.9").status_code == 302  # per IP


def test_rate_limit_is_off_when_disabled(app):
    unlimited = _limited_app(RATELIMIT_ENABLED=False, LOGIN_RATE_LIMIT="1 per minute")
    client = unlimited.test_client()
    assert [_attempt(client).status_code for _ in range(4)] == [302] * 4


@pytest.fixture
def redis_prefix():
    connection = redis.Redis.from_url(REDIS_URL)
    prefix = f"houqin-test-{uuid.uuid4().hex}"

    def keys():
        return list(connection.scan_iter(match=f"*{prefix}*"))

    def flush():
        for key in keys():
            connection.delete(key)

    flush()
    yield prefix, keys
    flush()
    assert keys() == []


def test_rate_limit_is_shared_by_workers_through_redis(app, redis_prefix):
    prefix, keys = redis_prefix
    config = dict(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                  RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False)  # Redis down must fail this test
    worker_a, worker_b = _limited_app(**config).test_client(), _limited_app(**config).test_client()
    assert [_attempt(worker_a).status_code for _ in range(2)] == [302, 302]
    assert keys(), "the counter is not in Redis"
    assert _attempt(worker_b).status_code == 302
    refused = _attempt(worker_b)  # the fourth attempt from this IP, counted across both workers
    assert refused.status_code == 429 and "操作太频繁" in refused.text
    assert _attempt(worker_a).status_code == 429


# --- Password policy -------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_in_chinese(app, password):
    with app.app_context():
        problems = password_problems(password)
    assert problems and all("密码" in p for p in problems)


def test_the_demo_password_is_acceptable(app):
    with app.app_context():
        assert password_problems(DEMO_PASSWORD) == []


def _user_form(app, username: str, password: str) -> dict:
    sm = app.extensions["engine"].appbuilder.sm
    return {"first_name": "测", "last_name": "试", "username": username, "active": "y",
            "email": f"{username}@school.local", "roles": str(sm.find_role("教职工").id),
            "password": password, "conf_password": password}


def test_user_add_form_enforces_the_policy(app, db, admin):
    username = f"pwtest_{uuid.uuid4().hex[:6]}"
    sm = app.extensions["engine"].appbuilder.sm
    expected = {"abcdefgh": "密码必须包含数字", "12345678": "密码必须包含字母", "abc123": "密码至少需要 8 位"}
    for password, message in expected.items():
        response = admin.post("/users/add", data=_user_form(app, username, password))
        assert response.status_code == 200 and message in response.text, password
        assert sm.find_user(username=username) is None
    response = admin.post("/users/add", data=_user_form(app, username, DEMO_PASSWORD))
    assert response.status_code == 302
    try:
        assert sm.find_user(username=username) is not None
    finally:
        _delete_user(db, username)


@pytest.mark.parametrize("path", ["/resetmypassword/form", "/resetpassword/form?pk={pk}"])
def test_password_reset_screens_enforce_the_policy(app, db, admin, path):
    from werkzeug.security import check_password_hash

    pk = user_id(db, "jiaoshi")
    for password in WEAK:
        # 修改我的密码 also asks for the current password (given right here: the refusal is the policy's).
        response = admin.post(path.format(pk=pk), data={"current_password": DEMO_PASSWORD, "password": password,
                                                        "conf_password": password})
        assert response.status_code == 200 and "密码" in flash_text(response) + response.text
        assert "密码已修改" not in response.text
    db.session.expire_all()
    for username in ("admin", "jiaoshi"):
        user = app.extensions["engine"].appbuilder.sm.find_user(username=username)
        assert check_password_hash(user.password, DEMO_PASSWORD), username


def test_ensure_user_refuses_a_weak_password(app, db):
    from app.platform.cli import ensure_user

    sm = app.extensions["engine"].appbuilder.sm
    for password in WEAK:
        with pytest.raises(click.ClickException) as refused:
            ensure_user("weak_admin", password, "系统管理员", "系统", "管理员")
        assert "密码不符合要求" in refused.value.message
        assert sm.find_user(username="weak_admin") is None
    try:
        assert ensure_user("weak_admin", DEMO_PASSWORD, "系统管理员", "系统", "管理员") is not None
    finally:
        _delete_user(db, "weak_admin")


def test_flask_init_refuses_a_weak_admin_password(app, monkeypatch):
    monkeypatch.setattr("app.platform.cli.prepare_database", lambda *args, **kwargs: None)  # schema is already there
    result = app.test_cli_runner().invoke(args=["init", "--admin", "weak_chief", "--password", "abcdefgh"])
    assert result.exit_code != 0
    assert "密码不符合要求" in result.output and "密码必须包含数字" in result.output
    with app.app_context():
        assert app.extensions["engine"].appbuilder.sm.find_user(username="weak_chief") is None


# --- Idle timeout and session cookie ---------------------------------------------------------------------

def test_idle_session_is_logged_out(app, client, account):
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    assert logged_in(login(client, account))
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert isinstance(session[IDLE_KEY], int)
        session[IDLE_KEY] = int(time.time()) - 29 * 60
    assert logged_in(client.get("/"))  # 29 minutes: still in, and the clock restarts
    with client.session_transaction() as session:
        assert int(time.time()) - session[IDLE_KEY] < 60
        session[IDLE_KEY] = int(time.time()) - 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert IDLE_MESSAGE in flash_text(page)
    assert not logged_in(client.get("/"))


def test_a_background_lookup_leaves_the_session_cookie_alone(app, client, account):
    """A page's lookup answering after a save must not put back the session the save just changed (its flash
    message would be lost): background requests set no cookie, and activity is rewritten at most twice a minute."""
    assert logged_in(login(client, account))
    with client.session_transaction() as session:
        session[IDLE_KEY] = int(time.time()) - 29 * 60
    lookup = client.get("/repair-order/lookup/location", query_string={"q": "楼"},
                        headers={"X-Requested-With": "XMLHttpRequest"})  # as select2 asks
    assert lookup.status_code == 200 and lookup.json["results"] and "Set-Cookie" not in lookup.headers
    with client.session_transaction() as session:
        assert int(time.time()) - session[IDLE_KEY] >= 29 * 60  # not the person's activity
    first = client.get("/repair-order/lookup/location", query_string={"q": "楼"})
    assert "Set-Cookie" in first.headers  # not in the background: the person's activity, recorded
    again = client.get("/repair-order/lookup/location", query_string={"q": "楼"})
    assert "Set-Cookie" not in again.headers  # within 30 seconds: nothing to rewrite


def test_a_stale_activity_time_does_not_log_out_the_next_login(client, account):
    assert logged_in(login(client, account))
    client.get("/logout/")
    with client.session_transaction() as session:
        session[IDLE_KEY] = int(time.time()) - 60 * 60
    assert logged_in(login(client, account))
    assert logged_in(client.get("/"))


def test_session_cookie_is_httponly_and_samesite_lax(client, account):
    response = client.post("/login/", data={"username": account, "password": DEMO_PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- Login log -------------------------------------------------------------------------------------------

def test_every_attempt_is_logged_with_time_ip_and_reason(db, client, account):
    before = clock.now()
    login(client, account, "wrong-pass-1")
    client.post("/login/", data={"username": account, "password": DEMO_PASSWORD},
                environ_base={"REMOTE_ADDR": "192.168.7.8"})
    failed, succeeded = log_rows(db, account)[-2:]
    uid = user_id(db, account)
    assert (failed.success, failed.reason, failed.user_id, failed.ip) == (False, "密码错误", uid, "127.0.0.1")
    assert (succeeded.success, succeeded.reason, succeeded.user_id, succeeded.ip) == (True, None, uid, "192.168.7.8")
    assert before <= failed.attempted_at <= succeeded.attempted_at <= clock.now()


def test_the_log_is_append_only_in_the_database(db, client, account):
    login(client, account, "wrong-pass-1")
    row = log_rows(db, account)[-1]
    row.success = True
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(log_rows(db, account)[-1])
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_administrators_read_and_search_the_log(client, account, as_user):
    login(client, account, "wrong-pass-1")
    admin = as_user("admin")
    page = admin.get("/login-log/list/")
    assert page.status_code == 200
    for text in ("登录日志", "用户名", "失败原因", "IP 地址", account, "密码错误"):
        assert text in page.text, text
    found = admin.get(f"/login-log/list/?_flt_0_username={account}")
    assert found.status_code == 200 and account in found.text and ">admin<" not in found.text
    assert admin.get("/login-log/list/?_flt_0_success=y").status_code == 200
    today = admin.get(f"/login-log/list/?_flt_1_attempted_at={clock.today().isoformat()} 00:00:00")
    assert today.status_code == 200 and account in today.text
    nav = admin.get("/").text
    assert "系统管理" in nav and "登录日志" in nav


def test_search_by_success_and_time(client, account, as_user):
    login(client, account, "wrong-pass-1")
    admin = as_user("admin")
    # FAB's search offers 登录成功 等于/不等于 with a checkbox: "y" when ticked.
    failures = admin.get(f"/login-log/list/?_flt_0_username={account}&_flt_1_success=y").text
    successes = admin.get(f"/login-log/list/?_flt_0_username={account}&_flt_0_success=y").text
    assert "密码错误" in failures and "密码错误" not in successes
    future = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    later = admin.get(f"/login-log/list/?_flt_0_username={account}&_flt_1_attempted_at={future}").text
    assert "密码错误" not in later


def test_non_administrators_cannot_read_the_log(as_user):
    client = as_user("baoguan")
    assert client.get("/login-log/list/").status_code != 200
    assert "登录日志" not in client.get("/").text


def test_the_log_has_no_add_edit_or_delete_routes(app, db, client, account, as_user):
    login(client, account, "wrong-pass-1")
    pk = log_rows(db, account)[-1].id
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/login-log/")}
    assert rules == {"/login-log/list/", "/login-log/show/<pk>"}
    admin = as_user("admin")
    for method, url in [("get", "/login-log/add"), ("post", "/login-log/add"), ("get", f"/login-log/edit/{pk}"),
                        ("post", f"/login-log/edit/{pk}"), ("get", f"/login-log/delete/{pk}"),
                        ("post", f"/login-log/delete/{pk}"), ("post", "/login-log/action_post"),
                        ("post", f"/login-log/show/{pk}")]:
        assert getattr(admin, method)(url).status_code in (404, 405), (method, url)
    assert admin.get(f"/login-log/show/{pk}").status_code == 200
    assert len(log_rows(db, account)) >= 1 and log_rows(db, account)[-1].id == pk


def test_the_new_screens_and_messages_are_chinese(db, client, account, as_user):
    from tests.test_catalogue import english_words

    for _ in range(5):
        login(client, account, "wrong-pass-1")
    assert english_words(login(client, account, DEMO_PASSWORD).text) == []  # the lock message page
    admin = as_user("admin")
    pk = log_rows(db, account)[-1].id
    for path in ("/login-log/list/", f"/login-log/show/{pk}", "/login-lock/list/"):
        page = admin.get(path)
        assert page.status_code == 200 and english_words(page.text) == [], (path, english_words(page.text))
    weak = admin.post("/users/add", data=_user_form(admin.application, "pwtest_zh", "abc123"))
    assert english_words(weak.text) == []
