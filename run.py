"""Start the system.  `python run.py --demo` prepares the database, fills demo data once, and serves.

Without --demo it serves an already initialised database (see `flask --app run init`).
"""
import argparse
import os

from app import create_app
from demo import register_cli

app = create_app()
register_cli(app)


def main() -> None:
    parser = argparse.ArgumentParser(description="学校后勤管理系统")
    parser.add_argument("--demo", action="store_true", help="初始化数据库并载入演示数据（仅首次）")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()
    if args.demo:
        from demo.loader import load_demo_if_empty

        with app.app_context():
            load_demo_if_empty(scale=1)
    print(f"学校后勤管理系统已启动：http://{args.host}:{args.port}")
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
