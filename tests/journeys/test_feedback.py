"""A parent scans the canteen's 投诉建议 QR code on a phone and sends a complaint without logging in; the canteen
manager finds it in 我的待办 and replies; the parent opens the private link kept from the sending and reads the
reply."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect


def test_a_parent_complains_by_qr_code_and_reads_the_canteens_reply(person):
    mark = uuid.uuid4().hex[:4]
    complaint = f"孩子说今天午饭的鱼有刺没挑干净{mark}，希望注意"
    answer = f"已要求厨房改用无刺鱼片{mark}，感谢您的提醒。"

    parent = person("", "家长", phone=True)
    parent.visit("/feedback/canteen")  # what the QR code posted in the canteen opens
    with parent.task("扫码投诉（不登录）", budget=6):
        parent.sees("师生食堂一楼大厅")
        parent.tap("投诉")
        parent.type("内容", complaint)
        parent.type("联系方式（选填）", "高一(3)班 林同学家长")
        parent.tap("提交")
        parent.sees("已收到您的反馈")
    page = parent.page
    expect(page).to_have_url(re.compile(r"/feedback/reply/[\w-]{20,}"))
    expect(page.locator(".public-status")).to_have_text("待处理")
    kept = page.locator(".public-link a").inner_text()  # the private link the page asks to keep
    assert kept.endswith(page.url.split("/feedback")[1].split("?")[0])
    expect(page.locator(".public-qr svg")).to_be_visible()
    parent.shot("已提交")

    canteen = person("shitang", "食堂管理员")
    with canteen.task("在我的待办里找到并回复", budget=4):
        canteen.inbox()
        card = canteen.card(complaint[:12])
        expect(card).to_contain_text("投诉")
        canteen.tap(card.get_by_role("button", name="回复"))
        canteen.type("回复内容", answer)
        canteen.tap(canteen.page.get_by_role("button", name="回复"))
        canteen.sees("已回复")
    canteen.shot("已回复")

    with parent.task("打开保存的链接看回复", budget=0):
        parent.visit(kept)
        parent.sees(answer)
    expect(page.locator(".public-status")).to_have_text("已回复")
    expect(page.locator(".public-reply")).to_contain_text("师生食堂的回复")
    expect(page.locator("body")).not_to_contain_text("我的待办")
    parent.shot("看到回复")
