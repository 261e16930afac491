"""Every benchmark of issue 16 in one run, side by side: lists and detail against plain Flask-AppBuilder, the
heavier pages with their statement counts, CSV/Excel export against a plain-Python floor, and throughput under
gunicorn against the plain FAB app.

    .venv/bin/python bench/suite.py                         # scale 100 (≈200,000 assets) in bench/results/, built once
    .venv/bin/python bench/suite.py --only lists,pages      # some sections
    DATABASE_URL=postgresql://… .venv/bin/python bench/suite.py --scale 100

Compared, in the same database file and the same process:
- 简单表: plain FAB (bench/plain_fab.py, FAB's skeleton app, nothing of the engine) over a table of 6 columns and
  one relation, a copy of the asset cards (same row count);
- 原生FAB·资产: a plain FAB ModelView over our Asset model with our list/search/show columns, as a FAB user would
  configure it (registered in our app, so the navbar and security are ours);
- 本系统: the generated asset pages, as 系统管理员 (admin), 宿管员 (sushe, 本部门) and 维修工 (weixiu, 仅本人).
Times are medians of ``--repeat`` requests through the test client (the whole request: security, query, template).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.counting import statement_counter  # noqa: E402  (after the path above)

PASSWORD = "Houqin@2026"
ROLES = {"admin": "系统管理员", "sushe": "宿管员", "weixiu": "维修工"}
SECTIONS = ("lists", "pages", "export", "gunicorn")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100, help="demo scale (100 ≈ 200,000 assets)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections: " + ",".join(SECTIONS))
    parser.add_argument("--seconds", type=float, default=20, help="gunicorn: seconds of load per app and round")
    parser.add_argument("--concurrency", type=int, default=6, help="gunicorn: concurrent client connections")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn: workers of each app")
    return parser.parse_args()


def prepare_environment(args) -> None:
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("INSTANCE_DIR", str(results))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["LOGIN_RATE_LIMIT"] = "10000 per minute"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{results / f'bench-scale{args.scale}.db'}")


# ----------------------------------------------------------------- measuring
class Timed:
    def __init__(self, ms: float, statements: int | None):
        self.ms, self.statements = ms, statements


def measure(client, url: str, repeat: int, engine=None) -> Timed:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code, response.headers.get("Location"))
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    statements = None
    if engine is not None:
        with statement_counter(engine) as box:
            client.get(url)
        statements = box["n"]
    return Timed(statistics.median(times) * 1000, statements)


def login(client, username: str) -> None:
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302 and "login" not in response.headers.get("Location", ""), username


def verdict(value: float, target: float) -> str:
    return "达标" if value <= target else "未达标"


# ----------------------------------------------------------------- the apps
def build(args):
    from app import create_app
    from app.extensions import db
    from bench.plain_fab import fill
    from demo.loader import load_demo
    from models.assets import Asset

    app = create_app({"WTF_CSRF_ENABLED": False, "DEMO_MODE": True})
    with app.app_context():
        started = time.perf_counter()
        load_demo(scale=args.scale)
        built = time.perf_counter() - started
        with db.engine.begin() as connection:
            simple_rows = fill(connection)
        engine_view = app.extensions["engine"].views[Asset]
        app.appbuilder.add_view_no_menu(plain_asset_view(Asset, engine_view))
        app.appbuilder.add_permissions(update_perms=True)
        assets = db.session.query(Asset).count()
        dialect = db.engine.dialect.name
        db.session.remove()
    from bench.plain_fab import create_app as create_plain

    plain = create_plain({"WTF_CSRF_ENABLED": False})
    print(f"数据库 {dialect}，资产 {assets:,} 件，简单表 {simple_rows:,} 行（准备数据 {built:.0f} 秒）")
    return app, plain


def plain_asset_view(model, engine_view):
    """What a developer gets from Flask-AppBuilder alone for our Asset model with our columns."""
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    show = [c for c in engine_view.show_columns if hasattr(model, c) and c != "life"]
    return type("PlainAssetView", (ModelView,), {
        "datamodel": SQLAInterface(model),
        "route_base": "/plain-asset",
        "list_columns": list(engine_view.list_columns),
        "search_columns": list(engine_view.search_columns),
        "show_columns": show,
        "base_order": ("code", "desc"),
    })


# ----------------------------------------------------------------- lists and detail
LIST_PAGES = {
    "列表（第1页）": "",
    "第5000页": "page_{view}=4999",
    "筛选（状态=在用）": "_flt_0_status=in_use",
    "排序（单价降序）": "_oc_{view}={price}&_od_{view}=desc",
    "模糊搜索（名称含“计算机”）": "_flt_2_name=计算机",
}


def shown_asset(app, username: str) -> int:
    """An asset within the user's scope: the admin's newest, else one the user keeps (or in their department)."""
    from sqlalchemy import select

    from app.extensions import db
    from models.assets import Asset
    from models.org import Staff

    with app.app_context():
        if username == "admin":
            return db.session.scalar(select(Asset.id).order_by(Asset.code.desc()).limit(1))
        from flask_appbuilder.security.sqla.models import User

        staff = db.session.scalar(select(Staff.id).join(User, User.id == Staff.user_id).where(User.username == username))
        where = Asset.keeper_id == staff
        found = db.session.scalar(select(Asset.id).where(where).order_by(Asset.code.desc()).limit(1))
        db.session.remove()
        return found


def lists(args, app, plain) -> None:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with plain.app_context():
        plain_engine = plain.extensions["plain_db"].engine
    ours = {}
    for username in ROLES:
        client = app.test_client()
        login(client, username)
        ours[username] = client
    plain_client = plain.test_client()
    login(plain_client, "admin")
    admin = ours["admin"]
    shows = {username: shown_asset(app, username) for username in ROLES}

    print(f"\n## 列表与详情（每页 25 行，{args.repeat} 次取中位数，毫秒；括号内为 SQL 条数）")
    head = ["页面", "简单表FAB", "原生FAB·资产", *[f"本系统·{r}" for r in ROLES.values()],
            "本系统/简单表", "宿管员/管理员", "维修工/管理员"]
    print(" | ".join(head))
    rows = list(LIST_PAGES.items()) + [("详情", None)]
    for title, query in rows:
        if query is None:
            simple = measure(plain_client, f"/simple/show/{shows['admin']}", args.repeat, plain_engine)
            fab = measure(admin, f"/plain-asset/show/{shows['admin']}", args.repeat, engine)
            mine = {u: measure(c, f"/asset/show/{shows[u]}", args.repeat, engine) for u, c in ours.items()}
            target = 1.0
        else:
            simple = measure(plain_client, "/simple/list/?" + query.format(view="SimpleItemView", price="price"),
                             args.repeat, plain_engine)
            fab = measure(admin, "/plain-asset/list/?" + query.format(view="PlainAssetView", price="unit_price"),
                          args.repeat, engine)
            mine = {u: measure(c, "/asset/list/?" + query.format(view="AssetView", price="unit_price"),
                               args.repeat, engine) for u, c in ours.items()}
            target = 0.7 if title.startswith("列表") else None
        ratio = mine["admin"].ms / simple.ms
        scoped = [mine[u].ms / mine["admin"].ms for u in ("sushe", "weixiu")]
        cells = [title, f"{simple.ms:.1f} ({simple.statements})", f"{fab.ms:.1f} ({fab.statements})",
                 *[f"{m.ms:.1f} ({m.statements})" for m in mine.values()],
                 f"{ratio:.2f}" + (f" {verdict(ratio, target)}（≤{target}）" if target else ""),
                 *[f"{s:.2f} {verdict(s, 1.2)}" for s in scoped]]
        print(" | ".join(cells), flush=True)


# ----------------------------------------------------------------- other pages
ACCOUNTS = ("admin", "xiaozhang", "xiaowu", "zongwu", "caiwu", "baoguan", "weixiu", "sushe", "shitang",
            "shuidian", "lvhua", "jiaoshi")
PAGES = {"月度水电报表": ("/utility-report/", "caiwu"), "我的待办": ("/todo/", "zongwu"),
         "采购公示": ("/purchase-board/", "jiaoshi"), "满意度报告": ("/satisfaction-report/", "zongwu")}


def pages(args, app) -> None:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    print(f"\n## 首页（每个角色）与其他页面（{args.repeat} 次取中位数；缓存已预热）")
    print("页面 | 账号 | 中位用时(ms) | SQL条数 | 目标")
    for username in ACCOUNTS:
        client = app.test_client()
        login(client, username)
        timed = measure(client, "/", args.repeat, engine)
        print(f"首页 | {username} | {timed.ms:.1f} | {timed.statements} | "
              f"≤50ms {verdict(timed.ms, 50)}，≤30条 {verdict(timed.statements, 30)}", flush=True)
    for title, (url, username) in PAGES.items():
        client = app.test_client()
        login(client, username)
        timed = measure(client, url, args.repeat, engine)
        print(f"{title} | {username} | {timed.ms:.1f} | {timed.statements} | ≤30条 {verdict(timed.statements, 30)}",
              flush=True)


# ----------------------------------------------------------------- export against a floor
def export_cut(session, rows: int = 100_000):
    """The purchase date after which about ``rows`` asset cards were bought (the export's filter)."""
    from models.assets import Asset

    return session.query(Asset.purchased_on).order_by(Asset.purchased_on.desc()).offset(rows).limit(1).scalar()


def floor_rows(engine, cut):
    """The same columns as the asset list's export, read by the plain DB-API driver (one query, joined)."""
    from models.assets import AssetStatus

    labels = {m.name: m.value for m in AssetStatus}
    sql = ("SELECT a.code, a.name, c.name, a.spec, a.quantity, a.unit_price, a.amount, d.name, s.name, "
           "l.campus || l.building || l.room, a.status, a.purchased_on FROM asset a "
           "JOIN asset_category c ON c.id = a.category_id LEFT JOIN department d ON d.id = a.department_id "
           "LEFT JOIN staff s ON s.id = a.keeper_id LEFT JOIN location l ON l.id = a.location_id "
           f"WHERE a.purchased_on > '{cut.isoformat()}' ORDER BY a.code DESC")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        while True:
            batch = cursor.fetchmany(1000)
            if not batch:
                break
            for row in batch:
                row = list(row)
                row[10] = labels.get(row[10], row[10])
                yield row
    finally:
        raw.close()


HEADERS = ["资产编号", "资产名称", "资产分类", "规格型号", "数量", "单价", "金额", "使用部门", "责任人", "存放地点",
           "状态", "购置日期"]


def floor_csv(engine, cut) -> tuple[int, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    rows = size = 0
    for row in floor_rows(engine, cut):
        writer.writerow(row)
        rows += 1
        if rows % 1000 == 0:
            size += len(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    return rows, size + len(buffer.getvalue().encode("utf-8"))


def floor_xlsx(engine, cut) -> tuple[int, int]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导出")
    sheet.append(HEADERS)
    rows = 0
    for row in floor_rows(engine, cut):
        sheet.append(row)
        rows += 1
    with tempfile.TemporaryFile() as target:
        workbook.save(target)
        return rows, target.tell()


def download(client, url: str) -> int:
    response = client.get(url, buffered=False)
    assert response.status_code == 200, (url, response.status_code)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return size


def timed_call(function, *args) -> tuple[float, float, object]:
    """Wall seconds, this process's CPU seconds (less disturbed by the other work on a shared machine), result."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return time.perf_counter() - started, time.process_time() - cpu, result


def export(args, app) -> None:
    from app.extensions import db
    from models.assets import Asset

    with app.app_context():
        engine = db.engine
        cut = export_cut(db.session)
        rows = db.session.query(Asset).filter(Asset.purchased_on > cut).count()
        db.session.remove()
    client = app.test_client()
    login(client, "admin")
    client.get("/asset/list/")
    print(f"\n## 导出（管理员，资产筛选“购置日期晚于 {cut}” {rows:,} 行，列表的 12 列与排序；"
          "下限：DB-API 一条联表查询 + csv / openpyxl 只写模式，同样的列）")
    print("导出 | 轮数 | 本系统 秒（CPU秒） | 下限 秒（CPU秒） | 本系统/下限 用时（CPU） | 目标")
    for kind, floor, target, rounds in (("csv", floor_csv, 2.0, 3), ("xlsx", floor_xlsx, 1.3, 2)):
        ours, base = [], []
        for _ in range(rounds):  # alternating, medians: the machine's load changes from minute to minute
            wall, cpu, size = timed_call(download, client, f"/asset/export.{kind}?_flt_1_purchased_on={cut.isoformat()}")
            ours.append((wall, cpu))
            wall, cpu, (floor_count, _) = timed_call(floor, engine, cut)
            assert floor_count == rows, (floor_count, rows)
            base.append((wall, cpu))
        (ours_wall, ours_cpu), (base_wall, base_cpu) = ([statistics.median(x) for x in zip(*pairs)]
                                                        for pairs in (ours, base))
        ratio, cpu_ratio = ours_wall / base_wall, ours_cpu / base_cpu
        print(f"{'CSV' if kind == 'csv' else 'Excel'} | {rounds} | {ours_wall:.2f}（{ours_cpu:.2f}） | "
              f"{base_wall:.2f}（{base_cpu:.2f}） | {ratio:.2f}（{cpu_ratio:.2f}） | "
              f"≤{target} {verdict(ratio, target)}（文件 {size / 1e6:.1f} MB）", flush=True)


# ----------------------------------------------------------------- gunicorn throughput
def start_gunicorn(target: str, port: int, workers: int, extra_env: dict) -> subprocess.Popen:
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "LOG_LEVEL": "warning",
           "GUNICORN_MAX_REQUESTS": "0", **extra_env}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", target],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(ROOT / "bench" / "results" / f"gunicorn-{port}.log", "ab"))


def logged_in_session(base: str, username: str):
    import requests

    session = requests.Session()
    deadline = time.time() + 180
    while True:
        try:
            page = session.get(f"{base}/login/", timeout=120)
            if page.status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):
            if time.time() > deadline:
                raise
        time.sleep(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
    data = {"username": username, "password": PASSWORD, **({"csrf_token": token.group(1)} if token else {})}
    response = session.post(f"{base}/login/", data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 302 and "login" not in response.headers.get("Location", ""), response.text[:300]
    return session


def load(base: str, cookies, urls: list[str], seconds: float, concurrency: int) -> tuple[float, float, int]:
    """``concurrency`` clients request ``urls`` in turn for ``seconds``: requests/s, median ms, failures."""
    import requests

    latencies, failures = [], [0]
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        session.cookies.update(cookies)
        n = offset
        while time.perf_counter() < stop:
            url = urls[n % len(urls)]
            n += 1
            started = time.perf_counter()
            response = session.get(base + url, timeout=60, allow_redirects=False)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, failures[0]


def throughput(args, app) -> None:
    show = shown_asset(app, "admin")
    apps = {
        "本系统": ("run:app", 5611, {}, ["/asset/list/", f"/asset/show/{show}", "/asset/list/?_flt_0_status=in_use"]),
        "原生FAB·简单表": ("bench.plain_fab:create_app()", 5612, {"PLAIN_FAB_UPDATE_PERMS": "0"},
                       ["/simple/list/", f"/simple/show/{show}", "/simple/list/?_flt_0_status=in_use"]),
    }
    print(f"\n## gunicorn 吞吐（gunicorn.conf.py，{args.workers} 个同步工作进程；本机 {args.concurrency} 个并发客户端，"
          f"每个应用两轮各 {args.seconds:.0f} 秒，列表/详情/筛选轮流请求）")
    print("应用 | 轮次 | 每秒请求 | 中位延迟(ms) | 失败")
    totals = {}
    for round_ in (1, 2):
        for name, (target, port, env, urls) in apps.items():
            process = start_gunicorn(target, port, args.workers, env)
            try:
                base = f"http://127.0.0.1:{port}"
                session = logged_in_session(base, "admin")
                load(base, session.cookies, urls, 3, args.concurrency)  # every worker warmed
                rate, median, failures = load(base, session.cookies, urls, args.seconds, args.concurrency)
            finally:
                process.terminate()
                process.wait(30)
            totals.setdefault(name, []).append(rate)
            print(f"{name} | {round_} | {rate:.1f} | {median:.0f} | {failures}", flush=True)
    ours, theirs = (statistics.mean(totals[n]) for n in apps)
    print(f"本系统/原生FAB 吞吐比 {ours / theirs:.2f}（目标 ≥1.4：{'达标' if ours / theirs >= 1.4 else '未达标'}）")


def main() -> None:
    args = parse_args()
    prepare_environment(args)
    chosen = set(args.only.split(","))
    os.system("uptime")
    app, plain = build(args)
    if "lists" in chosen:
        lists(args, app, plain)
    if "pages" in chosen:
        pages(args, app)
    if "export" in chosen:
        export(args, app)
    if "gunicorn" in chosen:
        throughput(args, app)
    os.system("uptime")


if __name__ == "__main__":
    main()
