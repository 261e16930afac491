"""Chinese error pages with a way back home, for every error a person can meet; every unexpected error logged.

Each request has an id (``request_id``: a proxy's own X-Request-Id when it sends a plausible one, else a new
random one), answered in the X-Request-Id header of every response. An unhandled error is logged with its
traceback and that id, and its page shows the id as 错误编号, so a report of the page finds the log record.

The page of a server error (500, and 503 when the database cannot be reached) needs no database: it is rendered
from its own template without the menu, the login user or any context processor (Flask-Login's would load the
user). Pages of other errors show the menu; should that fail (the database went away meanwhile), they too
fall back to the plain page, and should even that fail, to a fixed HTML text.
"""
from __future__ import annotations

import logging
import re
import secrets
import sys

from flask import Flask, current_app, has_request_context, render_template, request
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("请求有误", "提交的内容无法识别，请返回上一页重新操作。"),
    403: ("没有权限", "您没有访问此页面或执行此操作的权限。如需开通，请联系系统管理员。"),
    404: ("找不到页面", "您要找的页面或记录不存在，或不在您的查看范围内。"),
    405: ("操作方式不正确", "此页面不支持这种操作方式，请从系统菜单进入。"),
    413: ("文件太大", "上传的文件超过了大小限制。"),
    429: ("操作太频繁", "请稍候片刻再试。"),
    500: ("系统出错了", "服务器处理时出现错误，已记录。请稍后重试；如需联系系统管理员，请告知下面的错误编号。"),
    503: ("系统暂时无法使用", "暂时连不上数据库（可能正在重启或维护），请稍等一两分钟后刷新页面重试。"
                          "如长时间不能恢复，请联系系统管理员，并告知下面的错误编号。"),
}

REQUEST_ID_HEADER = "X-Request-Id"
_ENVIRON_KEY = "houqin.request_id"
_PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # e.g. nginx's $request_id; nothing that could forge a log line
PLAIN_TEMPLATE = "engine/error_plain.html"
RETRY_AFTER_SECONDS = 30


def request_id() -> str:
    """This request's id ("-" outside a request): twelve digits, easy to read out over the telephone (and left
    alone by the REST answers' translation of English words); kept in the WSGI environ, so it outlives ``g``."""
    if not has_request_context():
        return "-"
    environ = request.environ
    found = environ.get(_ENVIRON_KEY)
    if found is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        found = incoming if _PLAUSIBLE_ID.fullmatch(incoming) else f"{secrets.randbelow(10 ** 12):012d}"
        environ[_ENVIRON_KEY] = found
    return found


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, text: str | None = None):
    title, default_text = MESSAGES.get(code, (f"错误 {code}", "请求未能完成。"))
    text = text or default_text
    shown_id = request_id() if code >= 500 else None
    if _wants_json():
        body = {"message": text}
        if shown_id:
            body["request_id"] = shown_id
        return body, code
    if code < 500:
        try:
            appbuilder = current_app.appbuilder
            return render_template("engine/error.html", code=code, title=title, text=text,
                                   base_template=appbuilder.base_template, appbuilder=appbuilder), code
        except Exception:  # the menu or the login user needs the database, which may have gone away
            log.warning("error page %s rendered without the menu [request %s]", code, request_id(), exc_info=True)
            _rollback()
    return _plain_page(code, title, text, request_id()), code


def _plain_page(code: int, title: str, text: str, shown_id: str) -> str:
    """The error page from its own template: no database, no login user, no context processor."""
    try:
        template = current_app.jinja_env.get_template(PLAIN_TEMPLATE)
        return template.render(code=code, title=title, text=text, request_id=shown_id,
                               app_name=current_app.config.get("APP_NAME", ""), back=_back_url())
    except Exception:
        log.exception("plain error page failed [request %s]", shown_id)
        return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
                f'</head><body><h2>{escape(title)}（{code}）</h2><p>{escape(text)}</p>'
                f'<p>错误编号：{escape(shown_id)}</p><p><a href="/">返回首页</a></p></body></html>')


def _back_url() -> str:
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else ""


def _rollback() -> None:
    """Leave the session usable for the next request; a dead connection may refuse even the rollback."""
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:
        log.debug("rollback after an error failed", exc_info=True)


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or is overloaded: connection refused or dropped, pool exhausted."""
    if isinstance(exc, (OperationalError, PoolTimeout)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


# ----------------------------------------------------------------------------- logging
class RequestFormatter(logging.Formatter):
    """Each line names the request it belongs to (the id the error page shows)."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return super().format(record)


class StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is at the moment of writing (gunicorn, the test runner may replace it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
LOGGED_PACKAGES = ("app", "views", "models")  # "app" is also the Flask app's own logger (app.logger)


def configure_logging(app: Flask) -> None:
    """The application's loggers write to stderr at LOG_LEVEL, once however many apps a process creates; their
    records still propagate, so a root handler (pytest's caplog, a log config given to gunicorn) sees them."""
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    for name in LOGGED_PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if not any(isinstance(h, StderrHandler) for h in logger.handlers):
            handler = StderrHandler()
            handler.setFormatter(RequestFormatter(LOG_FORMAT))
            logger.addHandler(handler)


# ----------------------------------------------------------------------------- registration
def register(app: Flask) -> None:
    configure_logging(app)

    @app.after_request
    def answer_request_id(response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code >= 500:
            cause = getattr(exc, "original_exception", None) or exc
            log.error("server error %s on %s %s [request %s]", code, request.method, request.path, request_id(),
                      exc_info=(type(cause), cause, cause.__traceback__))
            _rollback()
        return _with_id(render_error(code))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        _rollback()
        if database_unavailable(exc):
            log.error("database unavailable on %s %s [request %s]", request.method, request.path, request_id(),
                      exc_info=exc)
            body, code = render_error(503)
            return body, code, {REQUEST_ID_HEADER: request_id(), "Retry-After": str(RETRY_AFTER_SECONDS)}
        log.error("unhandled error on %s %s [request %s]", request.method, request.path, request_id(),
                  exc_info=exc)
        return _with_id(render_error(500))


def _with_id(answer):
    """The id header also on an answer no after_request function gets to (an error while answering an error)."""
    body, code = answer
    return body, code, {REQUEST_ID_HEADER: request_id()}
