"""A person's 消息通知 settings: which kinds of event go by which channel, and their group robots' addresses.

A group robot belongs to one group chat (企业微信 or 钉钉): each person gives the address of the robot in the chat
they want their messages in — their own team's group, or a group with only themselves — so nothing has to be kept
per department, and a person who moves takes their setting along."""
from __future__ import annotations

from typing import Any, Mapping

from app.features.notifications.channels import webhook_allowed
from app.features.notifications.tables import CHANNELS, DINGTALK, EMAIL, KINDS, WECOM, Address, Choice

URL_LENGTH, SECRET_LENGTH = 500, 200


def load(session, user) -> tuple[set[tuple[str, str]], Address | None]:
    chosen = {(kind, channel) for kind, channel in
              session.query(Choice.kind, Choice.channel).filter(Choice.user_id == user.id)}
    return chosen, session.get(Address, user.id)


def _field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name) or ""
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def save(session, user, form: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, str]:
    """Check and store the settings; returns field errors (then nothing is stored)."""
    wanted = {(kind, channel) for kind in KINDS for channel in CHANNELS if form.get(f"{kind}:{channel}")}
    urls = {WECOM: _field(form, "wecom_url"), DINGTALK: _field(form, "dingtalk_url")}
    secret = _field(form, "dingtalk_secret")
    errors: dict[str, str] = {}
    examples = {WECOM: config.get("WECOM_WEBHOOK_PREFIX", ""), DINGTALK: config.get("DINGTALK_WEBHOOK_PREFIX", "")}
    for channel, url in urls.items():
        name = f"{channel}_url"
        if len(url) > URL_LENGTH:
            errors[name] = f"地址不能超过 {URL_LENGTH} 个字符"
        elif url and not webhook_allowed(url, channel, config):
            errors[name] = f"请填写{CHANNELS[channel]}群机器人的地址，以 {examples[channel]} 开头"
        elif not url and any(c == channel for _, c in wanted):
            errors[name] = f"选择了{CHANNELS[channel]}，请填写群机器人的地址"
    if len(secret) > SECRET_LENGTH:
        errors["dingtalk_secret"] = f"加签密钥不能超过 {SECRET_LENGTH} 个字符"
    if any(c == EMAIL for _, c in wanted):
        if not (getattr(user, "email", "") or "").strip():
            errors["email"] = "您的账号没有邮箱地址，请先在个人资料里填写"
        elif not config.get("MAIL_SERVER"):
            errors["email"] = "系统尚未配置邮件服务器，暂不能选择邮件，请联系管理员"
    if errors:
        session.rollback()
        return errors
    session.query(Choice).filter(Choice.user_id == user.id).delete(synchronize_session=False)
    for kind, channel in sorted(wanted):
        session.add(Choice(user_id=user.id, kind=kind, channel=channel))
    address = session.get(Address, user.id) or Address(user_id=user.id)
    address.wecom_url, address.dingtalk_url = urls[WECOM] or None, urls[DINGTALK] or None
    address.dingtalk_secret = secret or None
    session.add(address)
    session.commit()
    return {}
