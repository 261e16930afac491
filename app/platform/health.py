"""``/healthz``: for a load balancer or a service manager — no login, never in a menu, no session cookie.

200 ``{"status": "ok"}`` when the database answers a trivial query (and the shared cache, when Redis is
configured); else 503 with the reason in Chinese. It uses its own pooled connection, never the request's ORM
session, and never reads or writes the cookie session.
"""
from __future__ import annotations

import logging
import uuid

from flask import Flask, current_app, jsonify
from sqlalchemy import text

log = logging.getLogger(__name__)

DATABASE_DOWN = "数据库无法连接"
CACHE_DOWN = "缓存服务（Redis）无法连接"


def problems() -> list[str]:
    from app.extensions import cache, db
    from app.platform import caching

    found = []
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar()
    except Exception:  # noqa: BLE001 — any failure is the answer
        log.warning("health check: database", exc_info=True)
        found.append(DATABASE_DOWN)
    if caching.uses_redis(current_app):
        token = uuid.uuid4().hex
        try:
            if not cache.set("healthz", token, timeout=10) or cache.get("healthz") != token:
                found.append(CACHE_DOWN)
        except Exception:  # noqa: BLE001
            log.warning("health check: cache", exc_info=True)
            found.append(CACHE_DOWN)
    return found


def healthz():
    found = problems()
    if found:
        return jsonify({"status": "error", "reason": "；".join(found)}), 503
    return jsonify({"status": "ok"})


def register(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
