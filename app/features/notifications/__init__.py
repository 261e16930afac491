"""消息通知: every workflow step tells the people it hands the record to, and the requester when it is sent back,
rejected or done — with no code per model (app/rules/steps.py calls :func:`messages.step_taken`, and a new record
awaiting someone is announced by app/rules/write.py calling :func:`messages.record_created`); quick filters
declaring ``remind=`` remind once a day. 站内信 always; e-mail, 企业微信 and 钉钉 group robots by each person's
choice, sent by `flask notify-worker` from the outbox, never within the user's request."""
from __future__ import annotations

import click
from flask import Flask

from app.features.notifications import messages, tables, views  # noqa: F401 — tables: mapped before migrations

PAGES = [views.MessagesView]


def register(app: Flask, appbuilder) -> None:
    from app.rules import steps, write

    if messages.step_taken not in steps.LISTENERS:
        steps.LISTENERS.append(messages.step_taken)
    if messages.record_created not in write.CREATED_LISTENERS:
        write.CREATED_LISTENERS.append(messages.record_created)
    from sqlalchemy import event

    from app.extensions import db

    if not event.contains(db.session, "after_flush", messages.forget_deleted):
        event.listen(db.session, "after_flush", messages.forget_deleted)
    app.jinja_env.globals["unread_count"] = views.unread_count
    app.jinja_env.globals["notify_choices"] = views.my_choices
    sections = app.jinja_env.globals.setdefault("profile_sections", [])
    if "engine/notify_profile.html" not in sections:
        sections.append("engine/notify_profile.html")  # 个人资料 shows the person's channels
    appbuilder.add_view(views.DeliveryView, "消息发送", icon="fa-paper-plane", category="系统管理",
                        category_icon="fa-cogs")

    @app.cli.command("notify-worker")
    @click.option("--once", is_flag=True, help="只运行一轮（发送到期的消息、生成提醒与汇总）后退出，供测试或定时任务使用")
    @click.option("--poll", type=float, default=None, help="两次检查之间的秒数（默认 NOTIFY_POLL_SECONDS）")
    def notify_worker_command(once: bool, poll: float | None) -> None:
        """发送排队的消息通知（邮件、企业微信、钉钉），生成到期提醒与每日汇总；可在多台服务器上同时运行。"""
        from app.features.notifications import worker

        worker.run(once=once, poll=poll)

    @app.cli.command("notify-digest")
    def notify_digest_command() -> None:
        """立即生成今天的每日汇总（每人每天一次，已生成的跳过）。"""
        from app.features.notifications import worker

        click.echo(f"已为 {worker.digest()} 人生成每日汇总。")

    @app.cli.command("notify-remind")
    def notify_remind_command() -> None:
        """立即生成今天的到期与逾期提醒（同一单据每人每天一次）。"""
        from app.features.notifications import worker

        click.echo(f"已生成 {worker.remind()} 条提醒。")
