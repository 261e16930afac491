"""venue booking (功能室预约)

venue: the bookable rooms; venue_booking: a booking of a room on a day from one 节次 to another; venue_slot: one row
per 节次 a booking holds, unique per room, day and 节次, so that two bookings racing for the same 节次 cannot both
commit (models/venues.py).

Revision ID: 07af4f96fb74
Revises: 5ad935b1dd92
Create Date: 2026-12-01 06:07:48.389200

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '07af4f96fb74'
down_revision = '5ad935b1dd92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('venue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.Enum('functional', 'activity', 'meeting', 'hall', name='venuekind', native_enum=False, length=32), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('needs_approval', sa.Boolean(), nullable=True),
    sa.Column('open_days', sa.String(length=7), nullable=False),
    sa.Column('open_noon', sa.Boolean(), nullable=True),
    sa.Column('open_evening', sa.Boolean(), nullable=True),
    sa.Column('bookable', sa.Boolean(), nullable=True),
    sa.Column('notice', sa.Text(), nullable=True),
    sa.Column('name_pinyin', sa.String(length=351), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_venue_location_id_location')),
    sa.ForeignKeyConstraint(['manager_id'], ['staff.id'], name=op.f('fk_venue_manager_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue'))
    )
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_name'), ['name'], unique=True)
        batch_op.create_index(batch_op.f('ix_venue_name_pinyin'), ['name_pinyin'], unique=False)

    op.create_table('venue_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_period', sa.Enum('p1', 'p2', 'p3', 'p4', 'noon', 'p5', 'p6', 'p7', 'p8', 'evening', name='period', native_enum=False, length=32), nullable=False),
    sa.Column('end_period', sa.Enum('p1', 'p2', 'p3', 'p4', 'noon', 'p5', 'p6', 'p7', 'p8', 'evening', name='period', native_enum=False, length=32), nullable=True),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=True),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'cancelled', name='bookingstatus', native_enum=False, length=32), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['staff.id'], name=op.f('fk_venue_booking_applicant_id_staff')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_venue_booking_department_id_department')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_venue_booking_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_booking'))
    )
    with op.batch_alter_table('venue_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_booking_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_booking_code'), ['code'], unique=True)
        batch_op.create_index(batch_op.f('ix_venue_booking_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_booking_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_booking_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_booking_venue_id'), ['venue_id'], unique=False)

    op.create_table('venue_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('period', sa.Enum('p1', 'p2', 'p3', 'p4', 'noon', 'p5', 'p6', 'p7', 'p8', 'evening', name='period', native_enum=False, length=32), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['venue_booking.id'], name=op.f('fk_venue_slot_booking_id_venue_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_venue_slot_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_slot')),
    sa.UniqueConstraint('venue_id', 'day', 'period', name='uq_venue_slot_taken')
    )
    with op.batch_alter_table('venue_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_slot_booking_id'), ['booking_id'], unique=False)



def downgrade():
    with op.batch_alter_table('venue_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_slot_booking_id'))

    op.drop_table('venue_slot')
    with op.batch_alter_table('venue_booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_booking_venue_id'))
        batch_op.drop_index(batch_op.f('ix_venue_booking_status'))
        batch_op.drop_index(batch_op.f('ix_venue_booking_department_id'))
        batch_op.drop_index(batch_op.f('ix_venue_booking_day'))
        batch_op.drop_index(batch_op.f('ix_venue_booking_code'))
        batch_op.drop_index(batch_op.f('ix_venue_booking_applicant_id'))

    op.drop_table('venue_booking')
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_name_pinyin'))
        batch_op.drop_index(batch_op.f('ix_venue_name'))
        batch_op.drop_index(batch_op.f('ix_venue_manager_id'))
        batch_op.drop_index(batch_op.f('ix_venue_location_id'))

    op.drop_table('venue')
