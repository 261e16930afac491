"""`flask backup` and `flask restore`: the database and the uploaded files in one archive, and back.

An archive is a plain tar file ``<BACKUP_NAME>-YYYYMMDD-HHMMSS.tar`` holding

- ``manifest.json``: the database kind, its migration (alembic) revision, the rows of every table, when it was
  made, how many upload files;
- ``database.dump`` (PostgreSQL, ``pg_dump -Fc``) or ``database.sqlite`` (SQLite, copied with the online backup
  API, so the running app may keep writing);
- ``uploads/``: every file under UPLOAD_FOLDER. Uploads kept as rows of a table travel in the database itself.

On PostgreSQL the counts of the manifest are read in the very snapshot pg_dump dumps (``pg_export_snapshot``),
so they agree with the dump even while people keep working. The password never appears on a command line: it
is handed to pg_dump / pg_restore in PGPASSWORD.

A restore replaces the data of the configured database (PostgreSQL: ``pg_restore --clean --if-exists
--no-owner`` in one transaction; SQLite: the online backup API writes the saved database over the file), adds the
saved upload files back (files made after the backup stay), then counts the rows of every table against the
manifest. A backup from a newer program (a revision these migrations do not know) is refused; one from an older
version is restored and the operator told to run ``flask db upgrade``.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

import click
from flask import Flask, current_app
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import URL, Connection

from app.meta import clock

MANIFEST = "manifest.json"
PG_DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite"
UPLOADS = "uploads"
DEFAULT_NAME = "backup"
DEFAULT_KEEP = 14
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Chinese)."""


# ---------------------------------------------------------------------------------------------
# What a database holds
# ---------------------------------------------------------------------------------------------

def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows of every table, by name."""
    return {name: conn.execute(text(f"SELECT count(*) FROM {_quote(conn, name)}")).scalar_one()
            for name in sorted(inspect(conn).get_table_names())}


def revision(conn: Connection) -> str | None:
    """The migration revision the database stands at (None: never migrated)."""
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrations_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.extensions import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.extensions import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


# ---------------------------------------------------------------------------------------------
# PostgreSQL client programs
# ---------------------------------------------------------------------------------------------

def _program(name: str) -> str:
    found = current_app.config.get(f"{name.upper()}_PATH") or shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（主版本不低于数据库服务器），"
                          f"或在配置 {name.upper()}_PATH 中写明它的位置。")
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The connection string for pg_dump/pg_restore without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query)  # not url.set(password=None): set() skips None and keeps the password
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what}失败（退出码 {result.returncode}）：{result.stderr.strip()}")


# ---------------------------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------------------------

def _dump_postgresql(url: URL, target: Path) -> dict:
    """pg_dump -Fc into ``target``; counts and revision read in the same snapshot."""
    dsn, env = _libpq(url)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = {"revision": revision(conn), "tables": table_counts(conn)}
            _run([_program("pg_dump"), "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target),
                  "-d", dsn], env, "pg_dump 导出数据库")
            conn.rollback()
    finally:
        engine.dispose()
    return facts


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复。")
    return Path(url.database)


def _dump_sqlite(url: URL, target: Path) -> dict:
    if not _sqlite_path(url).is_file():
        raise BackupError(f"数据库文件 {_sqlite_path(url)} 不存在（是否忘了设置 DATABASE_URL？）。")
    source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return {"revision": revision(conn), "tables": table_counts(conn)}
    finally:
        engine.dispose()


def _upload_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def backup_name() -> str:
    return current_app.config.get("BACKUP_NAME") or DEFAULT_NAME


def make_backup(database_url: str, upload_folder: Path, to: Path, keep: int = DEFAULT_KEEP) -> tuple[Path, dict]:
    """Write one archive into ``to`` (made if missing); keep only the newest ``keep`` (0: keep all)."""
    url = make_url(database_url)
    to.mkdir(parents=True, exist_ok=True)
    created = clock.now()
    archive = to / f"{backup_name()}-{created:%Y%m%d-%H%M%S}.tar"
    if archive.exists():
        raise BackupError(f"{archive} 已存在，请一秒后再试。")
    with tempfile.TemporaryDirectory(dir=to, prefix=".backup-") as work:
        if url.get_backend_name() == "postgresql":
            kind, member = "postgresql", PG_DUMP_NAME
            facts = _dump_postgresql(url, Path(work) / member)
        elif url.get_backend_name() == "sqlite":
            kind, member = "sqlite", SQLITE_NAME
            facts = _dump_sqlite(url, Path(work) / member)
        else:
            raise BackupError(f"不支持备份 {url.get_backend_name()} 数据库（只支持 PostgreSQL 和 SQLite）。")
        if facts["revision"] is None:  # e.g. cron without the service's DATABASE_URL: an empty default database
            raise BackupError("数据库中没有本系统的表（是否忘了设置 DATABASE_URL，或还没有运行 flask init？）。")
        uploads = _upload_files(upload_folder)
        manifest = {"format": FORMAT, "database": kind, "revision": facts["revision"],
                    "created": created.isoformat(), "tables": facts["tables"],
                    "rows": sum(facts["tables"].values()), "uploads": len(uploads)}
        partial = Path(work) / archive.name
        with tarfile.open(partial, "w") as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(Path(work) / member, arcname=member)
            for path in uploads:
                tar.add(path, arcname=f"{UPLOADS}/{path.relative_to(upload_folder).as_posix()}")
        partial.chmod(0o600)  # the archive holds password hashes and personal data
        partial.rename(archive)  # whole or not at all: a half-written archive never bears the name
    prune(to, keep)
    return archive, manifest


def backups(folder: Path) -> list[Path]:
    """The archives in ``folder``, oldest first (the names sort by time)."""
    return sorted(folder.glob(f"{backup_name()}-????????-??????.tar"))


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` archives; return what was removed."""
    if keep <= 0:
        return []
    old = backups(folder)[:-keep]
    for path in old:
        path.unlink()
    return old


# ---------------------------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------------------------

def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            return json.loads(member.read().decode("utf-8"))
    except (tarfile.TarError, KeyError, ValueError, OSError) as error:
        raise BackupError(f"{archive} 不是本系统的备份文件，或已损坏（{error}）。") from error


def _safe_member(name: str) -> PurePosixPath | None:
    """The path an archive member names, if it stays inside the folder it is unpacked to."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path


@contextmanager
def _unpacked(archive: Path, member: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="restore-") as work, tarfile.open(archive, "r") as tar:
        source = tar.extractfile(member)
        if source is None:
            raise BackupError(f"备份文件中缺少 {member}。")
        target = Path(work) / member
        with source, open(target, "wb") as out:
            shutil.copyfileobj(source, out)
        yield target


def check_revision(manifest: dict) -> str | None:
    """Refuse a backup of a newer program; return advice when it is older than the migrations' head."""
    saved, head = manifest.get("revision"), migrations_head()
    if saved == head:
        return None
    if saved is None or saved not in _known_revisions():
        raise BackupError(f"备份的数据库版本（{saved or '无'}）不是本程序的任何迁移版本：它来自更新的程序版本。"
                          "请先把程序更新到做备份时的版本（或更新），再恢复。")
    return (f"备份的数据库版本 {saved} 早于本程序的 {head}：恢复后请运行 "
            "flask --app run db upgrade（或 flask --app run init）把表结构升级到最新。")


def _restore_postgresql(url: URL, archive: Path) -> None:
    dsn, env = _libpq(url)
    with _unpacked(archive, PG_DUMP_NAME) as dump:
        _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "-d", dsn, str(dump)], env, "pg_restore 恢复数据库")


def _restore_sqlite(url: URL, archive: Path) -> None:
    path = _sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _unpacked(archive, SQLITE_NAME) as saved:
        source = sqlite3.connect(saved)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("备份中的 SQLite 数据库已损坏，未做任何改动。")
            target = sqlite3.connect(path, timeout=30)
            try:
                source.backup(target)  # page by page under SQLite's own lock: never a half-replaced file
            finally:
                target.close()
        finally:
            source.close()


def _restore_uploads(archive: Path, upload_folder: Path) -> int:
    """Write the saved upload files back (over files of the same name); files made since stay. Return how many."""
    restored = 0
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            path = _safe_member(member.name)
            if path is None or path.parts[0] != UPLOADS or len(path.parts) < 2 or not member.isfile():
                continue
            target = upload_folder.joinpath(*path.parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            restored += 1
    return restored


def verify(database_url: str, manifest: dict) -> list[str]:
    """How the restored database differs from the manifest's counts (Chinese), empty when it agrees."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            counts = table_counts(conn)
    finally:
        engine.dispose()
    problems = [f"表 {name}：备份时 {rows} 行，恢复后 {counts.get(name, '不存在')}"
                for name, rows in manifest["tables"].items() if counts.get(name) != rows]
    problems += [f"表 {name} 不在备份中（恢复前就有的表，保留未动）"
                 for name in sorted(set(counts) - set(manifest["tables"]))]
    return problems


def restore_backup(archive: Path, database_url: str, upload_folder: Path) -> tuple[dict, int, list[str]]:
    """Replace the database with the archive's, add its uploads back; (manifest, files restored, problems)."""
    manifest = read_manifest(archive)
    url = make_url(database_url)
    kind = url.get_backend_name()
    if manifest.get("database") != kind:
        raise BackupError(f"这是 {manifest.get('database')} 数据库的备份，而当前配置的是 {kind} 数据库，"
                          "不能直接恢复。")
    if kind == "postgresql":
        _restore_postgresql(url, archive)
    else:
        _restore_sqlite(url, archive)
    files = _restore_uploads(archive, upload_folder)
    return manifest, files, verify(database_url, manifest)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


def _database_url() -> str:
    from app.extensions import db

    return db.engine.url.render_as_string(hide_password=False)


def _upload_folder() -> Path:
    return Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="备份文件存放的文件夹（默认 instance/backups，最好是另一块磁盘）")
    @click.option("--keep", type=int, default=DEFAULT_KEEP, show_default=True,
                  help="只保留最新的几份备份，更早的删除（0 表示全部保留）")
    def backup_command(to: Path | None, keep: int) -> None:
        """备份数据库和上传的照片，打包成一个带时间的文件。"""
        folder = to or Path(current_app.config.get("BACKUP_FOLDER") or Path(current_app.instance_path) / "backups")
        try:
            archive, manifest = make_backup(_database_url(), _upload_folder(), folder, keep)
        except BackupError as error:
            _fail(f"备份失败：{error}")
        size = archive.stat().st_size / 1024 / 1024
        click.echo(f"{manifest['created']} 备份完成：{archive}（{size:.1f} MB，{len(manifest['tables'])} 张表，"
                   f"{manifest['rows']} 行数据，{manifest['uploads']} 个上传文件，数据库版本 {manifest['revision']}）")
        click.echo(f"文件夹中保留的备份：{len(backups(folder))} 份")

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="不再询问，直接用备份替换当前数据")
    def restore_command(archive: Path, yes: bool) -> None:
        """用备份文件替换当前数据库的全部数据，并放回上传的照片（先停止系统服务）。"""
        url = _database_url()
        try:
            manifest = read_manifest(archive)
            advice = check_revision(manifest)
        except BackupError as error:
            _fail(f"未恢复：{error}")
        click.echo(f"备份文件：{archive}（{manifest['created']} 制作，{manifest['rows']} 行数据，"
                   f"{manifest['uploads']} 个上传文件）")
        click.echo(f"将被替换的数据库：{_shown(url)}；上传文件夹：{_upload_folder()}")
        if not yes:
            try:
                confirmed = click.confirm("恢复会用备份替换当前数据库中的全部数据，确定继续吗？", default=False)
            except click.Abort:
                confirmed = False
            if not confirmed:
                _fail("未恢复：没有确认。要恢复请在提示时回答 y，或加上 --yes。")
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()  # this process's own connections must not hold locks on the tables being replaced
        try:
            manifest, files, problems = restore_backup(archive, url, _upload_folder())
        except BackupError as error:
            _fail(f"恢复失败：{error}")
        click.echo(f"恢复完成：{len(manifest['tables'])} 张表，{manifest['rows']} 行数据，放回 {files} 个上传文件。")
        if advice:
            click.echo(advice)
        if problems:
            _fail("核对发现与备份不一致：\n  " + "\n  ".join(problems))
        click.echo("核对无误：每张表的行数与备份时一致。")
