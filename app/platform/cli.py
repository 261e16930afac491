"""`flask init`: bring the schema to the newest migration, then permissions, roles and the administrator."""
from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from app.platform.permissions import sync_roles


def prepare_database(admin_username: str | None = None, admin_password: str | None = None) -> None:
    """Upgrade through migrations (never dropping data), then write permissions and the role matrix."""
    from app.extensions import MIGRATIONS, engine

    upgrade(directory=str(MIGRATIONS))
    eng = engine()
    sm = eng.appbuilder.sm
    for role_name in (sm.auth_role_admin, sm.auth_role_public):
        sm.find_role(role_name) or sm.add_role(role_name)
    eng.appbuilder.add_permissions(update_perms=True)
    sync_roles(eng.appbuilder.sm, eng.roles, eng.menu_entries())
    if eng.seed is not None:
        eng.seed(eng.appbuilder.session)
    from app.meta.pinyin import backfill

    backfill(eng.appbuilder.session)  # pinyin of names written before the companion columns existed
    if admin_username and admin_password:
        ensure_user(admin_username, admin_password, current_app.config["AUTH_ROLE_ADMIN"], "系统", "管理员")


def ensure_user(username: str, password: str, role_name: str, first: str, last: str, email: str | None = None):
    from app.extensions import engine

    sm = engine().appbuilder.sm
    user = sm.find_user(username=username)
    if user is None:
        from app.platform.login_security import password_problems

        problems = password_problems(password)
        if problems:
            raise click.ClickException(f"用户 {username} 的密码不符合要求：" + "；".join(problems) + "。")
        role = sm.find_role(role_name)
        user = sm.add_user(username, first, last, email or f"{username}@school.local", role, password=password)
        if not user:
            raise click.ClickException(f"无法创建用户 {username}")
    return user


def register(app: Flask) -> None:
    from app.platform import backup

    backup.register(app)  # flask backup / flask restore

    @app.cli.command("pinyin-backfill")
    def pinyin_backfill_command() -> None:
        """补全姓名、名称的拼音检索列（批量导入数据之后运行）。"""
        from app.extensions import engine
        from app.meta.pinyin import backfill

        click.echo(f"已补全 {backfill(engine().appbuilder.session)} 条记录的拼音。")

    @app.cli.command("uploads-to-db")
    def uploads_to_db_command() -> None:
        """把 UPLOAD_FOLDER 里的照片文件复制进数据库（多台服务器共用；磁盘上的文件保留，可重复运行）。"""
        from app.features.uploads import load_folder

        copied, present = load_folder()
        click.echo(f"已复制 {copied} 个照片文件到数据库，{present} 个已在数据库中。")

    @app.cli.command("init")
    @click.option("--admin", "admin_username", default="admin", show_default=True, help="管理员用户名")
    @click.option("--password", "admin_password", default=None, help="管理员密码（也可用环境变量 ADMIN_PASSWORD）")
    def init_command(admin_username: str, admin_password: str | None) -> None:
        """升级数据库结构并创建角色与管理员账号（生产环境初始化）。"""
        password = admin_password or os.environ.get("ADMIN_PASSWORD")
        prepare_database()
        from app.extensions import engine

        if engine().appbuilder.sm.find_user(username=admin_username) is None:
            if not password:
                password = click.prompt("请设置管理员密码", hide_input=True, confirmation_prompt=True)
            ensure_user(admin_username, password, current_app.config["AUTH_ROLE_ADMIN"], "系统", "管理员")
            click.echo(f"已创建管理员账号 {admin_username}")
        click.echo("数据库已是最新结构，角色与权限已同步。")
