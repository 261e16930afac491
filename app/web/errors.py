"""Chinese error pages with a way back home, for every error a person can meet."""
from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("请求有误", "提交的内容无法识别，请返回上一页重新操作。"),
    403: ("没有权限", "您没有访问此页面或执行此操作的权限。如需开通，请联系系统管理员。"),
    404: ("找不到页面", "您要找的页面或记录不存在，或不在您的查看范围内。"),
    405: ("操作方式不正确", "此页面不支持这种操作方式，请从系统菜单进入。"),
    413: ("文件太大", "上传的文件超过了大小限制。"),
    429: ("操作太频繁", "请稍候片刻再试。"),
    500: ("系统出错了", "服务器处理时出现错误，已记录。请稍后重试，或联系系统管理员。"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, text: str | None = None):
    title, default_text = MESSAGES.get(code, (f"错误 {code}", "请求未能完成。"))
    text = text or default_text
    if _wants_json():
        return {"message": text}, code
    appbuilder = current_app.appbuilder
    return render_template("engine/error.html", code=code, title=title, text=text,
                           base_template=appbuilder.base_template, appbuilder=appbuilder), code


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error")
        return render_error(500)
