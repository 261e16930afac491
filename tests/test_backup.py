"""`flask backup` / `flask restore`: the demo database with an uploaded photo is backed up, restored into a
fresh database (another SQLite file; on PostgreSQL another database) and found equal, table by table and row by
row, and the photo byte for byte. A restore is refused without --yes, and a backup of a newer program is refused."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import create_engine, inspect, make_url, text

from tests.conftest import login
from tests.test_uploads import order_form, png_bytes, upload

PHOTO = "备份测试照片.png"


def fresh_database_url(source_url: str, tmp_path: Path) -> str:
    """An empty database beside the source one: a new SQLite file, or a new PostgreSQL database."""
    if not source_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    target = make_url(source_url).set(database=f"{make_url(source_url).database}_restored")
    server = create_engine(make_url(source_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    return target.render_as_string(hide_password=False)


def _plain(value):
    """PostgreSQL hands bytea back as a memoryview, whose repr names its address: compare its bytes."""
    return bytes(value) if isinstance(value, memoryview) else value


def tables_of(url: str) -> dict[str, tuple[int, str]]:
    """Every table: (rows, a hash of all its rows in a fixed order)."""
    engine = create_engine(url)
    found = {}
    try:
        with engine.connect() as conn:
            for name in sorted(inspect(conn).get_table_names()):
                quoted = conn.dialect.identifier_preparer.quote(name)
                rows = sorted(repr(tuple(_plain(value) for value in row))
                              for row in conn.execute(text(f"SELECT * FROM {quoted}")))
                found[name] = (len(rows), hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest())
    finally:
        engine.dispose()
    return found


def rewrite_manifest(archive: Path, target: Path, **changes) -> Path:
    """A copy of ``archive`` whose manifest says something else."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for member in source:
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest.update(changes)
                data = json.dumps(manifest).encode("utf-8")
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def restore(restored_app, *args, answer: str | None = None):
    """``flask restore …`` on the restored app (its own app context: a test's context would otherwise win)."""
    with restored_app.app_context():
        return restored_app.test_cli_runner().invoke(args=["restore", *map(str, args)], input=answer)


@pytest.fixture
def photo(app, db, admin):
    """A repair order with an uploaded photo; removed again at the end."""
    from models.repairs import RepairOrder

    title = f"备份测试：漏水 {uuid.uuid4().hex[:8]}"
    response = admin.post("/repair-order/add", data=order_form(app, db, title, photo=upload(png_bytes(), PHOTO)))
    assert response.status_code == 302
    db.session.expire_all()
    order = db.session.query(RepairOrder).filter_by(title=title).one()
    yield order.photo.partition("|")[0]
    db.session.rollback()
    db.session.delete(db.session.get(RepairOrder, order.id))
    db.session.commit()


@pytest.fixture
def restored_app(app, tmp_path):
    """A second app of the same program on a fresh, empty database and upload folder."""
    from app import create_app

    url = fresh_database_url(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    other = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": url,
                        "UPLOAD_FOLDER": str(tmp_path / "restored-uploads")})
    other.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    yield other
    with other.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    if url.startswith("postgresql"):
        server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        server.dispose()


def test_a_backup_restored_into_a_fresh_database_holds_the_same_rows_and_photo(app, photo, restored_app, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20200101-000000", "20200102-000000", "20200103-000000"):  # older backups, to be pruned
        (folder / f"houqin-backup-{stamp}.tar").write_bytes(b"old")

    result = app.test_cli_runner().invoke(args=["backup", "--to", str(folder), "--keep", "2"])
    assert result.exit_code == 0, result.output
    assert "备份完成" in result.output
    archives = sorted(folder.glob("houqin-backup-*.tar"))
    assert [a.name for a in archives][0] == "houqin-backup-20200103-000000.tar" and len(archives) == 2
    archive = archives[-1]
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    source_url = app.config["SQLALCHEMY_DATABASE_URI"]
    source = tables_of(source_url)
    assert manifest["database"] == make_url(source_url).get_backend_name()
    assert manifest["tables"] == {name: rows for name, (rows, _) in source.items()}
    assert manifest["revision"] and manifest["created"]
    if (Path(app.config["UPLOAD_FOLDER"]) / photo).is_file():
        assert f"uploads/{photo}" in names

    target_url = restored_app.config["SQLALCHEMY_DATABASE_URI"]
    for answer in ("n\n", ""):  # no, and no answer at all (a script without --yes)
        refused = restore(restored_app, archive, answer=answer)
        assert refused.exit_code != 0 and "未恢复" in refused.output
        assert tables_of(target_url) == {}  # untouched

    result = restore(restored_app, archive, "--yes")
    assert result.exit_code == 0, result.output
    assert "恢复完成" in result.output and "核对无误" in result.output

    restored = tables_of(target_url)
    assert set(restored) == set(source)
    differing = [name for name in source if restored[name] != source[name]]
    assert differing == [], differing
    assert sum(rows for rows, _ in restored.values()) > 1000  # the demo data, not two empty databases

    client = restored_app.test_client()
    assert login(client, "admin").status_code == 200
    served = client.get(f"/upload/{photo}")
    assert served.status_code == 200 and served.data == png_bytes()


def test_restore_refuses_a_backup_of_a_newer_program_and_advises_upgrade_after_an_older_one(
        app, restored_app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path), "--keep", "0"])
    assert result.exit_code == 0, result.output
    archive = next(tmp_path.glob("houqin-backup-*.tar"))
    target_url = restored_app.config["SQLALCHEMY_DATABASE_URI"]

    newer = rewrite_manifest(archive, tmp_path / "newer.tar", revision="ffffffffffff")
    refused = restore(restored_app, newer, "--yes")
    assert refused.exit_code != 0 and "更新的程序版本" in refused.output
    assert tables_of(target_url) == {}

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.extensions import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    first = list(ScriptDirectory.from_config(config).walk_revisions())[-1].revision
    older = rewrite_manifest(archive, tmp_path / "older.tar", revision=first)
    result = restore(restored_app, older, "--yes")
    assert result.exit_code == 0, result.output
    assert "db upgrade" in result.output


def test_restore_refuses_what_is_not_a_backup(restored_app, tmp_path):
    bogus = tmp_path / "houqin-backup-20200101-000000.tar"
    bogus.write_bytes(b"not a tar")
    result = restore(restored_app, bogus, "--yes")
    assert result.exit_code != 0 and "不是本系统的备份文件" in result.output


def test_an_empty_database_is_not_backed_up(restored_app, tmp_path):
    """Cron without the service's DATABASE_URL would reach an empty database: that is refused, not archived."""
    with restored_app.app_context():
        result = restored_app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path)])
    assert result.exit_code != 0 and "备份失败" in result.output and "DATABASE_URL" in result.output
    assert list(tmp_path.glob("*.tar")) == []


def test_the_password_reaches_pg_dump_in_the_environment_never_on_the_command_line():
    from app.platform.backup import _libpq

    dsn, env = _libpq(make_url("postgresql+psycopg2://houqin:s3cret@db.local:5433/houqin?sslmode=require"))
    assert "s3cret" not in dsn and env["PGPASSWORD"] == "s3cret"
    assert make_url(dsn) == make_url("postgresql://houqin@db.local:5433/houqin?sslmode=require")
