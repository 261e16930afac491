"""The security manager: FAB's, with a user's permissions read once per request instead of once per check,
logins hardened (lockout, login log, rate limit; see app/platform/login_security.py), and sessions and tokens
that end at logout and at a password change (app/platform/sessions.py)."""
from __future__ import annotations

from flask import current_app, g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    ViewMenu,
    assoc_permissionview_role,
)
from flask_appbuilder.security.views import AuthDBView
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.fab import security_views as zh
from app.rules.identity import request_cache

# What every logged-in user may do with their own account, whatever their roles grant: see their
# profile (the navbar links it for everyone) and change their own password.
SELF_SERVICE = {
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
}


class EngineAuthDBView(AuthDBView):
    @property
    def invalid_login_message(self):
        """FAB flashes one fixed message for every refused login; a locked account is told so and for how long."""
        return g.pop("login_refusal", None) or super().invalid_login_message


class EngineSecurityManager(SecurityManager):
    authdbview = EngineAuthDBView  # only to word the refusal of a locked account (see above)
    # Security screens in Chinese (app/fab/security_views.py); the user statistics chart is not offered:
    # it loads its chart library from the internet.
    userdbmodelview = zh.UserDBModelView
    rolemodelview = zh.RoleModelView
    groupmodelview = zh.UserGroupModelView
    permissionmodelview = zh.PermissionModelView
    viewmenumodelview = zh.ViewMenuModelView
    permissionviewmodelview = zh.PermissionViewModelView
    userinfoeditview = zh.UserInfoEditView
    resetmypasswordview = zh.ResetMyPasswordView  # asks for the current password
    userstatschartview = None

    def create_login_manager(self, app):
        """FAB loads a session's user by id alone: the session must also carry the account's current stamp."""
        lm = super().create_login_manager(app)
        lm.user_loader(self.load_session_user)
        return lm

    def get_user_by_id(self, pk):
        """FAB 5.3.0 reads the user, then its roles and groups lazily: one statement for all three on every request."""
        return self.session.get(self.user_model, pk,
                                options=[joinedload(self.user_model.roles), joinedload(self.user_model.groups)])

    def load_session_user(self, pk):
        from app.platform import sessions

        user = self.load_user(pk)
        if user is not None and not sessions.session_is_current(self.session, user.id):
            g.setdefault(sessions.REVOKED_FLAG, True)  # ended elsewhere: logged out with a message
            return None
        return user

    def create_jwt_manager(self, app):
        """Tokens carry the account's stamp and die with it; refusals are answered in Chinese."""
        from app.platform import sessions

        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(lambda identity: sessions.token_claims(self.session, identity))
        jwt_manager.token_in_blocklist_loader(lambda _header, data: sessions.token_revoked(self.session, data))
        sessions.chinese_token_responses(jwt_manager)
        return jwt_manager

    def on_user_logout(self, user) -> None:
        """Logging out ends every session and token of the account, not only this browser's."""
        from app.platform import sessions

        super().on_user_logout(user)
        sessions.end_sessions_at_logout(self.session, user)

    def has_access(self, permission_name: str, view_name: str) -> bool:
        """FAB's answer for a logged-in user, looked up in the pairs of their roles read once per request: a page
        asks ~100 times (menu items, buttons, a link per related record) and FAB works each answer out afresh."""
        if not has_request_context():
            return super().has_access(permission_name, view_name)
        from flask_login import current_user

        if getattr(g, "_api_key_user", False) or not current_user.is_authenticated:
            return super().has_access(permission_name, view_name)  # an API key, a token, a visitor: FAB's own
        user = self._get_safe_user(g.get("user", current_user))
        if user is None or not user.is_active:
            return False
        if (permission_name, view_name) in SELF_SERVICE:
            return True
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles for role in roles):
            return self._has_view_access(user, permission_name, view_name)
        role_ids = [role.id for role in roles]
        return bool(role_ids) and self.exist_permission_on_roles(view_name, permission_name, role_ids)

    @property
    def auth_rate_limit(self) -> str:
        """FAB's key is AUTH_RATE_LIMIT; the school's configuration names the login limit LOGIN_RATE_LIMIT."""
        return current_app.config.get("LOGIN_RATE_LIMIT") or super().auth_rate_limit

    def auth_user_db(self, username, password):
        """FAB has no lockout and no login log: refuse an account locked for this client address before its
        password, record every attempt. The form and the REST login (/api/v1/security/login) both come here."""
        from app.platform import login_security as ls

        session = self.session
        ip = ls.client_address()
        user = (self.find_user(username=username) or self.find_user(email=username)) if username else None
        if user is not None and user.is_active:
            until = ls.locked_until(session, user.id, ip)
            if until is not None:
                g.login_refusal = ls.lock_message(until)
                ls.record_attempt(session, username, user, False, ls.LOCKED)
                return None
        authenticated = super().auth_user_db(username, password)
        if authenticated is not None:
            ls.clear_failures(session, authenticated.id, ip)
            ls.record_attempt(session, username, authenticated, True)
        elif user is None:
            ls.record_attempt(session, username, None, False, ls.UNKNOWN_USER)
        elif not user.is_active:
            ls.record_attempt(session, username, user, False, ls.INACTIVE)
        else:
            ls.record_attempt(session, username, user, False, ls.WRONG_PASSWORD)
            until = ls.record_failure(session, user, ip)
            if until is not None:
                g.login_refusal = ls.lock_message(until)
        return authenticated

    def _permission_pairs(self, role_ids: list[int]) -> set[tuple[str, str]]:
        stmt = (
            select(ViewMenu.name, Permission.name)
            .select_from(PermissionView)
            .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == PermissionView.id)
            .join(Permission, PermissionView.permission_id == Permission.id)
            .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
            .where(assoc_permissionview_role.c.role_id.in_(role_ids))
        )
        return {(view, permission) for view, permission in self.session.execute(stmt)}

    def menu_permission_key(self, user) -> str:
        """What decides which menu entries ``user`` sees: their roles' names (FAB's built-in roles are configured
        by name) and the (view, permission) pairs those roles hold."""
        roles = self.get_user_roles(user)
        pairs = self._request_pairs([role.id for role in roles])
        return repr((sorted(role.name for role in roles), sorted(pairs)))

    def exist_permission_on_roles(self, view_name: str, permission_name: str, role_ids: list[int]) -> bool:
        """FAB asks the database once per menu item and button; a list page made ~30 such queries."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        return (view_name, permission_name) in self._request_pairs(role_ids)

    def _request_pairs(self, role_ids: list[int]) -> set[tuple[str, str]]:
        """The roles' (view, permission) pairs, read once per request."""
        cache = request_cache("permission_pairs")
        key = tuple(sorted(role_ids))
        if key not in cache:
            cache[key] = self._permission_pairs(list(key))
        return cache[key]
