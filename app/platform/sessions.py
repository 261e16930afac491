"""Sessions and tokens that end when the account's owner says so: a per-user stamp kept in the database.

Flask's session lives in the signed cookie, so logging out on one browser cannot reach a copy of the cookie
(another browser, a stolen copy), and a JWT lives until it expires. Both carry the account's *stamp* instead:

- at login (form or REST) the user's current stamp is copied into the session cookie / the token's claims;
- every request compares it with the stamp in ``user_session_stamp`` (the session's user loader, the JWT's
  token-in-blocklist check): a different stamp is a session or token that has been ended;
- logging out and any change of the password (one's own, an administrator's reset, a staff record's account
  fields — every path that writes ``ab_user.password``) give the account a new stamp, so every other cookie
  and token of that user stops working. The browser that changed its own password keeps working.

The store is the database: several workers and hosts share it, nothing is kept per process.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, current_app, flash, g, has_request_context, redirect, request, session
from flask_appbuilder import Model
from flask_login import current_user, logout_user, user_logged_in
from sqlalchemy import Column, ForeignKey, Integer, String, delete, event, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

STAMP_KEY = "_stamp"  # in the Flask session
STAMP_CLAIM = "stm"  # in a JWT's claims
REVOKED_FLAG = "session_revoked"  # on g: this request came with a session that has been ended
REVOKED_MESSAGE = "您的登录已失效（该账号已退出登录或修改了密码），请重新登录"
PENDING = "session_stamp_for_this_browser"  # session.info: the new stamp the current browser keeps, at commit


class SessionStamp(Model):
    """The current stamp of each account that has logged in since this table exists."""

    __tablename__ = "user_session_stamp"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    stamp = Column(String(32), nullable=False)

    def __repr__(self) -> str:
        return f"{self.user_id}"


def _new_stamp() -> str:
    return secrets.token_hex(16)


def stored_stamp(session_, user_id) -> str | None:
    table = SessionStamp.__table__
    return session_.execute(select(table.c.stamp).where(table.c.user_id == user_id)).scalar()


def current_stamp(session_, user_id: int) -> str:
    """The account's stamp. Every account gets one when it is made (and the migration gave one to each account
    that existed before); one written into ab_user by hand gets it here, at its first login."""
    value = stored_stamp(session_, user_id)
    if value is None:
        value = _new_stamp()
        try:
            with session_.begin_nested():
                session_.execute(insert(SessionStamp.__table__).values(user_id=user_id, stamp=value))
        except IntegrityError:
            value = stored_stamp(session_, user_id)  # another worker made it first
        session_.commit()
    return value


def matches(session_, user_id, presented) -> bool:
    stored = stored_stamp(session_, user_id)
    return bool(stored) and isinstance(presented, str) and hmac.compare_digest(stored, presented)


def rotate(connection_or_session, user_id: int) -> str:
    """Give the account a new stamp: every session and token carrying the old one has ended.

    No row means nobody has logged in as this account since the table exists: no session or token of it
    can carry a stamp, so there is nothing to end (the next login makes the row).
    """
    value = _new_stamp()
    table = SessionStamp.__table__
    connection_or_session.execute(update(table).where(table.c.user_id == user_id).values(stamp=value))
    return value


# --- Browser sessions ------------------------------------------------------------------------------------

def session_is_current(session_, user_id) -> bool:
    """Whether the Flask session (the cookie of this request) carries the account's current stamp."""
    return matches(session_, user_id, session.get(STAMP_KEY))


def _copy_stamp_at_login(sender, user, **_):
    from app.extensions import db

    session[STAMP_KEY] = current_stamp(db.session, user.id)


def end_sessions_at_logout(session_, user) -> None:
    """Logout ends every session and token of the account, and this browser forgets the stamp."""
    rotate(session_, user.id)
    session_.commit()
    if has_request_context():
        session.pop(STAMP_KEY, None)


def _revoked_session():
    """A request whose session was ended elsewhere: logged out, and sent to the login page with a message."""
    if request.endpoint is None or request.endpoint.endswith("static"):
        return None
    if current_user.is_authenticated or not g.pop(REVOKED_FLAG, False):
        return None
    logout_user()
    session.pop(STAMP_KEY, None)
    if request.path.startswith("/api/"):
        return None  # the API answers 401 itself
    flash(REVOKED_MESSAGE, "warning")
    appbuilder = current_app.appbuilder
    if request.endpoint == f"{appbuilder.sm.auth_view.endpoint}.login":
        return None
    next_url = request.full_path if request.method == "GET" else ""
    return redirect(appbuilder.get_url_for_login_with(next_url))


# --- New accounts and password changes --------------------------------------------------------------------

def _accounts_flushed(session_, flush_context) -> None:
    """A new account gets its stamp in the transaction that makes it (so a login never has to write one), a
    deleted one loses it.
    Any flush that writes a new password hash of an existing account gives it a new stamp, in the same
    transaction. The browser that made its own change keeps working: it gets the new stamp at commit."""
    from flask_appbuilder.security.sqla.models import User

    made = [obj.id for obj in session_.new if isinstance(obj, User) and obj.id is not None]
    gone = [obj.id for obj in session_.deleted if isinstance(obj, User) and obj.id is not None]
    changed = [obj.id for obj in session_.dirty
               if isinstance(obj, User) and obj.id is not None
               and inspect(obj).attrs.password.history.has_changes()]
    if not made and not gone and not changed:
        return
    connection = session_.connection()
    table = SessionStamp.__table__
    if made or gone:
        # SQLite does not enforce the foreign key's cascade and may give a new account the number of a deleted
        # one: a deleted account's stamp must never let its old cookies in as the new account.
        connection.execute(delete(table).where(table.c.user_id.in_(made + gone)))
    if made:
        connection.execute(insert(table), [{"user_id": i, "stamp": _new_stamp()} for i in made])
    own = str(session.get("_user_id")) if has_request_context() else None
    for user_id in changed:
        value = rotate(connection, user_id)
        if own == str(user_id):
            session_.info[PENDING] = value


def _after_commit(session_) -> None:
    value = session_.info.pop(PENDING, None)
    if value is not None and has_request_context():
        session[STAMP_KEY] = value


def _after_rollback(session_) -> None:
    session_.info.pop(PENDING, None)


# --- REST tokens (flask_jwt_extended) ---------------------------------------------------------------------

def token_claims(session_, identity) -> dict:
    """Claims added to every token FAB makes (login, refresh): the account's current stamp."""
    try:
        user_id = int(identity)
    except (TypeError, ValueError):
        return {}
    return {STAMP_CLAIM: current_stamp(session_, user_id)}


def token_revoked(session_, jwt_data: dict) -> bool:
    try:
        user_id = int(jwt_data.get("sub"))
    except (TypeError, ValueError):
        return True
    return not matches(session_, user_id, jwt_data.get(STAMP_CLAIM))


def _json(message: str, code: int = 401):
    return {"message": message}, code


def chinese_token_responses(jwt_manager) -> None:
    """flask_jwt_extended answers a refused token in English ("Token has been revoked"): in Chinese."""
    jwt_manager.revoked_token_loader(lambda _header, _data: _json("登录已失效（该账号已退出登录或修改了密码），请重新登录"))
    jwt_manager.expired_token_loader(lambda _header, _data: _json("登录已过期，请重新登录"))
    jwt_manager.invalid_token_loader(lambda _reason: _json("登录凭据无效，请重新登录"))
    jwt_manager.unauthorized_loader(lambda _reason: _json("请先登录"))
    jwt_manager.needs_fresh_token_loader(lambda _header, _data: _json("请重新登录后再进行此操作"))
    jwt_manager.user_lookup_error_loader(lambda _header, _data: _json("账号不存在或已停用，请重新登录"))


def register(app: Flask) -> None:
    from app.extensions import db

    user_logged_in.connect(_copy_stamp_at_login, app, weak=False)
    app.before_request(_revoked_session)
    for name, func in (("after_flush", _accounts_flushed), ("after_commit", _after_commit),
                       ("after_rollback", _after_rollback)):
        if not event.contains(db.session, name, func):
            event.listen(db.session, name, func)
