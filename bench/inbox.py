"""我的待办: what the top-bar count and the 我的待办 list cost per page, in time and SQL statements.

    .venv/bin/python bench/inbox.py --scale 10

Builds a temporary SQLite database with the demo data at the given scale, then for several demo accounts
measures ``app.features.inbox.awaiting_count`` (run on every page for the top bar) and ``app.features.inbox.awaiting``.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="houqin-bench-inbox-")
    os.environ["INSTANCE_DIR"] = tmp
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.setdefault("SECRET_KEY", "bench-only")

    from flask import g
    from flask_login import login_user
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.features import inbox
    from app.platform.cli import prepare_database
    from demo.loader import load_demo

    app = create_app({"TESTING": True, "DEMO_MODE": True})
    with app.app_context():
        prepare_database()
        load_demo(scale=args.scale)
    print(f"规模 {args.scale}；每个账号：计数（顶栏）与待办列表，各自的用时与 SQL 条数（含本请求首次读取权限）")
    for username in ("admin", "zongwu", "xiaozhang", "baoguan", "weixiu", "jiaoshi"):
        with app.test_request_context():
            user = app.appbuilder.sm.find_user(username=username)
            login_user(user)
            g.user = user
            statements = [0]

            def count(*_args, **_kwargs):
                statements[0] += 1

            event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            number = inbox.awaiting_count(user)
            count_ms, count_sql = (time.perf_counter() - started) * 1000, statements[0]
            statements[0] = 0
            started = time.perf_counter()
            listed = inbox.awaiting(user)
            list_ms, list_sql = (time.perf_counter() - started) * 1000, statements[0]
            event.remove(db.engine, "before_cursor_execute", count)
        print(f"{username:10s} 待办 {number:4d}  计数 {count_ms:6.1f} ms / {count_sql:3d} 条   "
              f"列表 {len(listed):4d} 项 {list_ms:6.1f} ms / {list_sql:3d} 条")


if __name__ == "__main__":
    main()
