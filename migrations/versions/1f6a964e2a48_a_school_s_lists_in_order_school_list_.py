"""a school's lists in order: (school, list order) indexes

学生, 存放地点, 物资 and 满意度调查 of one school are read as "school_id = ? ORDER BY <list order>": an index led by
the school and followed by the list's order serves a page without sorting the school's rows, and replaces the
school-only index. Indexes only; no data changes.

Revision ID: 1f6a964e2a48
Revises: 2fda523e102c
Create Date: 2026-12-01 11:26:37.790960

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f6a964e2a48'
down_revision = '2fda523e102c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_location_school_id'))
        batch_op.create_index('ix_location_school_building', ['school_id', 'building'], unique=False)

    with op.batch_alter_table('stock_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_item_school_id'))
        batch_op.create_index('ix_stock_item_school_code', ['school_id', 'code'], unique=False)

    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_school_id'))
        batch_op.create_index('ix_student_school_student_no', ['school_id', 'student_no'], unique=False)

    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_school_id'))
        batch_op.create_index('ix_survey_school_starts_on', ['school_id', 'starts_on'], unique=False)


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_school_starts_on')
        batch_op.create_index(batch_op.f('ix_survey_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_index('ix_student_school_student_no')
        batch_op.create_index(batch_op.f('ix_student_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('stock_item', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_item_school_code')
        batch_op.create_index(batch_op.f('ix_stock_item_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index('ix_location_school_building')
        batch_op.create_index(batch_op.f('ix_location_school_id'), ['school_id'], unique=False)
