"""Demo data: a believable school, its accounts and a year of activity (`flask --app run demo`)."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--scale", default=1, show_default=True, type=int, help="数据量倍数（100 ≈ 20 万件资产）")
    @click.option("--schools", default=1, show_default=True, type=int,
                  help="学校数：大于 1 时为区教育局下的多所学校（各校一份演示数据，局后勤科账号 juhouqin 只读全区）")
    def demo_command(scale: int, schools: int) -> None:
        """初始化数据库并填入演示数据与演示账号。"""
        from .loader import load_demo

        app.config["DEMO_MODE"] = True
        counts = load_demo(scale=scale, schools=schools)
        for name, count in counts.items():
            click.echo(f"{name}: {count}")
