"""trigram search indexes (PostgreSQL), list order indexes, department unit

Asset (资产编号; 单价) and repair order (报修时间) indexes on their list order plus the id, so that a page far down
the list is found by walking the index alone (app/fab/datamodel.py ``_far_page``).

department.is_unit (独立单位): a school's top department when several schools sit under a bureau; a 全部 scope
of the school's people is bounded by it (app/rules/scope.py).

On PostgreSQL only: the pg_trgm extension and a GIN trigram index on each text column the big lists search by
substring (the keyword box, 包含 filters and dropdown searches: ``ILIKE '%…%'`` and the pinyin companions'
``LIKE '%…%'``). A pattern of three characters or more (计算机, zhang) then reads the index instead of every row;
one or two characters still scan. The indexes are not declared on the models (SQLite has no such index);
migrations/env.py keeps autogenerate from proposing to drop them (names start with ``trgm_``).

Revision ID: 3f8a1c2d9b7e
Revises: fd0eee23f62a
Create Date: 2026-12-01 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f8a1c2d9b7e'
down_revision = 'fd0eee23f62a'
branch_labels = None
depends_on = None

# table → text columns searched by substring (the lists with tens of thousands of rows or more at scale 100)
TRIGRAM_COLUMNS = {
    "asset": ("code", "name", "name_pinyin", "spec", "brand"),
    "repair_order": ("code", "title", "place"),
    "purchase_request": ("code",),
    "purchase_item": ("name", "spec"),
    "requisition": ("code",),
    "stock_movement": ("code",),
    "staff": ("staff_no", "name", "name_pinyin"),
    "student": ("student_no", "name", "name_pinyin"),
}


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_unit', sa.Boolean(), nullable=True, server_default=sa.false()))
    # A list's order and its tie-break (the id): a page far down the list walks the index alone.
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.create_index('ix_asset_code_id', ['code', 'id'], unique=False)
        batch_op.create_index('ix_asset_unit_price_id', ['unit_price', 'id'], unique=False)
    with op.batch_alter_table('repair_order', schema=None) as batch_op:
        batch_op.create_index('ix_repair_order_reported_at_id', ['reported_at', 'id'], unique=False)
    if _is_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, columns in TRIGRAM_COLUMNS.items():
            for column in columns:
                op.execute(f"CREATE INDEX IF NOT EXISTS trgm_{table}_{column} ON {table} "
                           f"USING gin ({column} gin_trgm_ops)")


def downgrade():
    if _is_postgresql():
        for table, columns in TRIGRAM_COLUMNS.items():
            for column in columns:
                op.execute(f"DROP INDEX IF EXISTS trgm_{table}_{column}")
    with op.batch_alter_table('repair_order', schema=None) as batch_op:
        batch_op.drop_index('ix_repair_order_reported_at_id')
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index('ix_asset_unit_price_id')
        batch_op.drop_index('ix_asset_code_id')
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('is_unit')
