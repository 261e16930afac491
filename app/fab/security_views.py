"""FAB's security screens (users, roles, permissions, views/menus, groups) in Chinese.

FAB stores permissions as code names — ``can_read`` on ``Asset``, ``menu_access`` on ``资产卡片``,
``can_list`` on ``UserDBModelView`` — and shows them as they are stored. Nothing stored is renamed
here: the screens show each one as a Chinese phrase ("查看 资产卡片", "菜单 资产卡片", "查看 用户"),
through column formatters, labels and the option labels of the select fields. The subclasses keep
FAB's class names, so endpoints and permission names stay exactly what FAB created.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask import current_app, flash, g, redirect
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security import forms as fab_forms
from flask_appbuilder.security import views as fab
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla import models as fab_models
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import LazyString, gettext, lazy_gettext
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app.meta import formatting

# What each stored permission name means, as a verb.
PERMISSION_WORDS = {
    "can_read": "查看",
    "can_add": "新增",
    "can_edit": "修改",
    "can_delete": "删除",
    "menu_access": "菜单",
    "can_list": "查看",
    "can_show": "查看详情",
    "can_download": "下载",
    "can_userinfo": "个人资料",
    "can_this_form_get": "打开表单",
    "can_this_form_post": "提交表单",
    "can_chart": "查看图表",
    "can_get": "接口查询",
    "can_post": "接口新增",
    "can_put": "接口修改",
    "can_info": "接口说明",
    "can_step": "办理",
    "can_lookup": "选择",
    "resetmypassword": "修改我的密码",
    "resetpasswords": "重置密码",
    "userinfoedit": "修改个人信息",
    "copyrole": "复制角色",
    "unlock": "解锁",
    "resend": "重发",
}
# FAB's own views (the engine's models and pages are named by their menu labels).
VIEW_NAMES = {
    "UserDBModelView": "用户",
    "RoleModelView": "角色",
    "PermissionModelView": "基础权限",
    "ViewMenuModelView": "视图与菜单",
    "PermissionViewModelView": "视图与菜单的权限",
    "UserGroupModelView": "用户组",
    "UserInfoEditView": "个人信息",
    "ResetMyPasswordView": "修改我的密码",
    "ResetPasswordView": "重置用户密码",
    "UserStatsChartView": "用户统计",
    "RegisterUserModelView": "注册申请",
    "MenuApi": "菜单接口",
    "SecurityApi": "登录接口",
    "OpenApi": "接口说明",
    "SwaggerView": "接口说明",
    "LocaleView": "切换语言",
    "HomeView": "首页",
    "UtilView": "返回上一页",
    "AuthDBView": "登录",
    "EngineAuthDBView": "登录",
}
PUBLIC_ROLE = "访客（未登录）"


def _chinese_full_name(self) -> str:
    """姓 and 名 without the space FAB puts between first and last name: 陈志远, not 陈 志远."""
    return f"{self.first_name or ''}{self.last_name or ''}"


# FAB's User shows itself (navbar, str(), the 登录账号 of a staff record) through get_full_name().
fab_models.User.get_full_name = _chinese_full_name


def _menu_labels() -> dict[str, str]:
    """Each registered view's permission name → the label of its menu entry."""
    appbuilder = current_app.appbuilder
    cache = current_app.extensions.setdefault("security_view_labels", {})
    if cache.get("menu_size") != len(appbuilder.baseviews):
        labels = {}
        from app.extensions import engine

        try:
            eng = engine()
        except KeyError:
            eng = None
        if eng is not None:
            labels.update({model.__name__: model.__admin__.label for model in eng.models})
            labels.update({page.class_permission_name: page.menu_label for page in eng.pages + eng.public_pages})

        def walk(items):
            for item in items:
                baseview = getattr(item, "baseview", None)
                if baseview is not None and baseview.class_permission_name not in labels:
                    labels[baseview.class_permission_name] = str(item.label or item.name)
                walk(item.childs or [])

        walk(appbuilder.menu.get_list())
        cache.update(labels=labels, menu_size=len(appbuilder.baseviews))
    return cache["labels"]


def _translated(name: str) -> str | None:
    text = gettext(name)
    return text if text != name else None


def view_name(name: Any) -> str:
    """A stored view/menu name in Chinese: 'Asset' → 资产卡片, 'List Users' → 用户列表."""
    name = str(getattr(name, "name", name) or "")
    if name in VIEW_NAMES:
        return VIEW_NAMES[name]
    labels = _menu_labels()
    if name in labels:
        return labels[name]
    if name.endswith("Api") and name[:-3] in labels:
        return f"{labels[name[:-3]]}接口"
    return _translated(name) or name


def permission_name(name: Any) -> str:
    """A stored permission name as a verb: can_read → 查看, menu_access → 菜单."""
    name = str(getattr(name, "name", name) or "")
    if name in PERMISSION_WORDS:
        return PERMISSION_WORDS[name]
    return _translated(name) or _translated(name.replace("_", " ")) or name


def permission_view(pv: Any) -> str:
    """One permission on one view: 'can_read' on 'Asset' → 查看 资产卡片."""
    if pv is None:
        return ""
    return f"{permission_name(pv.permission)} {view_name(pv.view_menu)}"


def role_name(role: Any) -> str:
    name = str(getattr(role, "name", role) or "")
    return PUBLIC_ROLE if name == current_app.config.get("AUTH_ROLE_PUBLIC", "Public") else name


def joined(describe):
    def formatter(values: Iterable[Any] | None) -> str:
        return "、".join(describe(v) for v in values or [])

    return formatter


VERB_ORDER = {verb: i for i, verb in enumerate(dict.fromkeys(PERMISSION_WORDS.values()))}


def permission_sort_key(pv: Any) -> tuple:
    """A role's permissions grouped by view, verbs in their usual order (查看, 新增, 修改, 删除, 菜单 …)."""
    verb = permission_name(pv.permission)
    return view_name(pv.view_menu), VERB_ORDER.get(verb, len(VERB_ORDER)), verb


def permission_lines(values: Iterable[Any] | None) -> str:
    """One permission per line (a role has many), for pre-line cells."""
    return "\n".join(permission_view(pv) for pv in sorted(values or [], key=permission_sort_key))


class ChineseOptions:
    """Option labels of relation selects (add, edit and search forms), by the column's describer; and lists
    that do not fail on a bad sort or filter in the URL (FAB: a 500, or "An error occurred: …")."""

    option_labels: dict = {}

    @expose("/list/")
    @has_access
    def list(self):
        self.update_redirect()
        try:
            widgets = self._list()
        except FABException:
            flash("列表的排序或筛选条件有误，已忽略。", "warning")
            return redirect(self.get_redirect())
        return self.render_template(self.list_template, title=self.list_title, widgets=widgets)

    def _get_list_widget(self, filters, order_column="", order_direction="", **kwargs):
        """A sort column the URL names but the list does not offer is ignored (FAB: a 500)."""
        if order_column not in self.order_columns:
            order_column, order_direction = "", ""
        return super()._get_list_widget(filters=filters, order_column=order_column,
                                        order_direction=order_direction, **kwargs)

    def _init_forms(self):
        super()._init_forms()
        for form in (self.add_form, self.edit_form, self.search_form):
            for column, describe in self.option_labels.items():
                unbound = form.__dict__.get(column) or getattr(form, column, None)
                if unbound is not None and hasattr(unbound, "kwargs"):
                    unbound.kwargs["get_label"] = describe


USER_LABELS = {
    "get_full_name": "姓名",
    "first_name": "姓",
    "last_name": "名",
    "username": "用户名",
    "password": "密码",
    "conf_password": "确认密码",
    "active": "启用",
    "email": "电子邮箱",
    "roles": "角色",
    "groups": "用户组",
    "last_login": "最近登录",
    "login_count": "登录次数",
    "fail_login_count": "登录失败次数",
    "created_on": "创建时间",
    "created_by": "创建人",
    "changed_on": "修改时间",
    "changed_by": "修改人",
}
USER_FORMATTERS = {
    "active": formatting.yes_no,
    "roles": joined(role_name),
    "groups": joined(str),
    "last_login": formatting.moment,
    "created_on": formatting.moment,
    "changed_on": formatting.moment,
    "created_by": formatting.user_name,
    "changed_by": formatting.user_name,
    "get_full_name": str,
}


class UserDBModelView(ChineseOptions, fab.UserDBModelView):
    label_columns = USER_LABELS
    description_columns = {
        **fab.UserDBModelView.description_columns,
        "first_name": "填写姓，例：张",
        "last_name": "填写名，例：三",
    }
    formatters_columns = USER_FORMATTERS
    option_labels = {"roles": role_name}

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        """FAB 5.3.0's userinfo, rendered on engine/userinfo.html: the profile with the sections that the engine's
        features list in the Jinja global ``profile_sections`` (消息通知)."""
        actions = {"resetmypassword": self.actions.get("resetmypassword"),
                   "userinfoedit": self.actions.get("userinfoedit")}
        item = self.datamodel.get(g.user.id, self._base_filters)
        widgets = self._get_show_widget(g.user.id, item, actions=actions, show_fieldsets=self.user_show_fieldsets)
        self.update_redirect()
        return self.render_template("engine/userinfo.html", title=self.user_info_title, widgets=widgets,
                                    appbuilder=self.appbuilder)


class RoleModelView(ChineseOptions, fab.RoleModelView):
    label_columns = {"name": "名称", "permissions": "权限", "user": "用户", "groups": "用户组"}
    formatters_columns = {"name": role_name, "permissions": permission_lines}
    option_labels = {"permissions": permission_view}

    @action("copyrole", lazy_gettext("Copy Role"), lazy_gettext("Copy the selected roles?"),
            icon="fa-copy", single=False)
    def copy_role(self, items):
        """FAB names the copy "<name> copy"."""
        self.update_redirect()
        for item in items:
            new_role = item.__class__()
            new_role.name = f"{item.name}（副本）"
            new_role.permissions = item.permissions
            self.datamodel.add(new_role)
        return redirect(self.get_redirect())


class UserGroupModelView(ChineseOptions, fab.UserGroupModelView):
    label_columns = {"name": "名称", "label": "显示名", "description": "说明", "users": "用户", "roles": "角色"}
    formatters_columns = {"roles": joined(role_name), "users": joined(formatting.user_name)}
    option_labels = {"roles": role_name, "users": formatting.user_name}


class PermissionModelView(ChineseOptions, fab.PermissionModelView):
    label_columns = {"name": "权限"}
    formatters_columns = {"name": permission_name}


class ViewMenuModelView(ChineseOptions, fab.ViewMenuModelView):
    label_columns = {"name": "视图或菜单"}
    formatters_columns = {"name": view_name}


class PermissionViewModelView(ChineseOptions, fab.PermissionViewModelView):
    label_columns = {"permission": "权限", "view_menu": "视图或菜单", "role": "角色"}
    formatters_columns = {"permission": permission_name, "view_menu": view_name, "role": joined(role_name)}
    option_labels = {"permission": permission_name, "view_menu": view_name, "role": role_name}


class UserInfoEdit(fab_forms.UserInfoEdit):
    """FAB labels first_name 名 and last_name 姓; here first_name holds the 姓."""

    first_name = StringField("姓", validators=[DataRequired()], widget=BS3TextFieldWidget(), description="例：张")
    last_name = StringField("名", validators=[DataRequired()], widget=BS3TextFieldWidget(), description="例：三")


class UserInfoEditView(fab.UserInfoEditView):
    form = UserInfoEdit


def _new_password_hint() -> str:
    from app.platform.login_security import password_hint

    return "新密码" + password_hint()


def _is_current_password(password: str | None) -> bool:
    user = getattr(g, "user", None)
    stored = getattr(user, "password", None)
    return bool(stored and password) and check_password_hash(stored, password)


class ResetMyPasswordForm(DynamicForm):
    """FAB changes one's own password without asking for the current one: whoever finds a browser left logged
    in could take the account. The current password comes first; the new one may not be the same."""

    current_password = PasswordField("当前密码", validators=[DataRequired(message="请输入当前密码")],
                                     description="为确认是您本人操作，请输入现在使用的密码",
                                     widget=BS3PasswordFieldWidget())
    password = PasswordField("新密码", validators=[DataRequired(message="请输入新密码"), PasswordComplexityValidator()],
                             description=LazyString(_new_password_hint), widget=BS3PasswordFieldWidget())
    conf_password = PasswordField("确认新密码", validators=[EqualTo("password", message="两次输入的新密码不一致")],
                                  description="请再输入一次新密码", widget=BS3PasswordFieldWidget())

    def validate_current_password(self, field):
        if field.data and not _is_current_password(field.data):
            raise ValidationError("当前密码不正确")

    def validate_password(self, field):
        if field.data and _is_current_password(field.data):
            raise ValidationError("新密码不能与当前密码相同")


class ResetMyPasswordView(fab.ResetMyPasswordView):
    """修改我的密码: asks for the current password; the other browsers of the account are logged out
    (app/platform/sessions.py), this one stays."""

    form = ResetMyPasswordForm
    form_title = "修改我的密码"
    message = "密码已修改，该账号在其他浏览器和设备上的登录已全部退出"
