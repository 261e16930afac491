"""Security headers on every response.

Content-Security-Policy: scripts, styles, fonts, images and requests only from this site. FAB's
templates write their inline ``<script>`` blocks with ``nonce="{{ baselib.get_nonce() }}"``, and that
macro calls a ``csp_nonce()`` template global when one exists: here it returns a random value made once
per request, and the policy allows exactly that nonce — no 'unsafe-inline' and no 'unsafe-eval' for
scripts. Inline ``style="…"`` attributes (FAB's and ours) are allowed by ``style-src-attr``; style
sheets and ``<style>`` elements still only come from this site.

Authenticated pages and JSON are never stored by the browser or a proxy (``Cache-Control: no-store``):
after logout, Back does not show a page of someone else's data.
"""
from __future__ import annotations

import secrets

from flask import Flask, g, has_request_context, request

STATIC_PREFIXES = ("/static/", "/appbuilder/static/")


def csp_nonce() -> str:
    """This request's script nonce (the same value for every script on the page and in the header)."""
    if not has_request_context():
        return ""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def _authenticated() -> bool:
    try:
        from flask_login import current_user

        return bool(current_user and current_user.is_authenticated)
    except Exception:
        return False


def apply(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", policy(csp_nonce()))
    static = request.path.startswith(STATIC_PREFIXES)
    if not static and response.mimetype in ("text/html", "application/json") and _authenticated():
        headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(apply)
