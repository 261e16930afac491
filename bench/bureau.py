"""A district bureau of 30 schools: list pages and the home page per role, against the system administrator.

    createdb -h 127.0.0.1 -U postgres bureau_pg
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bureau_pg .venv/bin/python bench/bureau.py --schools 30

Loads ``load_demo(schools=30)`` into an empty database first (demo/loader/bureau.py: a bureau root over 30 copies
of the demo school); a filled one is reused. Logs in, through the test client, as one school's 后勤主任 (全部 of
their school), 宿管员 (本部门), 维修工 (仅本人), as the bureau's 局后勤科 reader (全部, every school) and as the
system administrator, and prints per page the median time, its ratio to the administrator's and the SQL statements.
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

from bench.counting import statement_counter  # noqa: E402  (after the path above)

PAGES = [
    ("首页", "/"),
    ("资产卡片", "/asset/list/"),
    ("资产：第 70 页", "/asset/list/?page_AssetView=69"),
    ("报修单", "/repair-order/list/"),
    ("教职工", "/staff/list/"),
    ("学生", "/student/list/"),
    ("卫生检查", "/hygiene-inspection/list/"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=30, help="schools under the bureau when the database is empty")
    parser.add_argument("--school", type=int, default=15, help="the school whose people are measured")
    parser.add_argument("--repeat", type=int, default=9, help="timed requests per page")
    return parser.parse_args()


def measure(client, engine, url: str, repeat: int):
    """(median ms, statements, records shown in the list's count) or None when the role may not open it."""
    response = client.get(url)
    if response.status_code != 200 or "/login/" in response.request.path:
        return None
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with statement_counter(engine) as box:
        response = client.get(url)
    found = re.search(r"记录数:</strong>\s*(\d+)", response.text)
    return statistics.median(times), box["n"], int(found.group(1)) if found else None


def main() -> None:
    args = parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("INSTANCE_DIR", str(ROOT / "bench" / "results"))
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from demo.loader import load_demo
    from models.org import Department

    app = create_app({"WTF_CSRF_ENABLED": False, "DEMO_MODE": True})
    with app.app_context():
        started = time.perf_counter()
        counts = load_demo(schools=args.schools)
        built = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        units = db.session.query(Department).filter(Department.is_unit.is_(True)).count()
        engine, dialect = db.engine, db.engine.dialect.name
    suffix = "" if args.school == 1 else f"{args.school:02d}"
    people = [(f"第{args.school}校 后勤主任", "zongwu" + suffix), (f"第{args.school}校 宿管员", "sushe" + suffix),
              (f"第{args.school}校 维修工", "weixiu" + suffix), ("局后勤科（全区只读）", "juhouqin"),
              ("系统管理员", "admin")]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"{dialect}，{units} 所学校，资产 {counts['资产卡片']:,} 件、报修单 {counts['报修单']:,} 张、"
          f"学生 {counts['学生']:,} 名（准备数据 {built:.0f} 秒）；每项 {args.repeat} 次取中位数；{load}")

    results = {}
    with app.test_client() as client:
        for title, username in people:
            client.get("/logout/")
            response = client.post("/login/", data={"username": username, "password": "Houqin@2026"})
            assert response.status_code in (200, 302), username
            for page, url in PAGES:
                results[(username, page)] = measure(client, engine, url, args.repeat)
    print(f"\n{'账号':<22}{'页面':<14}{'记录数':>10}{'中位(ms)':>10}{'÷管理员':>9}{'语句':>6}")
    for title, username in people:
        for page, _ in PAGES:
            found = results[(username, page)]
            if found is None:
                print(f"{title:<22}{page:<14}{'（无权限）':>10}")
                continue
            ms, statements, records = found
            admin = results[("admin", page)]
            ratio = ms / admin[0] if admin else float("nan")
            shown = f"{records:,}" if records is not None else "—"
            print(f"{title:<22}{page:<14}{shown:>10}{ms:>10.1f}{ratio:>9.2f}{statements:>6}")


if __name__ == "__main__":
    main()
