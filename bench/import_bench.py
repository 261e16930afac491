"""导入 from Excel at volume: 10,000 asset cards and 10,000 students into a fresh database, and 2,000 meter
readings (written row by row: each reading's 上次读数 and 用量异常 read the meter's earlier readings).

    .venv/bin/python bench/import_bench.py                      # fresh SQLite file in bench/results/
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/import_bench.py

The database gets the demo data (scale 1: departments, categories, staff, locations to look up); then each
file is read, previewed (checked, written and rolled back), imported (committed), and previewed again
(the same file: every row unchanged), as the administrator in a request, exactly as the import page
does it. Prints per step the wall-clock seconds, the CPU seconds of this process (steadier than the wall clock
on a busy machine; PostgreSQL's own work is not in it) and the SQL statements. A PostgreSQL database is
emptied first.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.counting import statement_counter  # noqa: E402  (after the path above)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="rows per asset and student file")
    parser.add_argument("--readings", type=int, default=2_000, help="rows of the meter reading file")
    return parser.parse_args()


def prepare_environment() -> None:
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("INSTANCE_DIR", str(results / "import-instance"))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    url = os.environ.get("DATABASE_URL")
    if url is None:
        db_file = results / "import-bench.db"
        db_file.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    elif url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()  # as Excel writes it: shared strings (a write-only book's inline strings read slower)
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def asset_file(session, count: int) -> bytes:
    from sqlalchemy import select

    from models.assets import AssetCategory, Location
    from models.org import Department, Staff

    categories = list(session.scalars(select(AssetCategory.name)))
    departments = list(session.scalars(select(Department.code)))
    keepers = list(session.scalars(select(Staff.staff_no).limit(200)))
    locations = [str(loc) for loc in session.scalars(select(Location).limit(200))]
    rows = [["资产编号", "资产名称", "分类", "品牌", "规格型号", "计量单位", "数量", "单价", "经费来源", "购置日期",
             "使用部门", "责任人", "存放地点", "使用方向", "状态", "备注"]]
    start = date(2020, 1, 1)
    for n in range(count):
        price = 50 + (n * 37) % 5000
        rows.append([f"DR-{n:06d}", f"导入资产{n}号", categories[n % len(categories)], "联想", f"型号{n % 50}", "台",
                     1 if price >= 1000 else 1 + n % 5, price, "财政拨款", start + timedelta(days=n % 2000),
                     departments[n % len(departments)], keepers[n % len(keepers)], locations[n % len(locations)],
                     "教学", "在用", None])
    return workbook(rows)


def student_file(count: int) -> bytes:
    rows = [["学号", "姓名", "性别", "年级", "班级", "监护人电话", "是否寄宿"]]
    for n in range(count):
        grade = ("高一", "高二", "高三")[n % 3]
        rows.append([f"XS{n:07d}", f"导入学生{n}", "男" if n % 2 else "女", grade, f"{grade}({n % 20 + 1})班",
                     f"139{n:08d}", "是" if n % 4 else "否"])
    return workbook(rows)


def reading_file(session, count: int) -> bytes:
    from sqlalchemy import select

    from models.utilities import Meter

    meters = list(session.scalars(select(Meter.meter_no).order_by(Meter.meter_no)))
    rows = [["表号", "月份", "本次读数", "抄表日期"]]
    for n in range(count):  # months after the demo's: 2030-01, 2030-02 … for every meter in turn
        month, meter = divmod(n, len(meters))
        year, month = 2030 + month // 12, month % 12 + 1
        rows.append([meters[meter], f"{year}-{month:02d}", 10_000_000 + 150 * (n // len(meters)) + meter % 7,
                     date(year, month, 25)])
    return workbook(rows)


def main() -> None:
    args = parse_args()
    prepare_environment()
    from flask_appbuilder.security.sqla.models import User
    from flask_login import login_user

    from app import create_app
    from app.extensions import db
    from app.features.imports import read, run
    from demo.loader import load_demo
    from models.assets import Asset
    from models.dorms import Student
    from models.utilities import MeterReading

    app = create_app({"WTF_CSRF_ENABLED": False, "DEMO_MODE": True})
    with app.app_context():
        started = time.perf_counter()
        load_demo(scale=1)
        print(f"数据库 {db.engine.dialect.name}；准备演示数据 {time.perf_counter() - started:.1f} 秒")
        files = {"资产卡片": (Asset, asset_file(db.session, args.rows)), "学生": (Student, student_file(args.rows)),
                 "抄表记录": (MeterReading, reading_file(db.session, args.readings))}
        db.session.remove()
    print(f"{'文件':<8}{'步骤':<22}{'秒':>8}{'CPU秒':>8}{'SQL条数':>10}  结果")
    for label, (model, data) in files.items():
        with app.test_request_context("/"):
            admin = db.session.query(User).filter_by(username="admin").one()
            login_user(admin)
            steps = []
            started, cpu = time.perf_counter(), time.process_time()
            sheet = read(data, "xlsx")
            steps.append(("读取 .xlsx", time.perf_counter() - started, time.process_time() - cpu, 0,
                          f"{len(sheet.rows):,} 行，{len(data) / 1e6:.1f} MB"))
            for step, commit in (("预览（检查后回滚）", False), ("导入（提交）", True), ("再次预览（全部无变化）", False)):
                with statement_counter(db.engine) as box:
                    started, cpu = time.perf_counter(), time.process_time()
                    outcome = run(db.session, model, sheet, commit=commit)
                    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                assert outcome.ok, [p.text for p in outcome.problems[:5]]
                steps.append((step, seconds, cpu, box["n"], outcome.summary))
            count = db.session.query(model).count()
            for step, seconds, cpu, statements, result in steps:
                print(f"{label:<8}{step:<22}{seconds:>8.2f}{cpu:>8.2f}{statements:>10}  {result}")
            print(f"{'':<8}{'表中记录':<22}{count:>8,}")
            db.session.remove()


if __name__ == "__main__":
    main()
