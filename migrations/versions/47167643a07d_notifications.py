"""notifications: messages, the outbox of deliveries, channel choices, robot addresses

notify_message (站内信), notify_delivery (e-mail and group robots, sent by `flask notify-worker`), notify_choice
(which kinds of event go by which channel, per person), notify_address (a person's group-robot addresses and the day
of their last digest). New tables only: nothing existing changes.

Revision ID: 47167643a07d
Revises: 07af4f96fb74
Create Date: 2026-12-01 06:07:45.866031

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '47167643a07d'
down_revision = '07af4f96fb74'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notify_address',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('wecom_url', sa.String(length=500), nullable=True),
    sa.Column('dingtalk_url', sa.String(length=500), nullable=True),
    sa.Column('dingtalk_secret', sa.String(length=200), nullable=True),
    sa.Column('digest_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_notify_address_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notify_address'))
    )
    op.create_table('notify_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_notify_choice_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_choice')),
    sa.UniqueConstraint('user_id', 'kind', 'channel', name='uq_notify_choice')
    )
    op.create_table('notify_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_notify_message_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_message')),
    sa.UniqueConstraint('user_id', 'key', name='uq_notify_message_user_key')
    )
    with op.batch_alter_table('notify_message', schema=None) as batch_op:
        batch_op.create_index('ix_notify_message_unread', ['user_id', 'read_at'], unique=False)
    op.create_table('notify_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['notify_message.id'], name=op.f('fk_notify_delivery_message_id_notify_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_notify_delivery_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_delivery'))
    )
    with op.batch_alter_table('notify_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notify_delivery_due', ['status', 'next_try'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_delivery_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notify_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_delivery_user_id'))
        batch_op.drop_index('ix_notify_delivery_due')
    op.drop_table('notify_delivery')
    with op.batch_alter_table('notify_message', schema=None) as batch_op:
        batch_op.drop_index('ix_notify_message_unread')
    op.drop_table('notify_message')
    op.drop_table('notify_choice')
    op.drop_table('notify_address')
