"""session stamps and lockout per account and client address

- user_session_stamp: each account's current session stamp (app/platform/sessions.py); every existing account
  gets one. Sessions made before this migration carry no stamp: everyone logs in once more after the upgrade.
- login_lock: one row per account *and client address* (was: per account), with its own id. The table holds
  only running counts of wrong passwords and locks of at most LOGIN_LOCK_MINUTES, kept for no address, so it is
  made anew: counts and locks in progress at the upgrade start again from zero. The login log and the
  操作日志 are untouched.

Revision ID: a648c4847303
Revises: 6119b5c6e720
Create Date: 2026-11-30 20:06:45.732797

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a648c4847303'
down_revision = '6119b5c6e720'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session_stamp',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_user_session_stamp_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_session_stamp'))
    )
    stamps = sa.table('user_session_stamp', sa.column('user_id', sa.Integer), sa.column('stamp', sa.String))
    users = [row[0] for row in op.get_bind().execute(sa.text('SELECT id FROM ab_user'))]
    if users:
        op.bulk_insert(stamps, [{'user_id': user_id, 'stamp': secrets.token_hex(16)} for user_id in users])
    op.drop_table('login_lock')
    op.create_table('login_lock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_login_lock_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_lock')),
    sa.UniqueConstraint('user_id', 'ip', name=op.f('uq_login_lock_user_id'))
    )


def downgrade():
    op.drop_table('login_lock')
    op.create_table('login_lock',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_login_lock_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_login_lock'))
    )
    op.drop_table('user_session_stamp')
