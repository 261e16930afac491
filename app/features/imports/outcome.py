"""What an import found and would do or did: counts, sample rows for the preview, every problem by row and column."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

SHOWN_ROWS = 100  # the preview lists at most this many created and this many updated rows


@dataclass
class Problem:
    row: int | None
    column: str | None  # the header it concerns
    message: str

    @property
    def text(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return f"第{self.row}行「{self.column}」{self.message}"
        return f"第{self.row}行：{self.message}"


@dataclass
class Outcome:
    label: str
    headers: list[str] = dc_field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    parents: dict[str, list[int]] = dc_field(default_factory=dict)  # label → [created, updated]
    extra: dict[str, int] = dc_field(default_factory=dict)  # records made by the models' rules (床位 by 床位数)
    problems: list[Problem] = dc_field(default_factory=list)
    created_rows: list[tuple[int, list[str]]] = dc_field(default_factory=list)  # a sample, for the preview
    updated_rows: list[tuple[int, str, list[dict]]] = dc_field(default_factory=list)
    saved: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(row, column, message))

    @property
    def summary(self) -> str:
        text = f"新增 {self.created} 行 / 更新 {self.updated} 行 / 无变化 {self.unchanged} 行"
        for label, (created, updated) in self.parents.items():
            text += f"；{label}：新增 {created} 个，更新 {updated} 个"
        for label, count in self.extra.items():
            text += f"；另按规则自动生成{label} {count} 个"
        return text


@dataclass
class Row:
    number: int
    values: dict[str, Any] = dc_field(default_factory=dict)  # path → value (None: empty cell)
    shown: list[str] = dc_field(default_factory=list)  # the cells as read, for the preview
    failed: bool = False
    record: Any = None
    existing: bool = False
    parents: dict[str, Any] = dc_field(default_factory=dict)
    key: tuple = ()
