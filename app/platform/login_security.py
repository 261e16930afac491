"""Login hardening: account lockout, login log, password policy and idle timeout (engine-owned, not domain).

The decisions at login time are taken in EngineSecurityManager.auth_user_db (app/fab/security.py); this module
holds the tables, the rules and the admin screens (系统管理 → 登录日志 / 账号锁定).

A lockout is per account *and client address*: wrong passwords typed from one address lock that address out
of the account for a while, never the owner logging in from elsewhere. Locks and unlocks are written to the
操作日志 (who, whom, from which address, until when).
"""
from __future__ import annotations

import json
import math
import re
import time
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, flash, has_app_context, has_request_context, redirect, request, session
from flask_appbuilder import Model, ModelView
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.models.sqla.filters import FilterGreater
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.forms import ResetPasswordForm
from flask_appbuilder.security.sqla.models import User
from flask_babel import LazyString
from flask_login import current_user, logout_user
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, UniqueConstraint, event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import relationship
from werkzeug.middleware.proxy_fix import ProxyFix

from app.meta import clock
from app.platform import safe_next, sessions

MENU_CATEGORY = "系统管理"
IDLE_KEY = "_last_active"  # epoch seconds of the last request of a logged-in user
IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录"

# Why a login attempt was refused (LoginLog.reason).
WRONG_PASSWORD = "密码错误"
UNKNOWN_USER = "账号不存在"
LOCKED = "账号已锁定"
INACTIVE = "账号已停用"

# Written to the 操作日志 (app/rules/audit.py AuditLog.action).
LOCK_ACTION = "锁定"
UNLOCK_ACTION = "解锁"
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


# --- Password policy -------------------------------------------------------------------------------------

def password_problems(password: str | None) -> list[str]:
    """What is wrong with a password, in Chinese; empty when it is acceptable."""
    password = password or ""
    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 8) if has_app_context() else 8
    problems = []
    if len(password) < minimum:
        problems.append(f"密码至少需要 {minimum} 位（当前 {len(password)} 位）")
    if not re.search(r"[A-Za-z]", password):
        problems.append("密码必须包含字母")
    if not re.search(r"[0-9]", password):
        problems.append("密码必须包含数字")
    if password.strip().lower() in common_passwords():
        problems.append("这个密码太常见，很容易被猜中，请换一个")
    return problems


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The list in common_passwords.txt, in lower case (the comparison ignores case: Aa123456 is aa123456)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_hint() -> str:
    return f"至少 {current_app.config.get('PASSWORD_MIN_LENGTH', 8)} 位，须同时包含字母和数字，不能是常见密码"


def validate_password(password: str | None) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB's forms turn this exception into a field error."""
    problems = password_problems(password)
    if problems:
        raise PasswordComplexityValidationError("；".join(problems) + "。")


# --- Tables ----------------------------------------------------------------------------------------------

class LoginLock(Model):
    """Consecutive failed logins of an account from one client address, and until when that address is locked
    out of the account. One row per account and address."""

    __tablename__ = "login_lock"
    __table_args__ = (UniqueConstraint("user_id", "ip"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    ip = Column(String(45), nullable=False, default="")
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    user = relationship(User, lazy="joined")

    def __repr__(self) -> str:
        return f"{self.user_id} {self.ip}"


class LoginLog(Model):
    """Every login attempt, successful or not. Append-only: rows are never changed or deleted."""

    __tablename__ = "login_log"
    id = Column(Integer, primary_key=True)
    attempted_at = Column(DateTime, nullable=False, index=True)
    username = Column(String(100), nullable=False, index=True)  # as typed
    user_id = Column(Integer, nullable=True, index=True)  # no foreign key: the log outlives the account
    ip = Column(String(45), nullable=True)
    success = Column(Boolean, nullable=False)
    reason = Column(String(16), nullable=True)

    def __repr__(self) -> str:
        return f"{self.username} {self.attempted_at}"


@event.listens_for(LoginLog, "before_update")
@event.listens_for(LoginLog, "before_delete")
def _append_only(mapper, connection, target):
    raise PermissionError("登录日志只能追加，不能修改或删除")


# --- Lockout and log, used by EngineSecurityManager.auth_user_db ------------------------------------------

def _max_failures() -> int:
    return int(current_app.config.get("LOGIN_MAX_FAILURES", 5))


def _lock_minutes() -> int:
    return int(current_app.config.get("LOGIN_LOCK_MINUTES", 10))


def client_address() -> str:
    """The address a login comes from (behind a reverse proxy, see PROXY_COUNT in config.py)."""
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def _row(session_, user_id: int, ip: str) -> LoginLock | None:
    return (session_.query(LoginLock).populate_existing()
            .filter(LoginLock.user_id == user_id, LoginLock.ip == ip).one_or_none())


def locked_until(session_, user_id: int, ip: str) -> datetime | None:
    """The end of the account's lock for logins from ``ip``, or None when it may try to log in."""
    row = _row(session_, user_id, ip)
    if row is not None and row.locked_until is not None and row.locked_until > clock.now():
        return row.locked_until
    return None


def lock_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - clock.now()).total_seconds() / 60))
    return (f"该账号因连续 {_max_failures()} 次密码错误已被锁定，请 {minutes} 分钟后再试，"
            "或联系系统管理员解锁")


def record_failure(session_, user, ip: str) -> datetime | None:
    """Count one more consecutive failure from ``ip`` (atomically, several workers may log in at once); lock the
    account for that address at the limit, and write the lock to the 操作日志.

    Returns the end of the lock when the account is now locked for this address.
    """
    now = clock.now()
    if _row(session_, user.id, ip) is None:
        try:
            with session_.begin_nested():
                session_.add(LoginLock(user_id=user.id, ip=ip, failures=0))
        except IntegrityError:
            pass  # another worker created it first
    table = LoginLock.__table__
    this = (table.c.user_id == user.id) & (table.c.ip == ip)
    # A lock that has run out starts a fresh count.
    session_.execute(update(table).where(this, table.c.locked_until <= now).values(failures=0, locked_until=None))
    session_.execute(update(table).where(this).values(failures=table.c.failures + 1))
    until = now + timedelta(minutes=_lock_minutes())
    locked = session_.execute(update(table).where(this, table.c.failures >= _max_failures(),
                                                  table.c.locked_until.is_(None))
                              .values(locked_until=until)).rowcount
    if locked:
        _audit(session_, LOCK_ACTION, user, ip, [
            _change("reason", "原因", "", f"连续 {_max_failures()} 次密码错误"),
            _change("locked_until", "锁定至", "", _when(until))])
    session_.commit()
    return locked_until(session_, user.id, ip)


def clear_failures(session_, user_id: int, ip: str) -> None:
    """A successful login from ``ip`` resets that address's count (not the others')."""
    table = LoginLock.__table__
    session_.execute(update(table).where(table.c.user_id == user_id, table.c.ip == ip)
                     .values(failures=0, locked_until=None))
    session_.commit()


def unlock_address(session_, row: LoginLock) -> None:
    """An administrator unlocks an account for one address; the 操作日志 records who unlocked whom."""
    was = row.locked_until
    table = LoginLock.__table__
    session_.execute(update(table).where(table.c.id == row.id).values(failures=0, locked_until=None))
    _audit(session_, UNLOCK_ACTION, row.user, row.ip, [
        _change("failures", "连续失败次数", str(row.failures or 0), "0"),
        _change("locked_until", "锁定至", _when(was) if was and was > clock.now() else "", "")])
    session_.commit()


def _change(field: str, label: str, old: str, new: str) -> dict:
    return {"field": field, "label": label, "old": old, "new": new}


def _audit(session_, action: str, user, ip: str, changes: list[dict]) -> None:
    """One 操作日志 row: the actor is the administrator (an unlock) or 系统 (a lock after failed passwords)."""
    from app.rules.audit import AuditLog, actor, display_name

    actor_id, actor_name = actor()
    changes = [*changes, _change("ip", "登录地址", "", ip or "（未知）")]
    session_.add(AuditLog(created_at=clock.now(), user_id=actor_id, user_name=actor_name[:100], action=action,
                          model="User", model_label="用户", record_id=user.id,
                          record_name=display_name(user)[:255], changes=json.dumps(changes, ensure_ascii=False)))


def record_attempt(session_, username: str, user, success: bool, reason: str | None = None) -> None:
    session_.add(LoginLog(attempted_at=clock.now(), username=(username or "")[:100],
                          user_id=getattr(user, "id", None), ip=client_address() or None,
                          success=success, reason=None if success else reason))
    session_.commit()


# --- Admin screens ---------------------------------------------------------------------------------------

def _when(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def admin_views() -> tuple[type, type]:
    """The two screens; built at registration because SQLAInterface configures every mapper, and the models
    of the whole application must all be imported by then."""

    class LoginLogView(ModelView):
        """登录日志: read-only for administrators; no add, edit or delete routes exist at all."""

        datamodel = SQLAInterface(LoginLog)
        route_base = "/login-log"
        include_route_methods = {"list", "show"}
        base_permissions = ["can_list", "can_show"]
        list_title = show_title = "登录日志"
        list_columns = ["attempted_at", "username", "success", "reason", "ip"]
        show_columns = ["attempted_at", "username", "user_id", "success", "reason", "ip"]
        search_columns = ["username", "success", "attempted_at", "reason", "ip"]
        label_columns = {"attempted_at": "时间", "username": "用户名", "user_id": "用户编号", "success": "登录成功",
                         "reason": "失败原因", "ip": "IP 地址"}
        formatters_columns = {"attempted_at": _when, "success": lambda v: "成功" if v else "失败",
                              "reason": lambda v: v or ""}
        base_order = ("attempted_at", "desc")

    class LoginLockView(ModelView):
        """账号锁定: accounts with failed logins, per client address; an administrator may unlock them."""

        datamodel = SQLAInterface(LoginLock)
        route_base = "/login-lock"
        include_route_methods = {"list", "action_post"}
        base_permissions = ["can_list", "unlock"]
        list_title = "账号锁定"
        list_columns = ["user.username", "user", "ip", "failures", "locked_until"]
        search_columns = ["user", "ip", "locked_until"]
        label_columns = {"user.username": "用户名", "user": "姓名", "ip": "登录地址", "failures": "连续失败次数",
                         "locked_until": "锁定至"}
        formatters_columns = {"locked_until": _when}
        base_filters = [["failures", FilterGreater, 0]]  # an account's row stays after a successful login, at 0
        base_order = ("failures", "desc")

        @action("unlock", "解锁", "确定解锁所选账号吗？", "fa-unlock", single=False)
        def unlock(self, items):
            items = items if isinstance(items, list) else [items]
            for item in items:
                unlock_address(self.datamodel.session, item)
            flash(f"已解锁 {len(items)} 个账号", "success")
            return redirect(self.get_redirect())

    return LoginLogView, LoginLockView


# --- Idle timeout ----------------------------------------------------------------------------------------

IDLE_GRANULARITY = 30  # seconds: the last-activity time is rewritten at most this often


def _idle_timeout():
    """Log out a user whose previous request is older than SESSION_IDLE_MINUTES."""
    if request.endpoint is None or request.endpoint.endswith("static"):
        return None
    if not current_user.is_authenticated:
        session.pop(IDLE_KEY, None)  # a stale value must not log out the next login
        return None
    minutes = current_app.config.get("SESSION_IDLE_MINUTES") or 0
    now = int(time.time())
    last = session.get(IDLE_KEY)
    if minutes and isinstance(last, (int, float)) and now - last > minutes * 60:
        logout_user()
        session.pop(IDLE_KEY, None)
        if request.path.startswith("/api/"):
            return None  # the API answers 401 itself
        flash(IDLE_MESSAGE, "warning")
        appbuilder = current_app.appbuilder
        next_url = request.full_path if request.method == "GET" else ""
        return redirect(appbuilder.get_url_for_login_with(next_url))
    if _in_background():
        # A page's own lookup is not the person's activity, and a session it rewrote could land after a save's
        # answer and drop that save's flash message (the cookie holds both): it leaves the session alone.
        return None
    if not isinstance(last, (int, float)) or now - last >= IDLE_GRANULARITY:
        session[IDLE_KEY] = now
    return None


def _in_background() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _limit_password_guessing(appbuilder) -> None:
    """FAB limits POST /login/ only. The REST login (/api/v1/security/login, refresh) and 修改我的密码 (which
    checks the current password) get the same limit, and all of them count against one budget per client
    address: a password guesser gains nothing by switching between them."""
    sm = appbuilder.sm
    if not sm.is_auth_limited:
        return
    shared = sm.limiter.shared_limit(sm.auth_rate_limit, scope="login", methods=["POST"])
    others = [view for view in appbuilder.baseviews if isinstance(view, (sm.security_api, sm.resetmypasswordview))]
    for view in [sm.auth_view, *others]:
        shared(view.blueprint)


def register(app: Flask, appbuilder) -> None:
    """Password policy hook, idle timeout, session stamps, the REST login's rate limit, and the 系统管理 screens
    (administrators only)."""
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0 and not isinstance(app.wsgi_app, ProxyFix):
        # Behind a reverse proxy every request comes from the proxy: the client's address (lockout, rate
        # limit, login log) is read from the X-Forwarded-For the trusted proxies add.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", validate_password)
    # FAB's password fields tell the user "this application does not check this for you": state the policy.
    ResetPasswordForm.password.kwargs["description"] = LazyString(lambda: "密码" + password_hint())
    appbuilder.sm.userdbmodelview.add_form_extra_fields["password"].kwargs["description"] = LazyString(
        lambda: "用户登录系统的密码，" + password_hint())
    app.before_request(_idle_timeout)
    sessions.register(app)
    safe_next.register(app)
    _limit_password_guessing(appbuilder)
    log_view, lock_view = admin_views()
    appbuilder.add_view(log_view, "登录日志", icon="fa-sign-in", category=MENU_CATEGORY,
                        category_icon="fa-cogs")
    appbuilder.add_view(lock_view, "账号锁定", icon="fa-lock", category=MENU_CATEGORY)
