"""Every answer of the REST API in Chinese, and requests no parser should have to survive refused first.

Flask-AppBuilder (5.3.0) and marshmallow answer in English ("Fatal error", "Not a valid rison argument",
"Missing data for required field."). After each /api/ request, an error answer's English messages are
replaced by their Chinese (known ones word for word, any other by what its status means), and the fields a
message names are given their Chinese labels (``labels``). Before it, a query string or JSON body nested
deeper than any real request (``((((…``, which recursive parsers answer with a stack overflow) or a page
number beyond any table is refused with 400.
"""
from __future__ import annotations

import json
import re
from typing import Any

import prison
from flask import Flask, request

MAX_DEPTH = 32
MAX_PAGE = 1_000_000

KNOWN = {
    "Missing data for required field.": "此项必填",
    "Field may not be null.": "此项不能为空",
    "Not a valid integer.": "请填写整数",
    "Not a valid number.": "请填写数字",
    "Not a valid string.": "请填写文字",
    "Not a valid boolean.": "请填写 是 或 否（true / false）",
    "Not a valid date.": "日期格式不正确，应为 2026-09-01",
    "Not a valid datetime.": "时间格式不正确，应为 2026-09-01T08:30:00",
    "Not a valid decimal.": "请填写数字",
    "Special numeric values (nan or infinity) are not permitted.": "请填写一个有限的数字（不能是 NaN 或无穷大）",
    "Invalid input type.": "填写的类型不对",
    "Invalid value.": "填写的值无效",
    "Unknown field.": "没有这一项，或不能通过接口填写",
    "Related not found": "所选记录不存在",
    "Fatal error": "服务器出错，已记录，请稍后再试",
    "Not found": "记录不存在或不在您的数据范围内",
    "Not a valid rison argument": "查询参数格式不正确",
    "Not a valid rison/json argument": "查询参数格式不正确",
    "Request is not JSON": "请求内容须为 JSON",
    "Forbidden": "没有权限",
    "Unauthorized": "请先登录",
    "Method Not Allowed": "不支持这种请求方式",
}
BY_STATUS = {
    400: "请求有误，请检查参数", 401: "请先登录", 403: "没有权限", 404: "记录不存在或不在您的数据范围内",
    405: "不支持这种请求方式", 409: "该记录已被他人修改，请重新读取后再改", 413: "请求内容太大",
    415: "请求内容须为 JSON", 422: "填写的内容不符合要求", 429: "请求过于频繁，请稍后再试",
}
SERVER = "服务器出错，已记录，请稍后再试"
LATIN = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def depth(text: str) -> int:
    """How deeply brackets nest in ``text`` (strings are not skipped: an upper bound is enough here)."""
    deepest = level = 0
    for char in text:
        if char in "([{":
            level += 1
            deepest = max(deepest, level)
        elif char in ")]}":
            level = max(level - 1, 0)
    return deepest


def chinese(message: str, status: int) -> str:
    if message in KNOWN:
        return KNOWN[message]
    if message.startswith("Must be one of"):
        return "请从可选项中选择"
    if message.startswith("Length must be") or message.startswith("Longer than maximum length"):
        return "长度超出限制"
    if message.startswith("Not a valid rison schema"):
        return "查询参数不符合要求"
    if CJK.search(message) or not LATIN.search(message):
        return message
    return BY_STATUS.get(status, SERVER if status >= 500 else "请求有误")


def _translate(value: Any, status: int) -> Any:
    if isinstance(value, str):
        return chinese(value, status)
    if isinstance(value, list):
        return [_translate(v, status) for v in value]
    if isinstance(value, dict):
        return {k: _translate(v, status) for k, v in value.items()}
    return value


def _refuse(message: str):
    from flask import jsonify

    response = jsonify(message=message)
    response.status_code = 400
    return response


def _unparseable(query: str) -> bool:
    """Rison the parser recurses on without end (an unclosed ``(((``); other mistakes FAB answers itself."""
    if not query:
        return False
    try:
        prison.loads(query)
    except RecursionError:
        return True
    except Exception:  # noqa: BLE001 — FAB reports an ordinary syntax error with 400
        return False
    return False


def _page_too_far(query: str) -> bool:
    return any(int(number) > MAX_PAGE for number in re.findall(r"page(?:_size)?:(\d{1,40})", query))


def register(app: Flask, labels_of) -> None:
    """``labels_of(path)`` gives the Chinese labels of the model an /api/ path serves ({} if none)."""

    @app.before_request
    def refuse_what_no_parser_should_read():
        if not request.path.startswith("/api/"):
            return None
        query = request.args.get("q", "")
        if depth(query) > MAX_DEPTH or len(query) > 20_000 or _page_too_far(query) or _unparseable(query):
            return _refuse("查询参数太复杂、格式不完整或页码超出范围")
        if request.content_length and request.is_json and depth(request.get_data(as_text=True)) > MAX_DEPTH:
            return _refuse("请求内容嵌套过深")
        return None

    @app.after_request
    def answer_in_chinese(response):
        if not request.path.startswith("/api/") or response.status_code < 400 or not response.is_json:
            return response
        body = response.get_json(silent=True)
        if not isinstance(body, dict):
            return response
        translated = _translate(body, response.status_code)
        message = translated.get("message")
        if isinstance(message, dict):
            labels = labels_of(request.path)
            translated["labels"] = {name: labels.get(name, name) for name in message}
        elif message is None and response.status_code >= 400:
            translated["message"] = BY_STATUS.get(response.status_code, SERVER)
        response.set_data(json.dumps(translated, ensure_ascii=False))
        return response
