"""Asset list pages: the engine's generated view against a plain Flask-AppBuilder ModelView, same table.

    .venv/bin/python bench/list_pages.py --scale 100        # ≈ 200,000 assets in a fresh SQLite file
    DATABASE_URL=postgresql://… .venv/bin/python bench/list_pages.py --scale 100 --fresh

Prints, per page kind, the median time of each view, their ratio and the SQL statements per page.
The data is built once into bench/results/ (or DATABASE_URL) and reused unless --fresh.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.counting import statement_counter  # noqa: E402  (after the path above)

PAGES = {
    "列表": "",
    "筛选（状态=在用）": "_flt_0_status=in_use",
    "排序（单价降序）": "_oc_{view}=unit_price&_od_{view}=desc",
    "模糊搜索（名称含“计算机”）": "_flt_2_name=计算机",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100, help="demo scale (100 ≈ 200,000 assets)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page and view")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even if it exists")
    return parser.parse_args()


def prepare_environment(args) -> None:
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("INSTANCE_DIR", str(results))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    if "DATABASE_URL" not in os.environ:
        db_file = results / f"bench-scale{args.scale}.db"
        if args.fresh and db_file.exists():
            db_file.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"


def plain_fab_view(model, list_columns, search_columns):
    """What a developer gets from Flask-AppBuilder alone for the same table and columns."""
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    return type("PlainAssetView", (ModelView,), {
        "datamodel": SQLAInterface(model),
        "route_base": "/plain-asset",
        "list_columns": list_columns,
        "search_columns": search_columns,
        "base_order": ("code", "desc"),
    })


def measure(client, engine, url: str, repeat: int) -> tuple[float, int, int]:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
    with statement_counter(engine) as box:
        client.get(url)
    return statistics.median(times) * 1000, box["n"], len(response.data)


def main() -> None:
    args = parse_args()
    prepare_environment(args)
    from app import create_app
    from app.extensions import db
    from demo.loader import load_demo
    from models.assets import Asset

    app = create_app({"WTF_CSRF_ENABLED": False, "DEMO_MODE": True})
    with app.app_context():
        started = time.perf_counter()
        load_demo(scale=args.scale)
        built = time.perf_counter() - started
        count = db.session.query(Asset).count()
        engine_view = app.extensions["engine"].views[Asset]
        plain = app.appbuilder.add_view_no_menu(
            plain_fab_view(Asset, list(engine_view.list_columns), list(engine_view.search_columns)))
        app.appbuilder.add_permissions(update_perms=True)
        bind = db.engine
        dialect = bind.dialect.name

    print(f"数据库 {dialect}，资产 {count:,} 件（准备数据 {built:.1f} 秒），每页 25 行，每项 {args.repeat} 次取中位数")
    print(f"{'页面':<22}{'本系统(ms)':>12}{'原生FAB(ms)':>14}{'FAB/本系统':>12}{'SQL条数 本系统/FAB':>22}")
    with app.test_client() as client:
        response = client.post("/login/", data={"username": "admin", "password": "Houqin@2026"})
        assert response.status_code in (200, 302)
        for title, query in PAGES.items():
            ours = measure(client, bind, f"/asset/list/?{query.format(view='AssetView')}", args.repeat)
            theirs = measure(client, bind, f"/plain-asset/list/?{query.format(view='PlainAssetView')}", args.repeat)
            ratio = theirs[0] / ours[0] if ours[0] else float("nan")
            print(f"{title:<22}{ours[0]:>12.1f}{theirs[0]:>14.1f}{ratio:>12.2f}{ours[1]:>12} / {theirs[1]:<8}")
    _ = plain


if __name__ == "__main__":
    main()
