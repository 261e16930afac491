"""Where an uploaded file is kept between its preview and the confirmed import: a row of the database's file store
(app/platform/file_store.py) under a random token, so that the confirm may reach any host."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask import current_app

from app.meta import clock
from app.platform import file_store

DEFAULT_KEEP_MINUTES = 60
TOKEN = re.compile(r"[0-9a-f]{32}")
KIND = "import"
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}
EXTENSIONS = tuple(CONTENT_TYPES)


def keep_seconds() -> float:
    return float(current_app.config.get("IMPORT_KEEP_MINUTES", DEFAULT_KEEP_MINUTES)) * 60


def _key(token: str) -> str:
    return f"{KIND}/{token}"


def sweep() -> None:
    """Remove files left by previews nobody confirmed (and every other provisional file past its time)."""
    file_store.sweep()


def keep(data: bytes, ext: str, model: type, user_id: int, original: str) -> str:
    token = secrets.token_hex(16)
    file_store.put_now(_key(token), data, kind=KIND, content_type=CONTENT_TYPES[ext], name=original,
                       owner_id=user_id, purpose=model.__name__,
                       expires_at=clock.now() + timedelta(seconds=keep_seconds()))
    return token


def kept(token: str, model: type, user_id: int, claim: bool = False) -> tuple[bytes, str, str] | None:
    """(data, extension, original name) of a file this user uploaded for this model, if still kept.

    ``claim``: taken for the import — a second confirm of the same file (a double click, another host) finds
    nothing."""
    if not TOKEN.fullmatch(token or ""):
        return None
    owned = {"kind": KIND, "owner_id": user_id, "purpose": model.__name__}
    if claim:
        row = file_store.take(_key(token), **owned)
    else:
        from app.extensions import db

        row = file_store.read(db.session, _key(token))
        if row is not None and any(getattr(row, column) != value for column, value in owned.items()):
            row = None
    if row is None:
        return None
    ext = next((e for e, kind in CONTENT_TYPES.items() if kind == row.content_type), None)
    if ext is None or (row.expires_at is not None and row.expires_at < clock.now()):
        forget(token)
        return None
    return bytes(row.data), ext, row.name


def forget(token: str) -> None:
    if TOKEN.fullmatch(token or ""):
        file_store.forget(_key(token))


def original_name(filename: str | None) -> str:
    raw = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in raw if ch.isprintable()).strip()[:100] or "导入文件"
