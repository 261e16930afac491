"""Where an uploaded file is kept between its preview and the confirmed import (<instance>/imports/, a random token)."""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

DEFAULT_KEEP_MINUTES = 60
TOKEN = re.compile(r"[0-9a-f]{32}")
EXTENSIONS = ("xlsx", "csv")


def folder() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def keep_seconds() -> float:
    return float(current_app.config.get("IMPORT_KEEP_MINUTES", DEFAULT_KEEP_MINUTES)) * 60


def sweep() -> None:
    """Remove files left by previews nobody confirmed."""
    limit = time.time() - keep_seconds()
    for path in folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove old import file %s", path)


def keep(data: bytes, ext: str, model: type, user_id: int, original: str) -> str:
    token = secrets.token_hex(16)
    base = folder()
    (base / f"{token}.{ext}").write_bytes(data)
    note = {"user": user_id, "model": model.__name__, "ext": ext, "name": original, "time": time.time()}
    (base / f"{token}.json").write_text(json.dumps(note, ensure_ascii=False), encoding="utf-8")
    return token


def kept(token: str, model: type, user_id: int, claim: bool = False) -> tuple[bytes, str, str] | None:
    """(data, extension, original name) of a file this user uploaded for this model, if still kept.

    ``claim``: taken for the import — a second confirm of the same file (a double click) finds nothing."""
    if not TOKEN.fullmatch(token or ""):
        return None
    base = folder()
    try:
        note = json.loads((base / f"{token}.json").read_text(encoding="utf-8"))
        if note.get("user") != user_id or note.get("model") != model.__name__ or note.get("ext") not in EXTENSIONS:
            return None
        if time.time() - float(note.get("time", 0)) > keep_seconds():
            forget(token)
            return None
        if claim:
            os.rename(base / f"{token}.json", base / f"{token}.claimed")  # atomic: only one confirm gets it
        return (base / f"{token}.{note['ext']}").read_bytes(), note["ext"], str(note.get("name") or "")
    except (OSError, ValueError):
        return None


def forget(token: str) -> None:
    if not TOKEN.fullmatch(token or ""):
        return
    for ext in EXTENSIONS + ("json", "claimed"):
        try:
            (folder() / f"{token}.{ext}").unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove import file %s", token)


def original_name(filename: str | None) -> str:
    raw = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in raw if ch.isprintable()).strip()[:100] or "导入文件"
