"""records belong to a school: 所属学校 (school_id) on 学生, 存放地点, 物资 and 满意度调查

A nullable reference to the department that is the record's school (独立单位) within a bureau, with an index, on
student, location, stock_item and survey. Existing rows keep NULL: in a single-school installation there are no
units and nothing changes; in a bureau a row in no school is seen by the bureau's own users and the administrator
only, until it is placed in a school.

Revision ID: 2fda523e102c
Revises: 47167643a07d
Create Date: 2026-12-01 10:10:17.740620

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2fda523e102c'
down_revision = '47167643a07d'
branch_labels = None
depends_on = None

TABLES = ('location', 'stock_item', 'student', 'survey')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_school_id'), ['school_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_school_id_department'), 'department',
                                        ['school_id'], ['id'])


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_school_id_department'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_school_id'))
            batch_op.drop_column('school_id')
