"""Months as people choose them on a page: 2026年11月 from a list (the browser's own month picker writes the
month names in the browser's language)."""
from __future__ import annotations

from models.utilities import this_month


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def month_choices(chosen: str, count: int = 24) -> list[tuple[str, str]]:
    """This month and the ones before it, newest first; the chosen month is kept when it lies outside."""
    year, number = map(int, this_month().split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    if chosen not in months:
        months = sorted(months + [chosen], reverse=True)
    return [(m, month_label(m)) for m in months]
