"""校长's home page, on the office screen and on a phone: overdue repairs, the on-time rate, satisfaction against
90%, budgets, and the charts drawn."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

FIGURES = {"overdue_repairs": "逾期报修", "repair_on_time": "本月报修及时率", "satisfaction": "满意率",
           "budgets": "预算执行"}
CHARTS = ("budgets", "asset_value", "dorm_occupancy")


@pytest.mark.parametrize("phone", [False, True], ids=["1366", "390"])
def test_the_principals_home_page(person, phone):
    principal = person("xiaozhang", "校长", phone=phone)  # logging in lands on the home page
    page = principal.page
    with principal.task("打开首页看全校情况", budget=0):
        for key, title in FIGURES.items():
            widget = page.locator(f'[data-widget="{key}"]')
            expect(widget).to_be_visible()
            expect(widget).to_contain_text(title)
        expect(page.locator('[data-widget="overdue_repairs"] .dashboard-value')).to_have_text(re.compile(r"^\d+$"))
        expect(page.locator('[data-widget="repair_on_time"] .dashboard-value')).to_have_text(
            re.compile(r"^(\d+(\.\d)?%|—|暂无)"))
        expect(page.locator('[data-widget="satisfaction"]')).to_contain_text("90%")
    for key in CHARTS:
        chart = page.locator(f'[data-widget="{key}"] .dashboard-chart')
        chart.scroll_into_view_if_needed()
        canvas = chart.locator("canvas").first
        canvas.wait_for(state="attached")
        box = canvas.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, (key, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], (key, box)
        drawn = page.evaluate("el => { const ctx = el.getContext('2d'); const {width, height} = el;"
                              " const data = ctx.getImageData(0, 0, width, height).data;"
                              " for (let i = 3; i < data.length; i += 4) { if (data[i]) return true; } return false; }",
                              canvas.element_handle())
        assert drawn, f"chart {key} is blank"
    principal.check_page()
    principal.shot("首页")
