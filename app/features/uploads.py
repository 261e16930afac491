"""Uploaded images: a form field that checks and stores them, and a route that serves them to readers.

A column declared with ``photo("照片")`` (app/declare/fields.py) is a String column whose value is
``"2026/11/<32 hex>.png|原始文件名.png"``: the key of the stored file (year/month, a random unique name, the
extension of the sniffed type), then the name the file had on the uploader's computer, Chinese kept, shown on
pages and sent back in Content-Disposition. The value travels with its record (and its audit history).

The bytes live in the database's file store (app/platform/file_store.py) under that key, so every host serves
every photo. Files written under UPLOAD_FOLDER before that are still served from there; ``flask uploads-to-db``
copies them into the store.

An upload is accepted only if its extension is jpg, jpeg, png, gif or webp, its first bytes are that
kind of image, and it is at most UPLOAD_MAX_MB (default 5); otherwise the field shows why in Chinese and
nothing is saved. MAX_CONTENT_LENGTH stays the hard cap of a request (413 → the Chinese error page).
A photo is stored provisional (UPLOAD_KEEP_HOURS) and becomes permanent in the transaction that saves a record
holding it: one chosen for a save that is then refused (a model rule, a conflict) is kept for the next try, and
swept once its time has passed if no save ever took it. Replaced photos are kept: the audit log still names them.

``/upload/<stored>`` serves a file only to a login user who may read (``can_read``) a model with a
record, within the user's data scope, whose upload column holds that file; anything else is 404.
"""
from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, request, send_file, url_for
from markupsafe import Markup
from sqlalchemy import event, inspect, or_
from werkzeug.datastructures import FileStorage
from werkzeug.security import safe_join
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from app.meta import clock
from app.platform import file_store
from app.rules import read

KINDS = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp"}  # extension → sniffed type
STORED_EXTENSION = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp"}
MIMETYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
ACCEPT = "image/jpeg,image/png,image/gif,image/webp,.jpg,.jpeg,.png,.gif,.webp"
TYPE_MESSAGE = "只能上传 jpg、png、gif、webp 图片"
SIZE_MESSAGE = "文件不能超过 {mb} MB"
STORED = re.compile(r"\d{4}/\d{2}/[0-9a-f]{32}\.(?:jpg|png|gif|webp)")
SEPARATOR = "|"
NAME_LIMIT = 100
CLEAR = "__clear__"
DEFAULT_MAX_MB = 5
DEFAULT_KEEP_HOURS = 24
KIND = "upload"


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

def split(value: Any) -> tuple[str, str]:
    """(stored path, original name) of a column value; ("", "") when empty."""
    if not value:
        return "", ""
    stored, _, name = str(value).partition(SEPARATOR)
    return stored, name or stored.rsplit("/", 1)[-1]


def original_name(filename: str | None) -> str:
    """The uploader's file name without folders or control characters; Chinese kept."""
    raw = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    raw = "".join(ch for ch in raw if ch.isprintable() and ch != SEPARATOR).strip()
    if len(raw) > NAME_LIMIT:
        stem, dot, ext = raw.rpartition(".")
        raw = (stem[:NAME_LIMIT - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else raw[:NAME_LIMIT]
    return raw or "图片"


def sniff(head: bytes) -> str | None:
    """The image type the first bytes announce: jpeg, png, gif or webp, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def max_mb() -> int | float:
    return current_app.config.get("UPLOAD_MAX_MB", DEFAULT_MAX_MB)


def help_text() -> str:
    return f"可上传 jpg、png、gif、webp 图片，不超过 {max_mb():g} MB"


def folder() -> Path:
    return Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")


def check(upload: FileStorage) -> str | None:
    """Why ``upload`` is refused (a Chinese message), or None."""
    name = original_name(upload.filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in KINDS:
        return TYPE_MESSAGE
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > max_mb() * 1024 * 1024:
        return SIZE_MESSAGE.format(mb=f"{max_mb():g}")
    head = stream.read(16)
    stream.seek(0)
    if sniff(head) != KINDS[ext]:
        return TYPE_MESSAGE
    return None


def store(upload: FileStorage, staged: bool = True) -> str:
    """Put a checked upload in the file store under yyyy/mm/<random name>; return the column value.

    ``staged``: written in the request's transaction, so that it goes if the save is rolled back; otherwise
    committed at once, for a form that must be sent again (see ImageUploadField). Either way it stays
    provisional until a record holding it is saved."""
    upload.stream.seek(0)
    data = upload.stream.read()
    upload.stream.seek(0)
    ext = STORED_EXTENSION[sniff(data[:16])]
    now = clock.now()
    stored = f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{ext}"
    name = original_name(upload.filename)
    hours = current_app.config.get("UPLOAD_KEEP_HOURS", DEFAULT_KEEP_HOURS)
    fields = {"kind": KIND, "content_type": MIMETYPES[ext], "name": name, "owner_id": _user_id(),
              "expires_at": now + timedelta(hours=hours)}
    if staged:
        file_store.put(_session().connection(), stored, data, **fields)
    else:
        file_store.put_now(stored, data, **fields)
    return f"{stored}{SEPARATOR}{name}"


def _user_id() -> int | None:
    from flask_login import current_user

    return getattr(current_user, "id", None)


# A photo chosen on a form whose save is then refused is kept: the page sent back carries it, signed, so the
# person need not choose it again (the browser cannot refill a file input).
KEPT_SUFFIX = "__kept"


def _kept_serializer():
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kept-upload")


def kept_token(value: str) -> str:
    from flask_login import current_user

    return _kept_serializer().dumps([value, getattr(current_user, "id", None)])


def kept_value(token: str) -> str | None:
    """The column value a kept-upload token names, if it was signed here for the login user and the file has not
    been swept since."""
    from flask_login import current_user
    from itsdangerous import BadSignature

    try:
        value, user_id = _kept_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if user_id != getattr(current_user, "id", None) or not isinstance(value, str):
        return None
    stored = split(value)[0]
    return value if STORED.fullmatch(stored) and file_store.exists(_session(), stored) else None


def _session():
    from app.extensions import db

    return db.session


# A photo becomes permanent in the transaction that saves a record holding it, whichever way it was saved.
_UPLOAD_ATTRIBUTES: dict[type, tuple[str, ...]] = {}


def _upload_attributes(cls: type) -> tuple[str, ...]:
    if cls not in _UPLOAD_ATTRIBUTES:
        mapper = inspect(cls, raiseerr=False)
        _UPLOAD_ATTRIBUTES[cls] = tuple(
            prop.key for prop in (mapper.column_attrs if mapper is not None else ())
            if any(column.info.get("upload") for column in prop.columns))
    return _UPLOAD_ATTRIBUTES[cls]


def _flushed(session, _context) -> None:
    keys = []
    for obj in list(session.new) + list(session.dirty):
        attributes = _upload_attributes(type(obj))
        if attributes:
            state = inspect(obj)
            keys += [split(value)[0] for key in attributes for value in state.attrs[key].history.added if value]
    if keys:
        file_store.make_permanent(session.connection(), keys)


# ---------------------------------------------------------------------------------------------
# The form field
# ---------------------------------------------------------------------------------------------

class ImageUploadWidget:
    def __call__(self, field: "ImageUploadField", **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        kwargs.pop("class_", None)
        kwargs.pop("class", None)
        kwargs.pop("required", None)
        current = Markup("")
        if field.kept:
            stored, name = split(field.kept)
            current = Markup(
                '<div class="engine-upload-current engine-upload-kept"><img src="{0}" alt="{1}" '
                'style="max-width:160px;max-height:120px"> 已选择 {1}，保存时一并保存'
                '<input type="hidden" name="{2}" value="{3}"></div>').format(
                url_for("uploads.serve", stored=stored, kept=field.kept_token), name,
                field.name + KEPT_SUFFIX, field.kept_token)
        else:
            stored, name = split(field.data) if isinstance(field.data, str) else ("", "")
            if stored:
                url = url_for("uploads.serve", stored=stored)
                current = Markup(
                    '<div class="engine-upload-current"><a href="{0}" target="_blank" rel="noopener">'
                    '<img src="{0}" alt="{1}" style="max-width:160px;max-height:120px"> {1}</a> '
                    '<label class="checkbox-inline"><input type="checkbox" name="{2}" value="{3}"> 删除此照片</label>'
                    '</div>').format(url, name, field.name, CLEAR)
        attrs = html_params(type="file", name=field.name, accept=ACCEPT, **kwargs)
        return current + Markup(f"<input {attrs}>")


class ImageUploadField(Field):
    """An image upload; ``data`` is the column value. Nothing chosen keeps the current image.

    A valid image is written when the form is checked, so that a save refused for another field keeps it
    (``kept``): the page sent back shows it and carries a signed token naming it."""

    widget = ImageUploadWidget()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.upload: FileStorage | None = None
        self.clear = False
        self.kept: str | None = None
        self.kept_token = ""

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        token = formdata.get(self.name + KEPT_SUFFIX) if formdata is not None else None
        if token and self.upload is None:
            self.kept = kept_value(token)
            self.kept_token = token if self.kept else ""

    def process_formdata(self, valuelist):
        self.upload = next((v for v in valuelist if isinstance(v, FileStorage) and v.filename), None)
        self.clear = CLEAR in [v for v in valuelist if isinstance(v, str)]

    def pre_validate(self, form):
        if self.upload is not None:
            message = check(self.upload)
            if message:
                raise StopValidation(message)
            if self.kept is None:
                self.kept = store(self.upload, staged=False)
                self.kept_token = kept_token(self.kept)

    def populate_obj(self, obj, name):
        if self.kept is not None:
            setattr(obj, name, self.kept)
        elif self.upload is not None:
            setattr(obj, name, store(self.upload))
        elif self.clear:
            setattr(obj, name, None)


# ---------------------------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------------------------

bp = Blueprint("uploads", __name__)


def upload_columns() -> list[tuple[type, Any]]:
    from app.extensions import engine

    return [(model, column) for model in engine().models for column in model.__table__.columns
            if column.info.get("upload")]


def _readable_value(stored: str) -> str | None:
    """The column value naming ``stored`` on a record the login user may read, or None."""
    from app.extensions import db, engine

    sm = engine().appbuilder.sm
    for model, column in upload_columns():
        if not sm.has_access("can_read", model.__name__):
            continue
        attr = getattr(model, column.key)
        query = read.query(db.session, model, or_(attr == stored, attr.startswith(stored + SEPARATOR)),
                           entity=attr)
        value = query.limit(1).scalar()
        if value:
            return value
    return None


@bp.route("/upload/<path:stored>")
def serve(stored: str):
    from flask_login import current_user

    if not current_user.is_authenticated:
        abort(403)
    if not STORED.fullmatch(stored):
        abort(404)
    value = _readable_value(stored)
    kept = kept_value(request.args.get("kept", "")) if value is None else None
    if kept is not None and split(kept)[0] == stored:  # the uploader's own photo on a form not yet saved
        value = kept
    if value is None:
        abort(404)
    row = file_store.read(_session(), stored)
    body = io.BytesIO(row.data) if row is not None else _on_disk(stored)
    if body is None:
        abort(404)
    name = split(value)[1]
    response = send_file(body, mimetype=MIMETYPES[stored.rsplit(".", 1)[-1]], download_name=name,
                         as_attachment=request.args.get("download") == "1", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _on_disk(stored: str) -> str | None:
    """A file written under UPLOAD_FOLDER before photos lived in the database."""
    path = safe_join(str(folder()), stored)
    return path if path is not None and Path(path).is_file() else None


def load_folder() -> tuple[int, int]:
    """Copy the files under UPLOAD_FOLDER into the file store, each in its own transaction; (copied, already there).
    The files stay on disk: this may run again, on any host, at any time."""
    from app.extensions import db

    copied = present = 0
    root = folder()
    for path in sorted(root.rglob("*")) if root.is_dir() else ():
        stored = path.relative_to(root).as_posix()
        if not path.is_file() or not STORED.fullmatch(stored):
            continue
        with db.engine.begin() as connection:
            if file_store.exists(connection, stored):
                present += 1
                continue
            file_store.put(connection, stored, path.read_bytes(), kind=KIND,
                           content_type=MIMETYPES[stored.rsplit(".", 1)[-1]], name=path.name)
        copied += 1
    return copied, present


def thumbnail(value: Any) -> Markup | str:
    """An upload column on a detail page: a thumbnail linking to the image, and its original name."""
    stored, name = split(value)
    if not stored:
        return ""
    if not STORED.fullmatch(stored):
        return name
    url = url_for("uploads.serve", stored=stored)
    return Markup('<a href="{0}" target="_blank" rel="noopener" class="engine-upload">'
                  '<img src="{0}" alt="{1}" style="max-width:240px;max-height:180px;display:block"> {1}</a>'
                  ).format(url, name)


def register(app: Flask) -> None:
    from app.extensions import db

    app.register_blueprint(bp)
    if not event.contains(db.session, "after_flush", _flushed):
        event.listen(db.session, "after_flush", _flushed)
