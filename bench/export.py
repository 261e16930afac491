"""List export (app/features/export.py): 100,000 asset cards as CSV and as .xlsx, time and peak memory.

    .venv/bin/python bench/export.py                 # 100,000 rows in a temporary SQLite file
    .venv/bin/python bench/export.py --rows 20000

The demo data (scale 1) gives departments, staff, categories and places; the asset cards are then added
with bulk inserts. Each export is an ordinary request of the admin through the test client (the list's
columns, order and data scope, relations loaded per batch). Peak memory is Python's own allocations
during the request (tracemalloc, measured in a separate run so that it does not slow the timed one);
a filtered export of a tenth of the rows shows whether memory grows with the row count.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="asset cards to add (default 100,000)")
    return parser.parse_args()


def prepare_environment() -> str:
    folder = tempfile.mkdtemp(prefix="houqin-export-bench-")
    os.environ["INSTANCE_DIR"] = folder
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
    os.environ["LOGIN_RATE_LIMIT"] = "10000 per minute"
    return folder


def add_assets(session, count: int) -> None:
    """``count`` asset cards in bulk INSERTs of 5,000; one in ten 闲置 (quick filter 1) for the small export."""
    from sqlalchemy import insert, select

    from models.assets import Asset, AssetCategory, AssetStatus, Location
    from models.org import Department, Staff

    rng = random.Random(7)
    categories = session.scalars(select(AssetCategory.id)).all()
    departments = session.scalars(select(Department.id)).all()
    staff = session.scalars(select(Staff.id)).all()
    places = session.scalars(select(Location.id)).all()
    names = ["台式计算机", "笔记本电脑", "投影仪", "办公桌", "学生课桌椅", "空调", "冰箱", "篮球架", "=1+2 公式样例"]
    start = date(2015, 1, 1)
    batch = []
    for n in range(count):
        price = Decimal(rng.randint(50, 900_000)) / 100
        batch.append({
            "code": f"BENCH-{n:07d}", "name": rng.choice(names), "category_id": rng.choice(categories),
            "spec": f"型号 {rng.randint(1, 999)}", "unit": "台", "quantity": 1, "unit_price": price,
            "amount": price, "purchased_on": start + timedelta(days=rng.randint(0, 4000)),
            "department_id": rng.choice(departments), "keeper_id": rng.choice(staff),
            "location_id": rng.choice(places) if places else None,
            "status": (AssetStatus.idle if n % 10 == 0 else AssetStatus.in_use).name,
            "row_version": 1,
        })
        if len(batch) == 5000:
            session.execute(insert(Asset.__table__), batch)
            batch = []
    if batch:
        session.execute(insert(Asset.__table__), batch)
    session.commit()


def download(client, url: str) -> int:
    """Read the body piece by piece, as a browser does, without keeping it: returns its size in bytes."""
    response = client.get(url, buffered=False)
    assert response.status_code == 200, (url, response.status_code)
    size = sum(len(chunk) for chunk in response.response)  # a streamed body is produced while it is read
    response.close()
    return size


def export(client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    size = download(client, url)
    return time.perf_counter() - started, size


def peak_memory(client, url: str) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    download(client, url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def main() -> None:
    args = parse_args()
    folder = prepare_environment()
    from app import create_app
    from app.extensions import db
    from demo.loader import load_demo
    from models.assets import Asset

    app = create_app({"WTF_CSRF_ENABLED": False, "DEMO_MODE": True})
    with app.app_context():
        started = time.perf_counter()
        load_demo(scale=1)
        add_assets(db.session, args.rows)
        built = time.perf_counter() - started
        total = db.session.query(Asset).count()
        db.session.remove()

    print(f"SQLite（{folder}），资产卡片共 {total:,} 张（准备数据 {built:.0f} 秒）")
    print(f"{'导出':<24}{'行数':>9}{'用时(秒)':>10}{'每秒行数':>10}{'文件(MB)':>10}{'内存峰值(MB)':>14}")
    cases = [("CSV 全部", "/asset/export.csv", total), ("CSV 闲置（约十分之一）", "/asset/export.csv?_qf=1", None),
             ("Excel 全部", "/asset/export.xlsx", total), ("Excel 闲置（约十分之一）", "/asset/export.xlsx?_qf=1", None)]
    with app.test_client() as client:
        response = client.post("/login/", data={"username": "admin", "password": "Houqin@2026"})
        assert response.status_code in (200, 302)
        client.get("/asset/list/")  # warm-up: permissions, menu, mappers
        for title, url, rows in cases:
            with app.app_context():
                rows = rows or db.session.query(Asset).filter(Asset.status == "idle").count()
            elapsed, size = export(client, url)
            peak = peak_memory(client, url)
            print(f"{title:<20}{rows:>11,}{elapsed:>10.1f}{rows / elapsed:>12,.0f}{size / 1e6:>10.1f}{peak:>14.1f}")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"进程最大常驻内存 {maxrss:.0f} MB（含演示数据准备）")


if __name__ == "__main__":
    main()
