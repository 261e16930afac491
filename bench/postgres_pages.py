"""PostgreSQL: deep list pages (OFFSET against keys first) and substring search (with and without trigram indexes).

    createdb -h 127.0.0.1 -U postgres bench_pg
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_pg .venv/bin/python bench/postgres_pages.py --scale 100

Loads the demo at ``--scale`` into an empty database first (≈ 7 minutes at 100: 200,000 assets, 300,000 repair
orders); a filled one is reused. As 系统管理员 through the test client, prints per page the median of the whole
request, of its list statement (the page's rows) and of its count statement:

- 资产卡片 page 1 and page 5000 (25 rows a page: 125,000 rows skipped) in the default order (资产编号 descending) and
  sorted by 单价, read with plain OFFSET (``FAR_OFFSET`` raised out of reach) and found by their keys first
  (app/fab/datamodel.py ``_far_page``);
- substring searches of 2 and 3 characters and of pinyin, with the pg_trgm GIN indexes of migration 3f8a1c2d9b7e,
  then with those indexes dropped (they are created again before the script ends).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEEP_PAGES = [
    ("第 1 页（默认排序：资产编号降序）", "page_{view}=0", None),
    ("第 5000 页（默认排序）", "page_{view}=4999", None),
    ("第 1 页（单价降序）", "page_{view}=0&_oc_{view}=unit_price&_od_{view}=desc", None),
    ("第 5000 页（单价降序）", "page_{view}=4999&_oc_{view}=unit_price&_od_{view}=desc", None),
    ("第 5000 页（分类名称升序）", "page_{view}=4999&_oc_{view}=category&_od_{view}=asc", None),
]
SEARCHES = [  # (title, url, table)
    ("资产名称含“空调”（2 字）", "/asset/list/?_flt_2_name=空调", "asset"),
    ("资产名称含“计算机”（3 字）", "/asset/list/?_flt_2_name=计算机", "asset"),
    ("资产名称含“笔记本电脑”（5 字）", "/asset/list/?_flt_2_name=笔记本电脑", "asset"),
    ("资产名称含拼音“jisuanji”", "/asset/list/?_flt_2_name=jisuanji", "asset"),
    ("资产编号含“000123”", "/asset/list/?_flt_2_code=000123", "asset"),
    ("资产关键字“计算机”（多列）", "/asset/list/?q=计算机", "asset"),
    ("报修标题含“水龙头”（3 字）", "/repair-order/list/?_flt_2_title=水龙头", "repair_order"),
    ("报修关键字“水龙头”（多列）", "/repair-order/list/?q=水龙头", "repair_order"),
    ("教职工姓名含“国强”（2 字）", "/staff/list/?_flt_2_name=国强", "staff"),
    ("教职工姓名含拼音“guoqiang”", "/staff/list/?_flt_2_name=guoqiang", "staff"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100, help="demo scale when the database is empty")
    parser.add_argument("--repeat", type=int, default=9, help="timed requests per page")
    return parser.parse_args()


class StatementClock:
    """Time of each SQL statement of one request: the count and the page's rows (the statement with LIMIT)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.event, self.seen = engine, event, []
        self._started = None

    def before(self, conn, cursor, statement, *args):
        self._started = time.perf_counter()

    def after(self, conn, cursor, statement, *args):
        self.seen.append((statement, (time.perf_counter() - self._started) * 1000))

    def __enter__(self):
        self.seen = []
        self.event.listen(self.engine, "before_cursor_execute", self.before)
        self.event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc):
        self.event.remove(self.engine, "before_cursor_execute", self.before)
        self.event.remove(self.engine, "after_cursor_execute", self.after)

    def of(self, table: str) -> tuple[float, float]:
        """(rows statement ms, count statement ms) of the list of ``table``."""
        rows = [ms for s, ms in self.seen if f"FROM {table}" in s and "LIMIT" in s and "count(" not in s]
        counts = [ms for s, ms in self.seen if "count(" in s and f"FROM {table}" in s]
        return (rows[0] if rows else float("nan")), (counts[0] if counts else float("nan"))


def measure(client, clock, url: str, table: str, repeat: int) -> tuple[float, float, float, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    totals, rows, counts = [], [], []
    for _ in range(repeat):
        with clock:
            start = time.perf_counter()
            response = client.get(url)
            totals.append((time.perf_counter() - start) * 1000)
        row_ms, count_ms = clock.of(table)
        rows.append(row_ms)
        counts.append(count_ms)
    found = re.search(r"记录数:</strong>\s*(\d+)", response.text)
    shown = int(found.group(1)) if found else 0
    return statistics.median(totals), statistics.median(rows), statistics.median(counts), shown


def trigram_indexes(session) -> list[tuple[str, str]]:
    from sqlalchemy import text

    return [(name, definition) for name, definition in session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'trgm\\_%' ORDER BY indexname"))]


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        sys.exit("请用 DATABASE_URL 指向一个 PostgreSQL 数据库（见文件开头的说明）")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("INSTANCE_DIR", str(ROOT / "bench" / "results"))
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.fab import datamodel
    from demo.loader import load_demo
    from models.assets import Asset

    app = create_app({"WTF_CSRF_ENABLED": False, "DEMO_MODE": True})
    with app.app_context():
        load_demo(scale=args.scale)
        assets = db.session.query(Asset).count()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        engine = db.engine
    clock = StatementClock(engine)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"PostgreSQL，资产 {assets:,} 件，每页 25 行，每项 {args.repeat} 次取中位数；{load}")

    with app.test_client() as client:
        assert client.post("/login/", data={"username": "admin", "password": "Houqin@2026"}).status_code in (200, 302)
        print(f"\n{'列表页':<26}{'方式':<10}{'整页(ms)':>10}{'取行语句(ms)':>14}{'计数语句(ms)':>14}")
        default_far = datamodel.FAR_OFFSET
        for title, query, _ in DEEP_PAGES:
            url = "/asset/list/?" + query.format(view="AssetView")
            ways = [("OFFSET", 10**12), ("先取键", default_far)] if "4999" in query else [("OFFSET", 10**12)]
            for way, far in ways:
                datamodel.FAR_OFFSET = far
                total, rows, count, _ = measure(client, clock, url, "asset", args.repeat)
                print(f"{title:<26}{way:<10}{total:>10.1f}{rows:>14.1f}{count:>14.1f}")
        datamodel.FAR_OFFSET = default_far

        with app.app_context():
            indexes = trigram_indexes(db.session)
        assert indexes, "no trigram indexes: run `flask --app run db upgrade` first"
        with_index = {title: measure(client, clock, url, table, args.repeat) for title, url, table in SEARCHES}
        with app.app_context():
            for name, _ in indexes:
                db.session.execute(text(f"DROP INDEX {name}"))
            db.session.commit()
        try:
            without = {title: measure(client, clock, url, table, args.repeat) for title, url, table in SEARCHES}
        finally:
            with app.app_context():
                for _, definition in indexes:
                    db.session.execute(text(definition))
                db.session.execute(text("ANALYZE"))
                db.session.commit()
        print(f"\n{'模糊搜索':<26}{'行数':>8}{'有 trgm 整页':>14}{'取行语句':>10}{'计数语句':>10}"
              f"{'无索引 整页':>14}{'取行语句':>10}{'计数语句':>10}{'计数语句快':>10}")
        for title, _, _ in SEARCHES:
            a, b = with_index[title], without[title]
            print(f"{title:<26}{a[3]:>8}{a[0]:>14.1f}{a[1]:>10.1f}{a[2]:>10.1f}{b[0]:>14.1f}{b[1]:>10.1f}{b[2]:>10.1f}"
                  f"{b[2] / a[2]:>9.1f}×")


if __name__ == "__main__":
    main()
