"""Production serving (issue 16, point 3): gunicorn's workers follow the cores; /healthz: no login, no session
cookie, never in a menu; 503 with a Chinese reason when the database (or Redis, when configured) does not answer."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from tests.test_cache import REDIS_URL, backend  # noqa: F401 — the fixture, reused


def test_healthz_answers_ok_without_login_and_sets_no_cookie(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers.getlist("Set-Cookie") == []


def test_healthz_is_in_no_menu(admin):
    assert "healthz" not in admin.get("/").text


def test_healthz_says_in_chinese_when_the_database_does_not_answer(app, client, db, monkeypatch):
    from app.platform import health

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(type(db.engine), "connect", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["reason"] == health.DATABASE_DOWN
    assert response.headers.getlist("Set-Cookie") == []


@pytest.mark.parametrize("backend", ["redis"], indirect=True)
def test_healthz_checks_redis_when_it_is_the_cache(app, client, backend):  # noqa: F811
    from app.extensions import cache
    from app.platform import health

    assert client.get("/healthz").status_code == 200
    cache.init_app(app, {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://127.0.0.1:1/5"})  # nothing there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["reason"] == health.CACHE_DOWN


def test_gunicorn_runs_two_workers_a_core_plus_one_unless_web_concurrency_says(monkeypatch):
    import multiprocessing
    import runpy
    from pathlib import Path

    conf = str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 4)
    settings = runpy.run_path(conf)
    assert settings["workers"] == 9
    assert settings["graceful_timeout"] == settings["timeout"] > 0
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(conf)["workers"] == 3
