"""Login hardening: account lockout, login log, password policy and idle timeout (engine-owned, not domain).

The decisions at login time are taken in EngineSecurityManager.auth_user_db (app/fab/security.py); this module
holds the tables, the rules and the admin screens (系统管理 → 登录日志 / 账号锁定).
"""
from __future__ import annotations

import math
import re
import time
from datetime import datetime, timedelta

from flask import Flask, current_app, flash, has_app_context, redirect, request, session
from flask_appbuilder import Model, ModelView
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.models.sqla.filters import FilterGreater
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.forms import ResetPasswordForm
from flask_appbuilder.security.sqla.models import User
from flask_babel import LazyString
from flask_login import current_user, logout_user
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import relationship

from app.meta import clock

MENU_CATEGORY = "系统管理"
IDLE_KEY = "_last_active"  # epoch seconds of the last request of a logged-in user
IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录"

# Why a login attempt was refused (LoginLog.reason).
WRONG_PASSWORD = "密码错误"
UNKNOWN_USER = "账号不存在"
LOCKED = "账号已锁定"
INACTIVE = "账号已停用"


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
    return problems


def password_hint() -> str:
    return f"至少 {current_app.config.get('PASSWORD_MIN_LENGTH', 8)} 位，须同时包含字母和数字"


def validate_password(password: str | None) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB's forms turn this exception into a field error."""
    problems = password_problems(password)
    if problems:
        raise PasswordComplexityValidationError("；".join(problems) + "。")


# --- Tables ----------------------------------------------------------------------------------------------

class LoginLock(Model):
    """Consecutive failed logins of an account, and until when it is locked. One row per account."""

    __tablename__ = "login_lock"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    user = relationship(User, lazy="joined")

    def __repr__(self) -> str:
        return f"{self.user_id}"


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


def locked_until(session_, user_id: int) -> datetime | None:
    """The end of the account's lock, or None when it may try to log in."""
    row = session_.get(LoginLock, user_id, populate_existing=True)
    if row is not None and row.locked_until is not None and row.locked_until > clock.now():
        return row.locked_until
    return None


def lock_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - clock.now()).total_seconds() / 60))
    return (f"该账号因连续 {_max_failures()} 次密码错误已被锁定，请 {minutes} 分钟后再试，"
            "或联系系统管理员解锁")


def record_failure(session_, user_id: int) -> datetime | None:
    """Count one more consecutive failure (atomically, several workers may log in at once); lock at the limit.

    Returns the end of the lock if this failure locked the account.
    """
    now = clock.now()
    if session_.get(LoginLock, user_id) is None:
        try:
            with session_.begin_nested():
                session_.add(LoginLock(user_id=user_id, failures=0))
        except IntegrityError:
            pass  # another worker created it first
    table = LoginLock.__table__
    # A lock that has run out starts a fresh count.
    session_.execute(update(table).where(table.c.user_id == user_id, table.c.locked_until <= now)
                     .values(failures=0, locked_until=None))
    session_.execute(update(table).where(table.c.user_id == user_id).values(failures=table.c.failures + 1))
    session_.execute(update(table).where(table.c.user_id == user_id, table.c.failures >= _max_failures(),
                                         table.c.locked_until.is_(None))
                     .values(locked_until=now + timedelta(minutes=_lock_minutes())))
    session_.commit()
    return locked_until(session_, user_id)


def clear_failures(session_, user_id: int) -> None:
    """A successful login (or an administrator's unlock) resets the count."""
    table = LoginLock.__table__
    session_.execute(update(table).where(table.c.user_id == user_id).values(failures=0, locked_until=None))
    session_.commit()


def record_attempt(session_, username: str, user, success: bool, reason: str | None = None) -> None:
    session_.add(LoginLog(attempted_at=clock.now(), username=(username or "")[:100],
                          user_id=getattr(user, "id", None), ip=(request.remote_addr or "")[:45] or None,
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
        """账号锁定: accounts with failed logins; an administrator may unlock them."""

        datamodel = SQLAInterface(LoginLock)
        route_base = "/login-lock"
        include_route_methods = {"list", "action_post"}
        base_permissions = ["can_list", "unlock"]
        list_title = "账号锁定"
        list_columns = ["user.username", "user", "failures", "locked_until"]
        search_columns = ["user", "locked_until"]
        label_columns = {"user.username": "用户名", "user": "姓名", "failures": "连续失败次数",
                         "locked_until": "锁定至"}
        formatters_columns = {"locked_until": _when}
        base_filters = [["failures", FilterGreater, 0]]  # an account's row stays after a successful login, at 0
        base_order = ("failures", "desc")

        @action("unlock", "解锁", "确定解锁所选账号吗？", "fa-unlock", single=False)
        def unlock(self, items):
            items = items if isinstance(items, list) else [items]
            for item in items:
                clear_failures(self.datamodel.session, item.user_id)
            flash(f"已解锁 {len(items)} 个账号", "success")
            return redirect(self.get_redirect())

    return LoginLogView, LoginLockView


# --- Idle timeout ----------------------------------------------------------------------------------------

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
    session[IDLE_KEY] = now
    return None


def register(app: Flask, appbuilder) -> None:
    """Password policy hook, idle timeout, and the 系统管理 screens (administrators only)."""
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", validate_password)
    # FAB's password fields tell the user "this application does not check this for you": state the policy.
    ResetPasswordForm.password.kwargs["description"] = LazyString(lambda: "密码" + password_hint())
    appbuilder.sm.userdbmodelview.add_form_extra_fields["password"].kwargs["description"] = LazyString(
        lambda: "用户登录系统的密码，" + password_hint())
    app.before_request(_idle_timeout)
    log_view, lock_view = admin_views()
    appbuilder.add_view(log_view, "登录日志", icon="fa-sign-in", category=MENU_CATEGORY,
                        category_icon="fa-cogs")
    appbuilder.add_view(lock_view, "账号锁定", icon="fa-lock", category=MENU_CATEGORY)
