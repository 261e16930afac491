"""A person's login account, kept on the person's own form: ``Admin(account=Account("user"))``.

Whoever may manage users (the administrator) sees, on the form of a person record (a staff member), the
fields 登录账号, 角色 (the roles of the role matrix), 初始密码 / 重设密码 and 账号启用, and saving the form
creates or updates that person's login user in the same transaction. The user is linked to the person
record, so it has the person's name and, through the record, the department its data scope reads.
An e-mail address is not required (the login user keeps a placeholder when none is given).
"""
from __future__ import annotations

import re
from typing import Any

from flask import current_app
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField, widgets

from app.declare.admin import Account

USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
PLACEHOLDER_DOMAIN = "users.invalid"  # RFC 2606: never a real address
FIELDS = ("account_username", "account_roles", "account_password", "account_active")


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        known = {value for value, _ in self.choices}
        if any(v not in known for v in self.data or []):
            raise ValueError("请从列表中选择")


def form_fields() -> dict[str, Any]:
    """The account fields added to a person model's add and edit forms."""
    return {
        "account_username": StringField("登录账号", description="登录时输入的账号，一般用姓名拼音，可用字母、数字和 _ . -；"
                                                             "留空则不开通账号"),
        "account_roles": CheckboxesField("角色", choices=[], description="可多选；决定能用哪些功能"),
        "account_password": PasswordField("初始密码", description="开通账号时必填；修改已有账号时填写即重设密码"),
        "account_active": BooleanField("账号启用", default=True),
    }


def role_names() -> list[str]:
    engine = current_app.extensions["engine"]
    public = current_app.config.get("AUTH_ROLE_PUBLIC", "Public")
    return [name for name in engine.roles if name != public]


def may_manage(user: Any) -> bool:
    """Whether ``user`` may open accounts: the administrator, or a role granted FAB's user management."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if current_app.config.get("AUTH_ROLE_ADMIN") in {r.name for r in user.roles}:
        return True
    return current_app.appbuilder.sm.has_access("can_add", "UserDBModelView")


def prepare(form, record: Any, spec: Account) -> None:
    """Fill the account fields' choices, and their values from the record's current account (edit forms)."""
    form.account_roles.choices = [(name, name) for name in role_names()]
    user = getattr(record, spec.relation, None) if record is not None else None
    if user is not None and not form.is_submitted():
        form.account_username.data = user.username
        form.account_roles.data = [r.name for r in user.roles]
        form.account_active.data = bool(user.active)
    if user is not None:
        form.account_password.label.text = "重设密码"


def apply(session, form, record: Any, spec: Account) -> dict[str, str]:
    """Create or update the record's login user from the form; return {field: Chinese message} if refused."""
    from flask_appbuilder.security.sqla.models import Role, User
    from werkzeug.security import generate_password_hash

    from app.platform.login_security import password_problems

    username = (form.account_username.data or "").strip()
    password = form.account_password.data or ""
    user = getattr(record, spec.relation, None)
    if not username:
        if user is not None:
            return {"account_username": "已开通的账号不能清空；停用账号请取消「账号启用」"}
        return {"account_password": "未填写登录账号，不能设置密码"} if password else {}
    errors = {}
    if not USERNAME.fullmatch(username):
        errors["account_username"] = "登录账号只能用字母、数字和 _ . -，2 到 64 位"
    else:
        with session.no_autoflush:
            taken = session.query(User.id).filter(User.username == username)
            if user is not None and user.id is not None:
                taken = taken.filter(User.id != user.id)
            if taken.first() is not None:
                errors["account_username"] = f"登录账号「{username}」已被使用"
    chosen = list(form.account_roles.data or [])
    if not chosen:
        errors["account_roles"] = "请至少选择一个角色"
    if user is None and not password:
        errors["account_password"] = "开通账号须设置初始密码"
    elif password:
        problems = password_problems(password)
        if problems:
            errors["account_password"] = "；".join(problems)
    if errors:
        return errors
    with session.no_autoflush:
        roles = session.query(Role).filter(Role.name.in_(chosen)).all()
    name = str(getattr(record, spec.name, "") or username)
    if user is None:
        email = (getattr(record, spec.email, None) if spec.email else None) or f"{username}@{PLACEHOLDER_DOMAIN}"
        user = User(username=username, email=email, first_name=name[:64], last_name="")
        session.add(user)
        setattr(record, spec.relation, user)
    user.username = username
    user.first_name, user.last_name = name[:64], ""
    user.roles = roles
    user.active = bool(form.account_active.data)
    if password:
        method = current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
        user.password = generate_password_hash(password, method=method)
    return {}


def describe(user: Any) -> str:
    """A login account as its person's page shows it: 账号（角色、角色）, or 未开通."""
    if user is None:
        return "未开通"
    roles = "、".join(r.name for r in user.roles)
    state = "" if user.active else "，已停用"
    return f"{user.username}（{roles}{state}）" if roles or state else user.username
