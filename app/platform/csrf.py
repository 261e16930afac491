"""CSRF on every state-changing request made with the session cookie (pages, REST calls from the browser).

Requests that authenticate with a bearer token (REST clients) carry no cookie to abuse and are not
checked; neither is the token login itself.
"""
from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.web.errors import render_error

csrf = CSRFProtect()
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
TOKEN_LOGIN = ("/api/v1/security/login", "/api/v1/security/refresh")


def register(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, with the bearer-token exception
    csrf.init_app(app)

    @app.before_request
    def check_csrf():
        if request.method in SAFE_METHODS or not app.config.get("WTF_CSRF_ENABLED", True):
            return None
        if request.path in TOKEN_LOGIN or request.headers.get("Authorization", "").startswith("Bearer "):
            return None
        csrf.protect()
        return None

    @app.errorhandler(CSRFError)
    def expired(_error):
        return render_error(400, "页面已过期或来源不明，请刷新页面后重新提交。")
