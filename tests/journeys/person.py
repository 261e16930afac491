"""A person using the system in a real browser, as the journeys drive it.

Every tap (a click on a desktop, a touch on a phone) and every field entry is counted, so that a journey can
assert its click budget; fields are found by their Chinese labels, menus and buttons by their visible text.
On a phone (390 px, touch) every page reached is checked for horizontal scrolling the moment it loads, and
screenshots go to bench/results/journeys/<journey>/ (not committed) for a person to look at.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, RESULTS, log_in

SHOTS = RESULTS / "journeys"
PHONE_WIDTH = PHONE["viewport"]["width"]


@dataclass
class Measured:
    journey: str
    task: str
    role: str
    device: str
    taps: int
    entries: int
    budget: int
    seconds: float


MEASURED: list[Measured] = []


def write_results(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(m) for m in MEASURED], ensure_ascii=False, indent=1), encoding="utf-8")


def _asks_for(url: str, term: str) -> bool:
    """Whether a dropdown's lookup request ``url`` searches for ``term`` (its ``q`` argument)."""
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query).get("q", [None])[0] == term


def _label(text: str):
    """A field's label as the page writes it: the words, then perhaps the red star of a required field."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


class Person:
    def __init__(self, browser, base: str, username: str, role: str, *, phone: bool = False, journey: str = "",
                 password: str | None = None):
        self.base, self.username, self.role, self.phone = base, username, role, phone
        self.journey = journey or "journey"
        self.context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                           **(PHONE if phone else DESKTOP))
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.taps = 0
        self.entries = 0
        self.shots = 0
        if username:  # "" is a visitor without an account: a parent who scanned a QR code
            log_in(self.page, base, username, *([password] if password else []))
            self.check_page()

    def visit(self, url: str) -> None:
        """Open ``url`` as a scanned QR code or a kept link opens it: not a tap on any page."""
        self.page.goto(url if url.startswith("http") else self.base + url)
        self.page.wait_for_load_state("load")
        self.check_page()

    # ------------------------------------------------------------------ counted actions
    def tap(self, target) -> None:
        """Tap (or click) a locator, or the link or button showing ``target``."""
        locator = self.find(target) if isinstance(target, str) else target
        try:
            locator.scroll_into_view_if_needed()
        except Exception:
            self.shot("not-found")  # what the person saw instead, for whoever reads the failure
            raise
        url = self.page.url
        if self.phone:
            locator.tap()
        else:
            locator.click()
        self.taps += 1
        self._settle(url)

    def find(self, text: str):
        """The visible link or button that reads ``text``."""
        candidates = self.page.locator("a:visible, button:visible, input[type=submit]:visible, label:visible").filter(
            has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))
        if candidates.count() == 0:
            candidates = self.page.get_by_role("button", name=text).or_(self.page.get_by_role("link", name=text))
            candidates = candidates.filter(visible=True)
        return candidates.first

    def type(self, label: str, text: str, within=None) -> None:
        """Type into the field labelled ``label`` (a field entry, not a tap)."""
        field = self.field(label, within)
        field.scroll_into_view_if_needed()
        field.fill(text)
        self.entries += 1

    def field(self, label: str, within=None):
        return (within if within is not None else self.page).get_by_label(_label(label)).first

    def choose(self, label: str, option: str, search: str | None = None, within=None) -> None:
        """Open the select labelled ``label``, perhaps type ``search`` into it, tap the option reading ``option``."""
        select = self.field(label, within)
        box = select.locator("xpath=following-sibling::span[contains(@class, 'select2')][1]//*[contains(@class, 'select2-selection')]").first
        box.scroll_into_view_if_needed()
        box.tap() if self.phone else box.click()
        self.taps += 1
        dropdown = self.page.locator(".select2-container--open .select2-dropdown")
        dropdown.wait_for(state="visible")
        if search:
            # Into the dropdown's own search box: the page focuses it a moment after opening, and keys typed
            # before then would land in the field focused last (seen on a busy machine: "2200厨房" in 单价).
            dropdown.locator(".select2-search__field").press_sequentially(search)
            self.entries += 1
        choice = dropdown.locator(".select2-results__option:not(.loading-results)").filter(has_text=option).first
        choice.wait_for(state="visible")
        choice.tap() if self.phone else choice.click()
        self.taps += 1

    def pick(self, label: str, option: str, within=None) -> None:
        """Choose ``option`` in the plain (browser) select labelled ``label``: one tap on the list, one on the option."""
        select = self.field(label, within)
        select.scroll_into_view_if_needed()
        url = self.page.url
        select.select_option(label=option)
        self.taps += 2
        self._settle(url)

    def tick(self, label: str, within=None) -> None:
        """Tick (or untick) the checkbox labelled ``label``."""
        box = self.field(label, within)
        box.scroll_into_view_if_needed()
        box.tap() if self.phone else box.click()
        self.taps += 1

    def options(self, label: str, search: str | None = None) -> list[str]:
        """What the select labelled ``label`` offers (for ``search``), read without choosing (closed again)."""
        select = self.field(label)
        box = select.locator("xpath=following-sibling::span[contains(@class, 'select2')][1]//*[contains(@class, 'select2-selection')]").first
        box.click()
        dropdown = self.page.locator(".select2-container--open .select2-dropdown")
        dropdown.wait_for(state="visible")
        if search:
            # Wait for the answer to this very search (debounced, and slow on a busy machine), not a fixed time.
            with self.page.expect_response(lambda r: _asks_for(r.url, search), timeout=15_000):
                dropdown.locator(".select2-search__field").press_sequentially(search)
        self.page.wait_for_function("() => !document.querySelector('.select2-container--open .loading-results')")
        self.page.wait_for_timeout(100)  # the answer is drawn
        options = dropdown.locator(".select2-results__option:not(.loading-results):not(.select2-results__message):not(.select2-results__option--load-more)")
        found = [t.strip() for t in options.all_inner_texts()]
        self.page.keyboard.press("Escape")
        return [t for t in found if t]

    def attach(self, label: str, path: Path, within=None) -> None:
        """Tap the 选择图片 button of the upload field labelled ``label`` and pick ``path``."""
        field = self.field(label, within)
        button = field.locator("xpath=following-sibling::button[1]")
        button.scroll_into_view_if_needed()
        with self.page.expect_file_chooser() as chooser:
            button.tap() if self.phone else button.click()
        chooser.value.set_files(str(path))
        self.taps += 1

    def scan(self, code: str, box: str = "扫码或输入资产编号") -> None:
        """A scan into the 扫码盘点 box: a USB scanner (or the camera) enters the code and Enter — one tap.
        Waits for the page's answer (it empties the box)."""
        field = self.field(box)
        field.fill(code)
        field.press("Enter")
        self.taps += 1
        expect(field).to_have_value("")

    def inbox(self) -> None:
        """Open 我的待办 from the top bar (on a phone: the 待办 button beside the menu button)."""
        self.tap(self.page.locator(".engine-todo-phone" if self.phone else ".engine-todo-badge a").first)

    def card(self, text: str):
        """The card (我的待办, 我的申请, a list on a phone) of the record showing ``text``."""
        found = self.page.locator(".engine-card:visible").filter(has_text=text).first
        expect(found).to_be_visible()
        return found

    def menu(self, category: str, item: str) -> None:
        """Open a page through the top menu, as a person would (the phone's menu button first)."""
        toggle = self.page.locator(".navbar-toggle")
        if self.phone and toggle.is_visible():
            self.tap(toggle)
            # The menu slides open: a tap while it still moves lands on whatever is under the finger then.
            expect(self.page.locator(".navbar-collapse.collapsing")).to_have_count(0)
        heading = self.page.locator(".navbar-nav > li > a.dropdown-toggle").filter(has_text=category).first
        self.tap(heading)
        expect(heading.locator("xpath=..")).to_have_class(re.compile(r"\bopen\b"))
        self.tap(self.page.locator(".navbar-nav .dropdown-menu a:visible").filter(
            has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")).first)

    # ------------------------------------------------------------------ what the person sees
    def sees(self, text: str, within=None) -> None:
        scope = within if within is not None else self.page
        expect(scope.get_by_text(text).first).to_be_visible()

    def text(self) -> str:
        return self.page.locator("body").inner_text()

    def flashes(self) -> list[str]:
        return [t.strip() for t in self.page.locator(".alert").all_inner_texts()]

    def shot(self, name: str) -> Path:
        folder = SHOTS / self.journey
        folder.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = folder / f"{self.shots:02d}-{self.role}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_page(self) -> None:
        """On a phone: the page fits the screen (no horizontal scrolling)."""
        if not self.phone:
            return
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            path = self.shot("too-wide")
            raise AssertionError(f"{self.page.url} 在手机上需要横向滚动：宽 {width} px（截图 {path}）")

    def _settle(self, url_before: str) -> None:
        self.page.wait_for_load_state("load")
        if self.page.url != url_before:
            self.check_page()

    # ------------------------------------------------------------------ budgets
    @contextmanager
    def task(self, name: str, budget: int):
        """Count the taps and entries of one task, time it, and assert its click budget."""
        taps, entries, start = self.taps, self.entries, time.perf_counter()
        yield self
        done = Measured(self.journey, name, self.role, "手机" if self.phone else "电脑", self.taps - taps,
                        self.entries - entries, budget, round(time.perf_counter() - start, 1))
        MEASURED.append(done)
        assert done.taps <= budget, f"「{name}」用了 {done.taps} 次点击，超过 {budget} 次"

    def close(self) -> None:
        assert not self.errors, f"JavaScript errors: {self.errors}"
        self.context.close()
