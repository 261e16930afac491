"""Peak memory of 导入: a normal 10,000-row student .xlsx read, previewed and imported, against a 0.3 MB
"zip bomb" whose shared strings unpack to 120 MB, refused before parsing (app/features/imports/reading.py).

    .venv/bin/python bench/import_memory.py                 # fresh SQLite file in bench/results/
    .venv/bin/python bench/import_memory.py --unguarded 20  # also read a 20 MB-unpacking bomb with the caps lifted

Each step runs alone under tracemalloc (the peak of Python allocations during that step, above what was held
before it); the last column is the process's peak resident size so far (ru_maxrss).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import prepare_environment, student_file  # noqa: E402

from tests import xlsx_bomb  # noqa: E402  (the same crafted workbook the tests refuse)


def bomb(shared_strings_mb: int) -> bytes:
    return xlsx_bomb.bomb(student_file(1), shared_strings_mb)


def measured(label: str, step):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = step()
    except Exception as exc:  # the refusal is the expected outcome of some steps
        result = exc
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<38}{seconds:>8.2f}{peak / 1024 / 1024:>12.2f}{rss:>12.0f}  {str(result)[:70]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--unguarded", type=int, default=0, help="MB a bomb read with the caps lifted unpacks to")
    args = parser.parse_args()
    prepare_environment()
    from flask_appbuilder.security.sqla.models import User
    from flask_login import login_user

    from app import create_app
    from app.extensions import db
    from app.features.imports import read, run
    from demo.loader import load_demo
    from models.dorms import Student

    app = create_app({"WTF_CSRF_ENABLED": False, "DEMO_MODE": True})
    with app.app_context():
        load_demo(scale=1)
        db.session.remove()
    normal, bombed = student_file(args.rows), bomb(120)
    print(f"学生名单 {args.rows:,} 行：{len(normal) / 1e6:.2f} MB；炸弹：{len(bombed) / 1e6:.2f} MB，解压后 120 MB")
    print(f"{'步骤':<34}{'秒':>8}{'峰值 MB':>12}{'进程 RSS MB':>12}  结果")
    with app.test_request_context("/"):
        login_user(db.session.query(User).filter_by(username="admin").one())
        measured("炸弹：拒绝（解压前检查）", lambda: read(bombed, "xlsx"))
        sheet = measured(f"正常文件：读取 .xlsx（{args.rows:,} 行）", lambda: read(normal, "xlsx"))
        measured("正常文件：预览（检查后回滚）", lambda: run(db.session, Student, sheet, commit=False).summary)
        measured("正常文件：导入（提交）", lambda: run(db.session, Student, sheet, commit=True).summary)
        if args.unguarded:
            app.config.update(IMPORT_MAX_UNCOMPRESSED_MB=10_000, IMPORT_MAX_SHARED_STRINGS_MB=10_000,
                              IMPORT_MAX_COMPRESSION_RATIO=10_000)
            small = bomb(args.unguarded)
            measured(f"不设防：解析解压后 {args.unguarded} MB 的炸弹", lambda: len(read(small, "xlsx").rows))
        db.session.remove()


if __name__ == "__main__":
    main()
