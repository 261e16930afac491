"""Journeys: a person's daily task, done in a real browser the way that person would do it.

Every journey shares the test run's one browser, one live server and one seeded database (tests/conftest.py).
``person("jiaoshi", "教职工", phone=True)`` logs a role in; the journey then navigates by the visible menus
and buttons, fills fields by their Chinese labels and asserts what the person would check with their eyes.
Clicks and seconds of every task are printed at the end of the run and written to bench/results/journeys.json.
"""
from __future__ import annotations

import pytest

from tests.journeys.person import Person


@pytest.fixture
def person(browser, live_server, request):
    opened: list[Person] = []
    journey = request.node.name.removeprefix("test_")

    def open_as(username: str, role: str, phone: bool = False, password: str | None = None) -> Person:
        someone = Person(browser, live_server, username, role, phone=phone, journey=journey, password=password)
        opened.append(someone)
        return someone

    yield open_as
    for someone in opened:
        someone.close()
