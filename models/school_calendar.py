"""校历: the school's terms, named as staff write them (2026-2027学年第一学期), and the three check points of a term.

The autumn term runs from 1 September to 20 January, the spring term from 17 February to 10 July (the breaks
the demo data also keeps). A school with other dates sets ``SCHOOL_TERMS`` in config: ``{"autumn": ((9, 1),
(1, 20)), "spring": ((2, 17), (7, 10))}`` as (month, day) pairs.

期初 is the term's first two weeks, 期中 the two weeks around its middle, 期末 its last two weeks: the windows in
which a 检查计划 of frequency 期初·期中·期末 is due.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_TERMS = {"autumn": ((9, 1), (1, 20)), "spring": ((2, 17), (7, 10))}
NAME = re.compile(r"(\d{4})-(\d{4})学年第([一二])学期")
WINDOW = timedelta(days=13)


@dataclass(frozen=True)
class Term:
    name: str
    start: date
    end: date

    def points(self) -> list[tuple[str, date, date]]:
        """(期初|期中|期末, first day, last day) of the term's three check windows."""
        middle = self.start + (self.end - self.start) / 2
        return [("期初", self.start, self.start + WINDOW),
                ("期中", middle - timedelta(days=7), middle + timedelta(days=6)),
                ("期末", self.end - WINDOW, self.end)]


def _dates() -> dict:
    try:
        from flask import current_app

        return current_app.config.get("SCHOOL_TERMS") or DEFAULT_TERMS
    except RuntimeError:  # outside the application (demo builder before the app, plain scripts)
        return DEFAULT_TERMS


def _term(school_year: int, second: bool) -> Term:
    dates = _dates()
    (sm, sd), (em, ed) = dates["spring" if second else "autumn"]
    if second:
        start, end = date(school_year + 1, sm, sd), date(school_year + 1, em, ed)
    else:
        start, end = date(school_year, sm, sd), date(school_year + (em < sm), em, ed)
    return Term(f"{school_year}-{school_year + 1}学年第{'二' if second else '一'}学期", start, end)


def terms_of_year(school_year: int) -> list[Term]:
    return [_term(school_year, False), _term(school_year, True)]


def term_at(day: date) -> Term | None:
    """The term ``day`` falls in; None in the breaks."""
    for year in (day.year - 1, day.year):
        for term in terms_of_year(year):
            if term.start <= day <= term.end:
                return term
    return None


def latest_term(day: date) -> Term:
    """The term under way on ``day``, or the last one before it (in a break)."""
    found = term_at(day)
    if found is not None:
        return found
    candidates = [t for year in (day.year - 2, day.year - 1, day.year) for t in terms_of_year(year) if t.end < day]
    return max(candidates, key=lambda t: t.end)


def term_named(name: str) -> Term | None:
    """The term of a name such as 2026-2027学年第一学期; None when the name is not one."""
    match = NAME.fullmatch((name or "").strip())
    if match is None or int(match.group(2)) != int(match.group(1)) + 1:
        return None
    return _term(int(match.group(1)), match.group(3) == "二")


def terms_between(first: date, last: date) -> list[Term]:
    """Every term overlapping [first, last], in order."""
    found = []
    for year in range(first.year - 1, last.year + 1):
        for term in terms_of_year(year):
            if term.end >= first and term.start <= last:
                found.append(term)
    return sorted(found, key=lambda t: t.start)
