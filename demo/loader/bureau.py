"""A district bureau over many schools: ``load_demo(schools=30)`` (``flask --app run demo --schools 30``).

The first school is the ordinary demo school, built as usual; its top departments are put under a school
department (独立单位) below the bureau's root department, 城东区教育局后勤管理中心, and its records that belong to a
school (``Scope(unit=...)``: 学生, 存放地点, 物资, 满意度调查) are placed in it. Every other school is that
school copied table by table in SQL (``INSERT … SELECT``): new ids (each table's ids shifted by a step per
school), references to copied rows shifted alike, unique texts (资产编号, 工号, 学号, 楼栋名称 …) prefixed with the
school's number (``S02-``), records belonging to a school placed in the copy's, the demo accounts renamed
``zongwu02``, ``sushe02`` … with the same password.
Shared reference data is not copied: 资产分类, 供应商, 代办费 — nor the engine's own tables (permissions, document
counters, login records, the audit log). So school 2 has the same people, assets and year as school 1, under its
own names and numbers: enough to measure a bureau of 30 schools (bench/bureau.py).

The bureau's 局后勤科 reader (``juhouqin``) sits in the bureau's root department, which is no unit: their 全部
is every school, read only.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, case, func, insert, literal, null, select, text, update

BUREAU_NAME = "城东区教育局后勤管理中心"
BUREAU_CODE = "J"
READER = ("juhouqin", "局后勤科", "马", "建华")
NUMERALS = "零一二三四五六七八九"

# Not copied: shared by every school, or the engine's own records.
SHARED = {"asset_category", "supplier", "agency_fee", "serial_counter", "stored_file", "login_log", "login_lock",
          "user_session_stamp", "audit_log", "alembic_version"}
COPIED_FAB = {"ab_user", "ab_user_role"}


def school_name(number: int) -> str:
    """1 → 城东区第一中学, 12 → 城东区第十二中学, 30 → 城东区第三十中学."""
    tens, ones = divmod(number, 10)
    spoken = ("" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens] + "十")) + (NUMERALS[ones] if ones else "")
    return f"城东区第{spoken}中学"


def prefix(number: int) -> str:
    return f"S{number:02d}-"


def make_bureau(session, schools: int) -> None:
    """Put the loaded school under a bureau and copy it into ``schools - 1`` more (see the module doc)."""
    from models.org import Department, DepartmentKind

    tops = list(session.scalars(select(Department).where(Department.parent_id.is_(None))))
    bureau = Department(code=BUREAU_CODE, name=BUREAU_NAME, kind=DepartmentKind.admin,
                        duty="全区中小学后勤工作的统筹、督查与数据汇总。")
    units = [Department(code=f"S{n:02d}", name=school_name(n), kind=DepartmentKind.admin, parent=bureau,
                        is_unit=True, duty="学校（独立单位）") for n in range(1, schools + 1)]
    session.add_all([bureau, *units])
    session.flush()
    for department in tops:
        department.parent = units[0]
    session.flush()
    placed = _unit_columns()
    for table, column in placed.items():
        session.execute(update(table).values({column: units[0].id}))
    _Copier(session, bureau.id - 1, units[0].id, placed).copy([u.id for u in units[1:]])
    _add_reader(session, bureau)


def _unit_columns() -> dict:
    """{table: column} of the models whose records belong to a school: the column naming it."""
    from sqlalchemy import inspect

    from app.extensions import engine
    from app.rules import units

    found = {}
    for model in engine().models:
        name = units.field(model)
        if name is not None:
            relation = inspect(model).relationships[name]
            found[model.__table__] = list(relation.local_columns)[0].key
    return found


class _Copier:
    def __init__(self, session, school_departments: int, first_unit: int, placed: dict):
        """``school_departments``: the highest id of the first school's own departments (the bureau's and the
        schools' departments come after it); ``first_unit``: the first school's department; ``placed``: the
        column placing a table's records in a school (:func:`_unit_columns`)."""
        from flask_appbuilder import Model

        self.session = session
        self.first_unit = first_unit
        self.placed = {table.name: column for table, column in placed.items()}
        self.tables = [t for t in Model.metadata.sorted_tables if self._copied(t)]
        self.copied = {t.name for t in self.tables}
        # the first school's rows: all there are, but the bureau's and the schools' departments
        self.max_id = {t.name: session.scalar(select(func.max(t.c.id))) or 0 for t in self.tables}
        self.max_id["department"] = school_departments
        # each school's copy of row n is n + step × (school number - 1): a power of ten above every id there is
        self.step = {t.name: 10 ** len(str(session.scalar(select(func.max(t.c.id))) or 1)) for t in self.tables}
        self.admin_id = session.scalar(text("SELECT id FROM ab_user WHERE username = 'admin'"))
        from app.extensions import engine

        self.table_of_model = {m.__name__: m.__tablename__ for m in engine().models}

    @staticmethod
    def _copied(table) -> bool:
        if table.name in SHARED or "id" not in table.c or not isinstance(table.c.id.type, Integer):
            return False
        return not table.name.startswith("ab_") or table.name in COPIED_FAB

    def copy(self, units: list[int]) -> None:
        order = {t.name: i for i, t in enumerate(self.tables)}
        for number, unit in enumerate(units, start=2):
            later: list[tuple] = []  # references to a table copied after this one (department → its head)
            for table in self.tables:
                deferred = [c for c in table.c for fk in c.foreign_keys
                            if fk.column.table.name in self.copied and order[fk.column.table.name] > order[table.name]]
                self._copy_table(table, number, unit, deferred)
                later += [(table, column) for column in deferred]
            for table, column in later:
                self._fill_later(table, column, number)
        if self.session.get_bind().dialect.name == "postgresql":
            for table in self.tables:
                self._renew_sequence(table.name)

    def _renew_sequence(self, table: str) -> None:
        """PostgreSQL: the table's id sequence continues after the copies (FAB's tables name theirs)."""
        sequence = self.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}) \
            or f"{table}_id_seq"
        self.session.execute(text(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))"))

    def _shift(self, column, target: str, number: int):
        """A reference to a copied row: the copy's id."""
        k = number - 1
        if target == "ab_user":
            copy = column + self.step["ab_user"] * k
            if column.table.name == "staff":  # one account per person: the administrator is not copied
                return case((column == self.admin_id, null()), else_=copy)
            return case((column == self.admin_id, column), else_=copy)
        return column + self.step[target] * k

    def _copy_table(self, table, number: int, unit: int, deferred: list) -> None:
        k = number - 1
        unique = self._prefixed_columns(table)
        values = []
        for column in table.c:
            fks = [fk for fk in column.foreign_keys if fk.column.table.name in self.copied]
            if column in deferred:
                values.append(null())
            elif column.key == "id":
                values.append(column + self.step[table.name] * k)
            elif self.placed.get(table.name) == column.key:
                values.append(literal(unit))
            elif table.name == "department" and column.key == "parent_id":
                values.append(case((column == self.first_unit, literal(unit)),
                                   else_=column + self.step["department"] * k))
            elif fks:
                values.append(self._shift(column, fks[0].column.table.name, number))
            elif table.name == "ab_user" and column.key in ("username", "email"):
                values.append(column + literal(f"{number:02d}") if column.key == "username"
                              else literal(f"{number:02d}.") + column)
            elif table.name == "workflow_log" and column.key == "record_id":
                values.append(case(*[(table.c.model == model, column + self.step[name] * k)
                                     for model, name in self.table_of_model.items() if name in self.step],
                                   else_=column))
            elif column.key in unique:
                values.append(literal(prefix(number)) + column)
            else:
                values.append(column)
        source = select(*values).where(table.c.id <= self.max_id[table.name])
        if table.name == "ab_user":
            source = source.where(table.c.id != self.admin_id)
        elif table.name == "ab_user_role":
            source = source.where(table.c.user_id != self.admin_id)
        self.session.execute(insert(table).from_select([c.key for c in table.c], source))

    def _fill_later(self, table, column, number: int) -> None:
        k = number - 1
        target = next(iter(column.foreign_keys)).column.table.name
        rows = self.session.execute(select(table.c.id, column).where(
            table.c.id <= self.max_id[table.name], column.is_not(None))).all()
        for id_, value in rows:
            self.session.execute(update(table).where(table.c.id == id_ + self.step[table.name] * k)
                                 .values({column.key: value + self.step[target] * k}))

    @staticmethod
    def _prefixed_columns(table) -> set[str]:
        """The text column that keeps each unique key unique (none where a copied reference already does)."""
        from sqlalchemy import UniqueConstraint

        keys = [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
        keys += [list(i.columns) for i in table.indexes if i.unique]
        found = set()
        for columns in keys:
            if any(c.foreign_keys for c in columns) or table.name in COPIED_FAB:
                continue
            text_columns = [c for c in columns if isinstance(c.type, String) and not hasattr(c.type, "enums")]
            if text_columns:
                found.add(text_columns[0].key)
        return found


def _add_reader(session, bureau) -> None:
    """The bureau's 局后勤科: a staff record in the root department and a read-only login for every school."""
    from app.platform.cli import ensure_user
    from models.org import Employment, Gender, Staff

    from .org import DEMO_PASSWORD

    username, role, surname, given = READER
    user = ensure_user(username, DEMO_PASSWORD, role, surname, given)
    session.add(Staff(staff_no="J0001", name=surname + given, gender=Gender.male, department_id=bureau.id,
                      position="后勤科科长", employment=Employment.permanent, on_duty=True, user_id=user.id))
    bureau.head = None
    session.flush()
