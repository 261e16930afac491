"""The home page (dashboard and to-do count) without and with the cache: SQL statements and median time per load.

    .venv/bin/python bench/home_page.py                     # demo scale 1 in a temporary SQLite file
    .venv/bin/python bench/home_page.py --scale 10 --repeat 30
    CACHE_REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/home_page.py   # the cache in Redis (flushed)

Logs in through the test client as 后勤主任 and 系统管理员 and loads ``/`` repeatedly, first with Flask-Caching's
NullCache (nothing cached: every widget computed on every load, as before issue 16), then with the configured
cache after one warming load (every widget read from the cache: no write in between).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ACCOUNTS = {"zongwu": "后勤主任", "admin": "系统管理员"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="houqin-bench-home-")
    os.environ["INSTANCE_DIR"] = tmp
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.setdefault("SECRET_KEY", "bench-only")

    from sqlalchemy import event

    from app import create_app
    from app.extensions import cache, db
    from app.platform.cli import prepare_database
    from demo.loader import load_demo

    app = create_app({"TESTING": True, "DEMO_MODE": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        prepare_database()
        load_demo(scale=args.scale)
        engine = db.engine
    statements = [0]

    def count(*_args, **_kwargs):
        statements[0] += 1

    configured = dict(app.config)
    print(f"规模 {args.scale}，每种各加载 {args.repeat} 次；缓存：{configured['CACHE_TYPE']}")
    for username, role in ACCOUNTS.items():
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": "Houqin@2026"})
        for label, config in (("不缓存", {"CACHE_TYPE": "NullCache"}), ("缓存命中", {})):
            with app.app_context():
                cache.init_app(app, config or None)
                cache.clear()
            event.listen(engine, "before_cursor_execute", count)
            client.get("/")  # warms the cache (and the process) before the timed loads
            times, counts = [], []
            for _ in range(args.repeat):
                statements[0] = 0
                started = time.perf_counter()
                assert client.get("/").status_code == 200
                times.append((time.perf_counter() - started) * 1000)
                counts.append(statements[0])
            event.remove(engine, "before_cursor_execute", count)
            print(f"{role:6s} {label:5s} 语句 {statistics.median(counts):5.0f} 条  "
                  f"中位用时 {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()
