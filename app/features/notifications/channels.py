"""Sending one delivery: e-mail over SMTP, or a group robot of 企业微信 or 钉钉 (their documented JSON formats).

A failure raises :class:`SendFailed` with a Chinese reason, kept on the delivery for the administrator."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from typing import Any, Mapping

from app.features.notifications.tables import DINGTALK, EMAIL, WECOM

TIMEOUT = 10  # seconds for one SMTP conversation or webhook call


class SendFailed(Exception):
    pass


def webhook_allowed(url: str, channel: str, config: Mapping[str, Any]) -> bool:
    """A robot address must start with the service's own (config WECOM_WEBHOOK_PREFIX, DINGTALK_WEBHOOK_PREFIX):
    nobody points the server at an address of the school's own network."""
    prefix = config.get("WECOM_WEBHOOK_PREFIX" if channel == WECOM else "DINGTALK_WEBHOOK_PREFIX", "")
    return bool(prefix) and url.startswith(prefix) and len(url) > len(prefix)


def markdown(title: str, body: str, link: str | None) -> str:
    text = f"**{title}**" if body == title else f"**{title}**\n\n{body}"
    return f"{text}\n\n[打开查看]({link})" if link else text


def wecom_payload(title: str, body: str, link: str | None) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": markdown(title, body, link)}}


def dingtalk_payload(title: str, body: str, link: str | None) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": markdown(title, body, link)}}


def dingtalk_signed(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """钉钉 加签: timestamp (ms) and the base64 HMAC-SHA256 of "timestamp\\nsecret", url-encoded, added to the URL."""
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}&timestamp={timestamp}&sign={sign}"


def post_json(url: str, payload: dict) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as answer:
            body = answer.read(10_000)
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"机器人地址答复 HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendFailed(f"无法连接机器人地址：{getattr(exc, 'reason', exc)}") from exc
    try:
        answer_json = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise SendFailed("机器人地址的答复不是 JSON") from exc
    if not isinstance(answer_json, dict) or answer_json.get("errcode") != 0:
        errcode = answer_json.get("errcode") if isinstance(answer_json, dict) else None
        errmsg = answer_json.get("errmsg") if isinstance(answer_json, dict) else None
        raise SendFailed(f"机器人拒收：errcode={errcode} {errmsg or ''}".strip())


def send_mail(to: str, title: str, body: str, link: str | None, config: Mapping[str, Any]) -> None:
    server = config.get("MAIL_SERVER")
    if not server:
        raise SendFailed("未配置邮件服务器（MAIL_SERVER）")
    if not to:
        raise SendFailed("收件人没有邮箱地址")
    mail = EmailMessage()
    mail["Subject"] = title
    mail["From"] = config.get("MAIL_FROM") or config.get("MAIL_USERNAME") or "houqin@localhost"
    mail["To"] = to
    mail.set_content(f"{body}\n\n{link}\n" if link else f"{body}\n")
    port = int(config.get("MAIL_PORT") or (465 if config.get("MAIL_USE_SSL") else 25))
    try:
        kind = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        with kind(server, port, timeout=TIMEOUT) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"邮件发送失败：{exc}") from exc


def send(channel: str, *, title: str, body: str, link: str | None, email: str | None, address: Any,
         config: Mapping[str, Any]) -> None:
    """Send one delivery by ``channel`` to the person whose e-mail and robot ``address`` are given."""
    if channel == EMAIL:
        return send_mail(email or "", title, body, link, config)
    url = getattr(address, "wecom_url" if channel == WECOM else "dingtalk_url", None) if address else None
    if channel not in (WECOM, DINGTALK):
        raise SendFailed(f"未知的渠道：{channel}")
    if not url:
        raise SendFailed("收件人没有设置机器人地址")
    if not webhook_allowed(url, channel, config):
        raise SendFailed("机器人地址不是企业微信或钉钉的地址")
    if channel == WECOM:
        return post_json(url, wecom_payload(title, body, link))
    return post_json(dingtalk_signed(url, address.dingtalk_secret), dingtalk_payload(title, body, link))
