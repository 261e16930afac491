"""The notification worker (`flask notify-worker`): sends the queued deliveries, makes the day's reminders from
the quick filters that declare ``remind=``, and each morning the digests.

Several workers (on several hosts) may run at once: a delivery is claimed with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL and its next try pushed a lease ahead before it is sent, so no two send the same one; a reminder is
one per person, record and day (a unique key); a person's digest is claimed by moving their digest day.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from app.features.notifications import channels, messages, recipients
from app.features.notifications.tables import (
    DIGEST,
    FAILED,
    PENDING,
    REMINDER,
    SENT,
    Address,
    Choice,
    Delivery,
    Message,
)
from app.meta import clock

log = logging.getLogger(__name__)
BATCH = 20
DIGEST_LINES = 30


def _session():
    from app.extensions import db

    return db.session


def claim(session, now: datetime, limit: int = BATCH) -> list[Delivery]:
    """Take up to ``limit`` due deliveries: their next try moves a lease ahead, committed before anything is sent."""
    lease = timedelta(minutes=current_app.config.get("NOTIFY_LEASE_MINUTES", 5))
    rows = (session.query(Delivery).filter(Delivery.status == PENDING, Delivery.next_try <= now)
            .order_by(Delivery.next_try, Delivery.id).limit(limit).with_for_update(skip_locked=True).all())
    for delivery in rows:
        delivery.attempts += 1
        delivery.next_try = now + lease
    session.commit()
    return rows


def retry_after(attempts: int) -> timedelta | None:
    """How long after a failed try the next one is made; None once every try is spent (then 失败)."""
    waits = current_app.config.get("NOTIFY_RETRY_MINUTES", (1, 5, 30, 120))
    return timedelta(minutes=waits[attempts - 1]) if attempts <= len(waits) else None


def send_due(limit: int = BATCH) -> tuple[int, int]:
    """Send what is due; returns (sent, failed this round)."""
    session = _session()
    rows = claim(session, clock.now(), limit)
    sent = failed = 0
    config = current_app.config
    for delivery in rows:
        user = session.get(User, delivery.user_id)
        address = session.get(Address, delivery.user_id)
        try:
            channels.send(delivery.channel, title=delivery.title, body=delivery.body, link=delivery.link,
                          email=getattr(user, "email", None), address=address, config=config)
        except channels.SendFailed as exc:
            failed += 1
            delivery.last_error = str(exc)[:1000]
            wait = retry_after(delivery.attempts)
            if wait is None:
                delivery.status = FAILED
            else:
                delivery.next_try = clock.now() + wait
            log.warning("消息发送失败（第 %s 次，%s）：%s", delivery.attempts, delivery.channel, exc)
        else:
            sent += 1
            delivery.status, delivery.sent_at, delivery.last_error = SENT, clock.now(), None
        session.commit()
    return sent, failed


def remind(today: date | None = None) -> int:
    """The day's reminders: each record a ``remind=`` quick filter finds, to the people it names (one a day)."""
    session = _session()
    today = today or clock.today()
    engine = current_app.extensions["engine"]
    limit = current_app.config.get("NOTIFY_REMIND_LIMIT", 200)
    made = 0
    for model in engine.models:
        for quick in model.__admin__.quick_filters:
            if quick.remind is None:
                continue
            records = session.query(model).filter(*quick.criteria(model)).order_by(model.id).limit(limit).all()
            for record in records:
                made += _remind_one(session, record, quick, today)
    return made


def _remind_one(session, record: Any, quick, today: date) -> int:
    key = f"{type(record).__name__}:{record.id}:{quick.label}:{today.isoformat()}"
    people = recipients.readers(session, record, quick.remind)
    told = {uid for (uid,) in session.query(Message.user_id).filter(
        Message.key == key, Message.user_id.in_([u.id for u in people]))} if people else set()
    made = 0
    for user in people:
        if user.id in told:
            continue
        try:
            messages.add(session, user, REMINDER, f"提醒：{messages.naming(record)}{quick.label}", record,
                         messages.record_path(record), key=key)
            session.commit()
            made += 1
        except IntegrityError:  # another worker told them a moment ago
            session.rollback()
    return made


def digest(today: date | None = None) -> int:
    """Each person who chose 每日汇总 gets their unread messages once a day, by the channels chosen for it."""
    session = _session()
    today = today or clock.today()
    people = sorted({uid for (uid,) in session.query(Choice.user_id).filter(Choice.kind == DIGEST)})
    sent = 0
    for user_id in people:
        if session.get(Address, user_id) is None:
            session.add(Address(user_id=user_id))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
        claimed = session.execute(update(Address).where(
            Address.user_id == user_id, or_(Address.digest_on.is_(None), Address.digest_on < today))
            .values(digest_on=today)).rowcount
        if not claimed:
            session.rollback()
            continue
        unread = (session.query(Message).filter(Message.user_id == user_id, Message.read_at.is_(None))
                  .order_by(Message.id.desc()).limit(DIGEST_LINES + 1).all())
        if unread:
            title = f"每日汇总：您有 {len(unread) if len(unread) <= DIGEST_LINES else f'{DIGEST_LINES}+'} 条未读消息"
            lines = "\n".join(f"- {m.text}" for m in unread[:DIGEST_LINES])
            chosen = session.query(Choice.channel).filter(Choice.user_id == user_id, Choice.kind == DIGEST)
            for (channel,) in chosen:
                session.add(Delivery(user_id=user_id, channel=channel, title=title, body=f"{title}\n\n{lines}",
                                     link=messages.absolute(messages.messages_path()), next_try=clock.now(),
                                     created_at=clock.now()))
            sent += 1
        session.commit()
    return sent


def run(once: bool = False, poll: float | None = None, stop: threading.Event | None = None) -> None:
    """Send every ``poll`` seconds; scan for reminders every NOTIFY_SCAN_MINUTES; digests from NOTIFY_DIGEST_HOUR.
    Runs until ``stop`` is set (a test's worker thread), for ever otherwise."""
    config = current_app.config
    poll = poll if poll is not None else config.get("NOTIFY_POLL_SECONDS", 5)
    scan_every = config.get("NOTIFY_SCAN_MINUTES", 15) * 60
    last_scan: float | None = None
    while stop is None or not stop.is_set():
        if once or last_scan is None or time.monotonic() - last_scan >= scan_every:
            last_scan = time.monotonic()
            _guarded(remind)
            if clock.now().hour >= config.get("NOTIFY_DIGEST_HOUR", 7):
                _guarded(digest)
        if once:
            for _ in range(50):  # what is due now, in batches
                if not any(_guarded(send_due) or (0, 0)):
                    break
            return
        _guarded(send_due)
        _session().remove()  # each round reads afresh
        if stop is not None:
            stop.wait(poll)
        else:
            time.sleep(poll)


def _guarded(job):
    """One round of a job; a database that went away is logged and tried again next round, not fatal."""
    try:
        return job()
    except Exception:  # noqa: BLE001 — the worker outlives a bad round; the traceback goes to the log
        log.exception("消息通知任务 %s 出错", job.__name__)
        _session().rollback()
