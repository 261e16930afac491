"""In a real browser (Debian's Chromium through Playwright): the widgets a person clicks are Chinese, the
teacher's pages fit a 390 px wide phone, and no page asks anything of another host.

The app of the test session is served by a real HTTP server on 127.0.0.1 and a free port. Screenshots
of the phone pages are written to bench/results/phone/ (not committed).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.browser import LATIN, LOCAL_HOSTS, RESULTS

SCREENSHOTS = RESULTS / "phone"
WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]
MONTHS = ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"]


def open_picker(page, selector: str):
    page.click(selector)
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.wait_for(state="visible")
    return calendar


def shown_strings(locator) -> list[str]:
    """Text and every label a person or a screen reader meets inside an element."""
    return locator.evaluate("""el => [el.innerText,
        ...[...el.querySelectorAll('[aria-label],[title],[placeholder]')].flatMap(
            e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')])]
        .filter(Boolean)""")


def assert_chinese(strings: list[str], where: str) -> None:
    english = [s for s in strings if LATIN.search(s)]
    assert not english, f"English in {where}: {english}"


# ----------------------------------------------------------------------------- date pickers
def test_date_time_picker_is_chinese_and_starts_on_monday(session):
    page = session("admin").open("/repair-order/add")
    calendar = open_picker(page, "#reported_at")
    weekdays = [w.strip() for w in calendar.locator(".flatpickr-weekday").all_inner_texts()]
    assert weekdays == WEEKDAYS
    months = [m.strip() for m in calendar.locator("select.flatpickr-monthDropdown-months option").all_inner_texts()]
    assert months == MONTHS
    assert calendar.locator(".flatpickr-time input.flatpickr-hour").is_visible()  # time selection
    assert calendar.locator(".flatpickr-am-pm").count() == 0  # 24-hour clock
    assert_chinese(shown_strings(calendar), "the date-time picker")
    # 2026-11-01 is a Sunday: the last cell of the first week.
    column = page.evaluate("""() => {
        const fp = document.querySelector('#reported_at')._flatpickr;
        fp.jumpToDate('2026-11-01');
        const days = [...document.querySelectorAll('.flatpickr-calendar.open .dayContainer .flatpickr-day')];
        return days.findIndex(d => !d.classList.contains('prevMonthDay')) % 7;
    }""")
    assert column == 6
    calendar.locator(".dayContainer .flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)").nth(20).click()
    assert re.fullmatch(r"2026-11-21 \d{2}:\d{2}", page.input_value("#reported_at"))


def test_date_picker_without_time(session):
    page = session("admin").open("/asset-loan/add")
    calendar = open_picker(page, "#due_on")
    assert [w.strip() for w in calendar.locator(".flatpickr-weekday").all_inner_texts()] == WEEKDAYS
    assert calendar.locator(".flatpickr-time").count() == 0 or not calendar.locator(".flatpickr-time").is_visible()
    assert_chinese(shown_strings(calendar), "the date picker")
    calendar.locator(".dayContainer .flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)").first.click()
    assert re.fullmatch(r"\d{4}-\d{2}-01", page.input_value("#due_on"))


# ----------------------------------------------------------------------------- select boxes
def open_select(page, select_id: str):
    page.click(f"#{select_id} + .select2 .select2-selection")
    dropdown = page.locator(".select2-container--open .select2-dropdown")
    dropdown.wait_for(state="visible")
    return dropdown


def test_select_boxes_are_chinese(session):
    page = session("admin").open("/repair-order/add")
    # a relation searched on the server
    placeholder = page.locator("#location + .select2 .select2-selection__placeholder").inner_text()
    assert placeholder == "请选择或输入关键字搜索"
    dropdown = open_select(page, "location")
    page.keyboard.type("zzqqxx不存在的地点")
    message = dropdown.locator(".select2-results__message")
    message.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('.select2-results__message')"
                           " && document.querySelector('.select2-results__message').innerText === '未找到结果'")
    assert message.inner_text() == "未找到结果"
    page.keyboard.press("Escape")
    # an enum select: Chinese options, Chinese "no results"
    dropdown = open_select(page, "category")
    options = [o.strip() for o in dropdown.locator(".select2-results__option").all_inner_texts()]
    assert options and all(re.search(r"[\u4e00-\u9fff]", o) for o in options), options
    assert_chinese(options, "the enum options")
    page.keyboard.type("gibberish")
    assert dropdown.locator(".select2-results__message").inner_text() == "未找到结果"
    page.keyboard.press("Escape")


def test_search_filters_get_chinese_widgets(session):
    """A filter added on a list page (ab_filters.js) gets the Chinese select and date picker too."""
    page = session("admin").open("/repair-order/list/")
    page.click("a.accordion-toggle")
    page.click("#filter_form .dropdown-toggle")
    page.click("#filter_form a.filter[name=reported_at]")
    operator = page.locator("#filter_form .filters .select2-selection__rendered").first
    operator.wait_for(state="visible")
    assert_chinese([operator.inner_text()], "the filter operator")
    calendar = open_picker(page, "#filter_form .filters input.engine-datetime")
    assert [w.strip() for w in calendar.locator(".flatpickr-weekday").all_inner_texts()] == WEEKDAYS


# ----------------------------------------------------------------------------- phones
def rateable_order(app) -> int:
    """A finished, unrated repair reported by jiaoshi: the teacher's 评价 form exists for it."""
    from app.extensions import db
    from app.meta import clock
    from models.org import Staff
    from models.repairs import RepairOrder, RepairStatus

    with app.app_context():
        user = app.appbuilder.sm.find_user(username="jiaoshi")
        staff = db.session.query(Staff).filter_by(user_id=user.id).one()
        order = (db.session.query(RepairOrder)
                 .filter_by(reporter_id=staff.id, status=RepairStatus.done, rating=None).first())
        if order is None:
            now = clock.now()
            order = RepairOrder(code="BX-PHONE-0001", title="宿舍门锁损坏", description="门锁无法锁上，钥匙转不动",
                                place="教学楼A 302", reporter=staff, department=staff.department, phone="13800000000",
                                reported_at=now, promised_at=now, finished_at=now, status=RepairStatus.done,
                                work_record="更换锁芯")
            db.session.add(order)
            db.session.commit()
        order_id = order.id
        db.session.remove()
    return order_id


def test_teacher_pages_fit_a_phone(app, session):
    order_id = rateable_order(app)
    teacher = session("jiaoshi", viewport={"width": 390, "height": 844}, device_scale_factor=1,
                      is_mobile=True, has_touch=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "inbox": "/",
        "report-repair": "/repair-order/add",
        "my-requests": "/repair-order/list/",
        "repair-detail": f"/repair-order/show/{order_id}",
        "rate-repair": f"/repair-order/step/rate/{order_id}",
    }
    too_wide = {}
    for name, path in pages.items():
        page = teacher.open(path)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    assert not too_wide, f"pages wider than the phone (px): {too_wide}"
    # the rating form is usable: its fields sit one above the other, inside the screen
    page = teacher.open(f"/repair-order/step/rate/{order_id}")
    for selector in ("#rating", "#comment", "button[type=submit]"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)


# ----------------------------------------------------------------------------- nothing from outside
def test_no_request_leaves_the_server(app, session):
    order_id = rateable_order(app)
    teacher = session("jiaoshi", viewport={"width": 390, "height": 844})
    for path in ("/", "/users/userinfo/", "/repair-order/list/", f"/repair-order/show/{order_id}",
                 f"/repair-order/step/rate/{order_id}"):
        teacher.open(path)
    page = teacher.open("/asset-loan/add")  # a form of the teacher's with a date to pick
    open_picker(page, "#due_on")
    page.keyboard.press("Escape")
    page = teacher.open("/repair-order/add")
    open_select(page, "category")
    page.keyboard.press("Escape")
    open_select(page, "location")
    page.keyboard.type("教学")
    page.wait_for_load_state("networkidle")
    assert len(teacher.requests) > 10
    assert not teacher.foreign_requests(), teacher.foreign_requests()
    hosts = {urlsplit(url).hostname for url in teacher.requests if urlsplit(url).scheme.startswith("http")}
    assert hosts <= LOCAL_HOSTS, hosts
