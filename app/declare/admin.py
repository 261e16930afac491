"""How a model appears and behaves in the engine: ``__admin__ = Admin(...)`` and the declarations it holds
(quick filters, data scope, qualifying rules, document lines, imports, follow-ups, login accounts)."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Callable, Mapping, Sequence


@dataclass(frozen=True)
class QuickFilter:
    """A one-click filter above a list: equal-to conditions, or an expression built from the model.

    ``remind``: who is told, once a day, of each record the filter finds (an app.declare.workflow Actor:
    ``role("后勤主任")``, ``person("assignee")``) — 逾期 to the manager, 今日待检 to the person responsible."""

    label: str
    equals: Mapping[str, Any] = dc_field(default_factory=dict)
    where: Callable[[type], Any] | None = None
    remind: Any = None

    def criteria(self, model: type) -> list:
        found = [getattr(model, name) == value for name, value in self.equals.items()]
        if self.where is not None:
            found.append(self.where(model))
        return found


def quick(label: str, where: Callable[[type], Any] | None = None, remind: Any = None, **equals: Any) -> QuickFilter:
    return QuickFilter(label, equals, where, remind)


@dataclass(frozen=True)
class Scope:
    """Which relation paths place a record in a department and with people, for data scope.

    Each may be one path or several (any of them counts): ``owner=("reporter", "worker")``.
    "self" means the record itself (a Department is in its own department; a Staff record is its person).

    ``unit``: the one path to the department (a school within a bureau) the record belongs to, for records no
    department or person places (学生, 存放地点): a user within a unit reaches only their unit's records, whatever
    their scope; a new record is placed in the writer's unit (app/rules/units.py).
    """

    department: str | tuple[str, ...] | None = None
    owner: str | tuple[str, ...] | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Qualify:
    """Which records a relation may point at, for the record being filled in (``relation(..., qualify=)``).

    ``where(target_model, record)`` returns an SQL criterion on the target (or None: any record); ``record``
    is the record being edited, or a stand-in carrying the values of the form's ``depends`` fields, so a
    dropdown offers only qualifying records and a save naming another is refused with ``message``.
    """

    where: Callable[[type, Any], Any]
    message: str
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUp:
    """A document this record can start with one click (app/features/follow_ups.py): the ``target`` model's add form,
    with ``carry`` = {target field: source path, or "self" for the record itself} filled in; ``per_line``: one
    button per line of that text field; ``when``: only for records it holds for."""

    target: str
    label: str
    carry: Mapping[str, str] = dc_field(default_factory=dict)
    per_line: str | None = None
    when: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Account:
    """The person's login, opened and kept on the person's own form (app/features/accounts.py): ``relation`` to the
    login user, the column with the person's ``name``, and an optional ``email`` column."""

    relation: str = "user"
    name: str = "name"
    email: str | None = None


@dataclass(frozen=True)
class Lines:
    """Child rows entered on the parent's own form (采购明细 on a 采购申请): a one-to-many relation."""

    relation: str
    columns: Sequence[str]
    min_rows: int = 1
    show: Sequence[str] = ()  # read-only columns also shown (金额 computed from 数量 × 单价)
    steps: Sequence[str] = ()  # entered on these workflow steps' forms (耗材 on 完工), not on the add/edit form
    entered: bool = True  # False: made by the document itself or a page of its own (盘点明细), shown and locked only


@dataclass(frozen=True)
class Lock:
    """When a record and its lines may no longer be changed by a form, the API, an import or the lines' own
    pages — one declaration for every door (app/rules/locks.py). The record is open while its ``field``
    (default: the workflow's state), as stored, is in ``open_in``, or not in ``closed_in``; a new record is
    always open. Workflow steps move a locked record on regardless: they are its declared changes.

    ``reopen_on``: fields or line relations whose change, while the record is in ``reopen_in``, sends it back
    to ``reopen_to`` (an approved request whose goods change goes back for approval).
    ``message`` may name ``{record}`` and ``{state}``.
    """

    open_in: tuple = ()
    closed_in: tuple = ()
    field: str | None = None
    message: str = "「{record}」当前为「{state}」，不能修改"
    reopen_in: tuple = ()
    reopen_on: tuple[str, ...] = ()
    reopen_to: Any = None


@dataclass(frozen=True)
class Import:
    """Rows of an Excel/CSV file create or update this model (导入; app/features/imports/).

    ``match``: the column(s) that find an existing record (its 编号), so a re-import updates instead of
    duplicating. ``columns``: the sheet's columns in order; ``"meter.meter_no"`` finds the related record
    by that column. ``parents``: relations found by their own match columns, or created, from the row's
    ``"room.…"`` columns (a 床位 row creates its 房间). ``clean``: per column, a function tidying a raw
    cell. ``one_by_one``: each row (with its parent) is written before the next is checked, for rules
    that read earlier records (上次读数).
    """

    match: str | tuple[str, ...]
    columns: Sequence[str] = ()
    parents: Mapping[str, tuple[str, ...]] = dc_field(default_factory=dict)
    clean: Mapping[str, Callable[[Any], Any]] = dc_field(default_factory=dict)
    one_by_one: bool = False


@dataclass
class Admin:
    """How a model appears: its name, menu place, columns, ordering, quick filters and scope."""

    label: str
    menu: str | None = None
    icon: str = "fa-table"
    list: Sequence[str] = ()
    search: Sequence[str] = ()
    show: Sequence[str] = ()
    form: Sequence[str] = ()
    # What people filing for themselves fill in (users whose data scope for the model is narrower than 全部):
    # the rest of the form takes its prefills (报修人 and 部门 are the person's own).
    self_form: Sequence[str] = ()
    order: tuple[str, str] | None = None
    quick_filters: Sequence[QuickFilter] = ()
    lookup: Sequence[str] = ()  # text columns searched when this model is chosen in a dropdown
    lines: Sequence[Lines] = ()  # child tables edited on this model's form
    workflow: Any = None  # an app.declare.workflow.Workflow: states, steps, who may take them
    imports: Import | None = None  # bulk import from Excel (导入 button on the list page)
    account: Account | None = None  # a person model whose form opens their login account (app/features/accounts.py)
    follow_ups: Sequence[FollowUp] = ()  # documents started from this one (a patrol finding → a hazard)
    scope: Scope = dc_field(default_factory=Scope)
    lock: Lock | None = None  # when the record and its lines can no longer be changed (app/rules/locks.py)
    # The few facts that tell one record from another at a glance: its card on a phone, its row in 我的待办.
    summary: Sequence[str] = ()
    # The relation paths the record's name (``__str__``), summary and flags read ("lines.item"): loaded with a
    # page's records, one statement each, not one per record (app/rules/loading.py).
    loads: Sequence[str] = ()
    # Values a page shows that would otherwise query once per record (a budget's 已用): computed for all the
    # page's records at once by ``prepare(session, records)``, which hands them to app/rules/batch.py.
    prepare: Callable[[Any, list], None] | None = None
    overdue: Callable[[Any], bool] | None = None  # shown 逾期 and listed first in 我的待办
    urgent: Callable[[Any], bool] | None = None  # shown 紧急 and listed next
    start: str | None = None  # the home page's big button for those who may add (我要报修)
    menu_order: int = 100
    # What a public page (no login, app/rules/public.py) may set on a new record: the visitor's fields and what
    # the page itself hands out (a private token); every other field keeps the model's own value.
    public: Sequence[str] = ()
    api: bool = True
    generate: bool = True


