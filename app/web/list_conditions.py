"""The conditions a list is showing, as chips above it: the keyword, the quick filter and each search filter,
each with a link that removes it and keeps the others."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request, url_for

from app.meta import formatting, introspect
from app.rules import read

FILTER_ARG = re.compile(r"_flt_(\d+)_(.+)")


@dataclass(frozen=True)
class Chip:
    text: str
    remove_url: str


def _url(view, pairs: list[tuple[str, str]]) -> str:
    page_arg = f"page_{view.__class__.__name__}"
    kept = [(k, v) for k, v in pairs if k != page_arg]
    base = url_for(f"{view.endpoint}.list")
    return f"{base}?{urlencode(kept)}" if kept else base


def url_with(view, **changes: str | None) -> str:
    """The list's URL with the current conditions, some replaced (None: removed); back to its first page."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v not in (None, "")]
    return _url(view, pairs)


def _without(view, key: str, value: str) -> str:
    pairs = list(request.args.items(multi=True))
    pairs.remove((key, value))
    return _url(view, pairs)


def _shown_value(view, column: str, raw: str) -> str:
    model = view.datamodel.obj
    if introspect.is_relation(model, column) and raw.isdigit():
        target = introspect.relation_target(model, column)
        record = read.one(view.datamodel.session, target, int(raw))
        return str(record) if record is not None else raw
    if view.datamodel.is_enum(column):
        enum_class = view.datamodel.list_columns[column].type.enum_class
        member = enum_class.__members__.get(raw)
        return str(member.value) if member is not None else raw
    if view.datamodel.is_boolean(column):
        return {"y": "是", "true": "是", "1": "是", "n": "否", "false": "否", "0": "否"}.get(raw.lower(), raw)
    return formatting.plain(raw)


def chips(view) -> list[Chip]:
    found = []
    keyword = view.active_keyword()
    if keyword:
        found.append(Chip(f"关键字：{keyword}", url_with(view, q=None)))
    chosen = view.active_quick_filter()
    if chosen is not None:
        found.append(Chip(f"快速筛选：{view.quick_filters[chosen].label}", url_with(view, _qf=None)))
    searchable = view._filters.get_search_filters()
    for key, raw in request.args.items(multi=True):
        match = FILTER_ARG.fullmatch(key)
        if not match or match.group(2) not in searchable:
            continue
        index, column = int(match.group(1)), match.group(2)
        operators = searchable[column]
        if index >= len(operators):
            continue
        label = view.label_columns.get(column) or introspect.label(view.datamodel.obj, column)
        found.append(Chip(f"{label} {operators[index].name} {_shown_value(view, column, raw)}",
                          _without(view, key, raw)))
    return found
