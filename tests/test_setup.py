"""Configuration from the environment, secrets never constant, schema only through migrations."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env) -> str:
    full_env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "INSTANCE_DIR")}
    full_env.update(env)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_secret_key_is_generated_once_per_instance_and_never_constant(tmp_path):
    code = "import config; print(config.SECRET_KEY)"
    first = run_python(code, INSTANCE_DIR=str(tmp_path / "a"))
    again = run_python(code, INSTANCE_DIR=str(tmp_path / "a"))
    other = run_python(code, INSTANCE_DIR=str(tmp_path / "b"))
    assert first == again and first != other and len(first) >= 32
    assert (tmp_path / "a" / "secret_key").read_text().strip() == first
    assert run_python(code, INSTANCE_DIR=str(tmp_path / "a"), SECRET_KEY="from-env") == "from-env"


def test_database_url_selects_postgresql_and_sqlite_is_the_default(tmp_path):
    code = "import config; print(config.SQLALCHEMY_DATABASE_URI)"
    assert run_python(code, INSTANCE_DIR=str(tmp_path)).startswith(f"sqlite:///{tmp_path}")
    url = run_python(code, INSTANCE_DIR=str(tmp_path), DATABASE_URL="postgres://u:p@db:5432/houqin")
    assert url == "postgresql://u:p@db:5432/houqin"


def test_chinese_and_shanghai(app):
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Shanghai"
    assert list(app.config["LANGUAGES"]) == ["zh"]


def test_no_secret_or_database_file_is_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if f.startswith("instance/") or f.endswith((".db", "secret_key"))]


def test_models_and_migrations_agree(app, db):
    """Every model change has a migration: autogenerate against the upgraded database finds nothing."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_appbuilder import Model

    def not_a_test_table(obj, name, type_, reflected, compare_to):
        if type_ == "index" and (name or "").startswith("trgm_"):
            return False  # PostgreSQL's trigram indexes: made by a migration only (as migrations/env.py says)
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
        return not (table or "").startswith("test_")  # tables that test modules declare

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": not_a_test_table})
        diff = compare_metadata(context, Model.metadata)
    assert diff == [], diff


def test_upgrade_keeps_data(tmp_path):
    """Data written at the first migration survives every later one and a repeated init."""
    db_url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    code = (
        "from app import create_app\n"
        "from app.extensions import MIGRATIONS\n"
        "from flask_migrate import upgrade\n"
        "from alembic.script import ScriptDirectory\n"
        "from alembic.config import Config\n"
        "from sqlalchemy import text\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    from app.extensions import db\n"
        "    from app.platform.cli import prepare_database\n"
        "    cfg = Config(); cfg.set_main_option('script_location', str(MIGRATIONS))\n"
        "    revisions = list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))\n"
        "    upgrade(directory=str(MIGRATIONS), revision=revisions[0].revision)\n"
        "    db.session.execute(text(\"INSERT INTO department (name, code, kind, row_version) "
        "VALUES ('升级前的部门', 'KEEP-1', 'admin', 1)\"))\n"
        "    db.session.commit()\n"
        "    prepare_database()\n"
        "    prepare_database()\n"
        "    print(db.session.execute(text(\"SELECT count(*) FROM department WHERE code='KEEP-1'\")).scalar())\n"
        "    print(len(revisions))\n"
    )
    out = run_python(code, INSTANCE_DIR=str(tmp_path), DATABASE_URL=db_url, SECRET_KEY="x").splitlines()
    assert out[-2] == "1"
    engine = create_engine(db_url)
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM department"))}
        assert "升级前的部门" in names and "后勤处" in names
        assert "asset" in inspect(conn).get_table_names()


def test_production_init_creates_one_administrator_and_no_demo_accounts(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DEMO_MODE")}
    env.update(INSTANCE_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}")
    flask = [sys.executable, "-m", "flask", "--app", "run", "init", "--admin", "chief", "--password", "Chief@2026x"]
    result = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "已创建管理员账号 chief" in result.stdout
    again = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "已创建" not in again.stdout  # idempotent, never a second admin
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        users = [r[0] for r in conn.execute(text("SELECT username FROM ab_user"))]
        roles = {r[0] for r in conn.execute(text("SELECT name FROM ab_role"))}
        departments = conn.execute(text("SELECT count(*) FROM department")).scalar()
        staff = conn.execute(text("SELECT count(*) FROM staff")).scalar()
    assert users == ["chief"]
    assert {"系统管理员", "校长", "后勤主任", "财产保管员", "教职工"} <= roles
    assert departments >= 10 and staff == 0  # the default tree, no demo people


def test_demo_loader_refuses_outside_demo_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "DEMO_MODE")}
    env.update(INSTANCE_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}")
    code = ("from app import create_app\nfrom demo.loader import load_demo\napp = create_app()\n"
            "with app.app_context():\n    load_demo()\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "演示" in result.stderr
