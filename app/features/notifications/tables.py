"""The tables of 消息通知: each person's messages (站内信), the outbox of deliveries by e-mail and group robots,
and each person's choices of channel per kind of event."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from app.meta import clock

# Kinds of event a person may choose channels for (站内信 always carries the first four).
TODO, SENT_BACK, DONE, REMINDER, DIGEST = "todo", "sent_back", "done", "reminder", "digest"
KINDS = {TODO: "待我办理", SENT_BACK: "退回修改与驳回", DONE: "我的申请办结", REMINDER: "逾期与到期提醒",
         DIGEST: "每日汇总"}
# Channels beside 站内信.
EMAIL, WECOM, DINGTALK = "email", "wecom", "dingtalk"
CHANNELS = {EMAIL: "邮件", WECOM: "企业微信", DINGTALK: "钉钉"}

PENDING, SENT, FAILED = "待发送", "已发送", "失败"


class Message(Model):
    """One 站内信: what happened to which record, for one person; ``key`` keeps a reminder to one a day."""

    __tablename__ = "notify_message"
    __table_args__ = (Index("ix_notify_message_unread", "user_id", "read_at"),
                      UniqueConstraint("user_id", "key", name="uq_notify_message_user_key"))

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(20), nullable=False)
    text = Column(Text, nullable=False)
    model = Column(String(60))
    record_id = Column(Integer)
    link = Column(String(300))  # the record's page, a path within the system
    key = Column(String(200))
    created_at = Column(DateTime, nullable=False, default=clock.now)
    read_at = Column(DateTime)


class Delivery(Model):
    """One message (or one day's digest) to send by one channel: the outbox the worker empties."""

    __tablename__ = "notify_delivery"
    __table_args__ = (Index("ix_notify_delivery_due", "status", "next_try"),)

    id = Column(Integer, primary_key=True, info={"label": "编号"})
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True,
                     info={"label": "收件人"})
    message_id = Column(Integer, ForeignKey("notify_message.id", ondelete="SET NULL"), info={"label": "消息"})
    channel = Column(String(20), nullable=False, info={"label": "渠道"})
    title = Column(String(200), nullable=False, info={"label": "标题"})
    body = Column(Text, nullable=False, info={"label": "内容"})
    link = Column(String(500), info={"label": "链接"})
    status = Column(String(10), nullable=False, default=PENDING, info={"label": "状态"})
    attempts = Column(Integer, nullable=False, default=0, info={"label": "已尝试次数"})
    next_try = Column(DateTime, nullable=False, default=clock.now, info={"label": "下次发送时间"})
    last_error = Column(Text, info={"label": "最近一次错误"})
    created_at = Column(DateTime, nullable=False, default=clock.now, info={"label": "生成时间"})
    sent_at = Column(DateTime, info={"label": "发送时间"})


class Choice(Model):
    """A person wants ``kind`` of event sent to them by ``channel`` (a row: yes; none: 站内信 only)."""

    __tablename__ = "notify_choice"
    __table_args__ = (UniqueConstraint("user_id", "kind", "channel", name="uq_notify_choice"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(20), nullable=False)
    channel = Column(String(20), nullable=False)


class Address(Model):
    """Where a person's group-robot messages go (a group chat's robot), and the day their digest last went."""

    __tablename__ = "notify_address"

    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    wecom_url = Column(String(500))
    dingtalk_url = Column(String(500))
    dingtalk_secret = Column(String(200))
    digest_on = Column(Date)
