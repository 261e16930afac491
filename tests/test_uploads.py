"""Photos: only real jpg/png/gif/webp images up to UPLOAD_MAX_MB are stored, under a random name with the
original (Chinese) name kept, in the database (every host sees them); they are served only to users who may read
a record holding them."""
from __future__ import annotations

import io
import struct
import uuid
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest

from app.meta import clock
from tests.conftest import DEMO_PASSWORD, flashes, login

NAME = "维修现场照片（3号楼）.png"


def png_bytes() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def files(app) -> set[str]:
    """The keys of the stored photos (and anything written under UPLOAD_FOLDER, where nothing should be)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.platform.file_store import TABLE

    root = Path(app.config["UPLOAD_FOLDER"])
    with app.app_context(), db.engine.connect() as connection:
        keys = set(connection.execute(select(TABLE.c.key).where(TABLE.c.kind == "upload")).scalars())
    return keys | ({p.as_posix() for p in root.rglob("*") if p.is_file()} if root.exists() else set())


def stored_row(app, key: str):
    from app.extensions import db
    from app.platform.file_store import read

    with app.app_context(), db.engine.connect() as connection:
        return read(connection, key)


def admin_staff(app, db):
    from models.org import Staff

    user = app.appbuilder.sm.find_user(username="admin")
    return db.session.query(Staff).filter_by(user_id=user.id).one()


def order_form(app, db, title: str, **extra) -> dict:
    staff = admin_staff(app, db)
    data = {"title": title, "category": "water", "urgency": "normal", "place": "3号楼 102",
            "description": "水管漏水", "reporter": staff.id, "department": staff.department_id,
            "reported_at": clock.now().strftime("%Y-%m-%d %H:%M:%S")}
    data.update(extra)
    return data


def upload(content: bytes, name: str):
    return io.BytesIO(content), name


def find_order(db, title: str):
    from models.repairs import RepairOrder

    db.session.expire_all()
    return db.session.query(RepairOrder).filter_by(title=title).one_or_none()


@pytest.fixture
def stored_photo(app, db, admin):
    title = f"上传测试：漏水 {uuid.uuid4().hex[:8]}"
    response = admin.post("/repair-order/add", data=order_form(app, db, title, photo=upload(png_bytes(), NAME)))
    assert response.status_code == 302, flashes(response.text)
    order = find_order(db, title)
    yield order
    db.session.rollback()
    db.session.delete(db.session.get(type(order), order.id))  # tests leave no documents behind
    db.session.commit()


def test_a_chinese_named_png_is_stored_and_served_back_with_its_name(app, db, admin, stored_photo):
    stored, _, name = stored_photo.photo.partition("|")
    assert name == NAME
    now = clock.now()
    assert stored.startswith(f"{now:%Y}/{now:%m}/") and stored.endswith(".png")
    assert len(Path(stored).stem) == 32  # random, unique
    row = stored_row(app, stored)
    assert row.data == png_bytes() and row.name == NAME and row.content_type == "image/png"
    assert row.expires_at is None  # its record is saved: permanent
    assert not Path(app.config["UPLOAD_FOLDER"], stored).exists()  # nothing on this host's disk

    served = admin.get(f"/upload/{stored}")
    assert served.status_code == 200 and served.data == png_bytes()
    assert served.mimetype == "image/png"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("inline") and f"filename*=UTF-8''{quote(NAME)}" in disposition
    download = admin.get(f"/upload/{stored}?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in served.headers["Cache-Control"]

    page = admin.get(f"/repair-order/show/{stored_photo.id}").text  # a thumbnail linking to the image
    assert f'src="/upload/{stored}"' in page and "维修现场照片（3号楼）.png" in page
    edit = admin.get(f"/repair-order/edit/{stored_photo.id}").text
    assert 'type="file"' in edit and f'src="/upload/{stored}"' in edit and "删除此照片" in edit
    assert 'type="file"' in admin.get("/hazard/add").text  # the other photo column too


def test_editing_without_a_file_keeps_the_photo_and_clearing_removes_it(app, db, admin, stored_photo):
    photo, title = stored_photo.photo, stored_photo.title
    form = order_form(app, db, title, seen_version=str(stored_photo.row_version), place="3号楼 103")
    response = admin.post(f"/repair-order/edit/{stored_photo.id}", data=form)
    assert response.status_code == 302, flashes(response.text)
    order = find_order(db, title)
    assert order.photo == photo and order.place == "3号楼 103"

    form.update(seen_version=str(order.row_version), photo="__clear__")
    assert admin.post(f"/repair-order/edit/{order.id}", data=form).status_code == 302
    assert find_order(db, title).photo is None
    assert stored_row(app, photo.partition("|")[0]) is not None  # kept: the audit log names it


def test_an_exe_renamed_png_is_refused_in_chinese_and_nothing_is_saved(app, db, admin):
    before = files(app)
    response = admin.post("/repair-order/add", data=order_form(app, db, "上传测试：伪装文件",
                                                               photo=upload(EXE, "照片.png")))
    assert response.status_code == 200
    assert "只能上传 jpg、png、gif、webp 图片" in response.text
    assert 'value="上传测试：伪装文件"' in response.text  # the other typed values are kept
    assert find_order(db, "上传测试：伪装文件") is None and files(app) == before

    for content, name in ((png_bytes(), "照片.exe"), (png_bytes(), "照片.svg"), (b"", "空.png"),
                          (b"GIF89a" + b"\x00" * 20, "动图.png")):
        response = admin.post("/repair-order/add", data=order_form(app, db, "上传测试：伪装文件",
                                                                   photo=upload(content, name)))
        assert "只能上传 jpg、png、gif、webp 图片" in response.text, name
    assert find_order(db, "上传测试：伪装文件") is None and files(app) == before


def test_oversize_files_are_refused(app, db, admin):
    before = files(app)
    big = png_bytes() + b"\x00" * (5 * 1024 * 1024)
    response = admin.post("/repair-order/add", data=order_form(app, db, "上传测试：大文件", photo=upload(big, "大.png")))
    assert response.status_code == 200 and "文件不能超过 5 MB" in response.text
    assert find_order(db, "上传测试：大文件") is None and files(app) == before

    huge = png_bytes() + b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 1)  # past the hard cap of any request
    response = admin.post("/repair-order/add", data=order_form(app, db, "上传测试：大文件", photo=upload(huge, "巨.png")))
    assert response.status_code == 413 and "文件太大" in response.text
    assert find_order(db, "上传测试：大文件") is None and files(app) == before


def test_a_refused_save_keeps_the_chosen_photo_for_the_next_try(app, db, admin):
    """A model rule refuses the save: nothing is saved, but the photo is not lost — the page sent back shows it
    and carries it (signed), so the corrected form is saved with it without choosing the file again."""
    import re

    before = files(app)
    refused = admin.post("/repair-order/add", data=order_form(app, db, "上传测试：缺地点", place="",
                                                              photo=upload(png_bytes(), "好照片.png")))
    assert refused.status_code == 200 and "请填写地点或选择房间/场所" in refused.text  # a model rule refused it
    assert find_order(db, "上传测试：缺地点") is None
    assert "已选择 好照片.png" in refused.text
    token = re.search(r'name="photo__kept" value="([^"]+)"', refused.text).group(1)
    kept = files(app) - before
    assert len(kept) == 1  # written once, kept for the next try
    assert stored_row(app, next(iter(kept))).expires_at is not None  # provisional: no record holds it yet
    preview = re.search(r'<img src="(/upload/[^"]+)"', refused.text).group(1).replace("&amp;", "&")
    assert admin.get(preview).status_code == 200  # the uploader sees it before it belongs to any record
    other = app.test_client()
    login(other, "xiaozhang", DEMO_PASSWORD)
    assert other.get(preview).status_code == 404  # nobody else, even with the link

    data = order_form(app, db, "上传测试：缺地点", place="教学楼 101")
    data["photo__kept"] = token
    saved = admin.post("/repair-order/add", data=data)
    assert saved.status_code == 302
    order = find_order(db, "上传测试：缺地点")
    assert order is not None and order.photo.endswith("|好照片.png")
    assert files(app) - before == kept  # the same file, no second copy
    assert stored_row(app, next(iter(kept))).expires_at is None  # the saved record made it permanent

    # A token is the uploader's own: another user (or an altered token) gets nothing from it.
    forged = order_form(app, db, "上传测试：冒用", place="教学楼 102")
    forged["photo__kept"] = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    admin.post("/repair-order/add", data=forged)
    assert find_order(db, "上传测试：冒用").photo is None
    db.session.delete(order)
    db.session.delete(find_order(db, "上传测试：冒用"))
    db.session.commit()


def test_only_readers_of_the_record_may_fetch_the_file(app, db, client, stored_photo):
    stored = stored_photo.photo.partition("|")[0]
    client.get("/logout/")
    assert client.get(f"/upload/{stored}").status_code in (302, 401, 403)  # not logged in

    sm = app.appbuilder.sm
    role = sm.find_role("上传测试无权限") or sm.add_role("上传测试无权限")
    if sm.find_user(username="upload_outsider") is None:
        sm.add_user("upload_outsider", "无", "权限", "upload_outsider@school.local", role, password="Outsider2026")
    assert login(client, "upload_outsider", "Outsider2026").status_code == 200
    assert client.get(f"/upload/{stored}").status_code in (403, 404)  # no can_read on 报修单

    client.get("/logout/")
    assert login(client, "jiaoshi", DEMO_PASSWORD).status_code == 200  # may read 报修单, but only their own
    assert client.get(f"/upload/{stored}").status_code == 404

    client.get("/logout/")
    assert login(client, "xiaozhang", DEMO_PASSWORD).status_code == 200  # 校长 reads every 报修单
    assert client.get(f"/upload/{stored}").status_code == 200
    client.get("/logout/")
    db.session.delete(sm.find_user(username="upload_outsider"))
    db.session.delete(sm.find_role("上传测试无权限"))
    db.session.commit()


def test_the_serving_route_refuses_paths_it_did_not_store(app, admin, stored_photo):
    stored = stored_photo.photo.partition("|")[0]
    root = Path(app.config["UPLOAD_FOLDER"])
    stray = root / stored.replace(Path(stored).stem, "0" * 32)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(png_bytes())  # a file on disk that no record names
    try:
        attempts = [
            "/upload/" + stray.relative_to(root).as_posix(),
            "/upload/../secret_key",
            "/upload/..%2F..%2Fsecret_key",
            "/upload/%2e%2e/%2e%2e/secret_key",
            f"/upload/{stored[:8]}../../secret_key",
            f"/upload/{stored}/../../../secret_key",
            "/upload//etc/passwd",
            "/upload/" + quote("/etc/passwd", safe=""),
            f"/upload/{stored}%00.png",
            f"/upload/{stored.upper()}",
        ]
        for path in attempts:
            response = admin.get(path, follow_redirects=True)
            assert response.status_code in (400, 404), path
            assert b"test-only-secret" not in response.data and b"root:" not in response.data
    finally:
        stray.unlink()


def test_a_photo_stored_for_a_save_that_is_rolled_back_goes_with_it(app, db):
    from werkzeug.datastructures import FileStorage

    from app.features.uploads import store

    with app.test_request_context():
        value = store(FileStorage(io.BytesIO(png_bytes()), filename="回滚.png"))
        key = value.partition("|")[0]
        assert db.session.execute(db.text("SELECT name FROM stored_file WHERE key = :k"), {"k": key}).scalar() \
            == "回滚.png"
        db.session.rollback()
    assert stored_row(app, key) is None


def test_provisional_photos_past_their_time_are_swept_and_saved_ones_stay(app, db, stored_photo):
    from datetime import timedelta

    from werkzeug.datastructures import FileStorage

    from app.features.uploads import kept_token, kept_value, store
    from app.platform import file_store

    with app.test_request_context():
        value = store(FileStorage(io.BytesIO(png_bytes()), filename="没保存.png"), staged=False)
        token = kept_token(value)
    orphan = value.partition("|")[0]
    assert stored_row(app, orphan).expires_at is not None
    saved = stored_photo.photo.partition("|")[0]
    file_store.sweep()
    assert stored_row(app, orphan) is not None  # not yet: the next try may still save it
    with db.engine.begin() as connection:
        connection.execute(file_store.TABLE.update().where(file_store.TABLE.c.key == orphan)
                           .values(expires_at=clock.now() - timedelta(minutes=1)))
    assert file_store.sweep() >= 1
    assert stored_row(app, orphan) is None and stored_row(app, saved) is not None
    with app.test_request_context():
        assert kept_value(token) is None  # the form sent back asks for the photo again rather than keep a dead link


def test_photos_written_to_disk_before_the_store_are_served_and_loaded_by_uploads_to_db(app, db, admin,
                                                                                        stored_photo):
    """An installation upgraded from photos on disk: the old files are served from disk until
    ``flask uploads-to-db`` copies them into the database; the files stay where they were."""
    from app.platform import file_store

    now = clock.now()
    stored = f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}.png"
    old = Path(app.config["UPLOAD_FOLDER"]) / stored
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(png_bytes())
    stored_photo.photo = f"{stored}|旧照片.png"
    db.session.commit()
    file_store.forget(stored)  # saving the record wrote nothing: the bytes are only on disk
    assert stored_row(app, stored) is None
    served = admin.get(f"/upload/{stored}")
    assert served.status_code == 200 and served.data == png_bytes()

    result = app.test_cli_runner().invoke(args=["uploads-to-db"])
    assert result.exit_code == 0 and "已复制" in result.output, result.output
    row = stored_row(app, stored)
    assert row.data == png_bytes() and row.expires_at is None and old.exists()
    again = app.test_cli_runner().invoke(args=["uploads-to-db"])
    assert "已复制 0 个" in again.output
    old.unlink()
    assert admin.get(f"/upload/{stored}").data == png_bytes()
