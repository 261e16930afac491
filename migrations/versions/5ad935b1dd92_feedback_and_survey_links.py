"""feedback and survey links

feedback_point and feedback (models/feedback.py): 投诉建议 sent from a public page reached by a QR code, answered
by the unit's manager. survey_link and survey_code (models/survey_links.py): a survey opened to 学生/家长/教职工
through a link; survey_response gains the link and the one-time code it came through (each code answers once:
a unique index; one sheet per account and link: a unique constraint).

Revision ID: 5ad935b1dd92
Revises: 3f8a1c2d9b7e
Create Date: 2026-12-01 06:06:56.440446

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5ad935b1dd92'
down_revision = '3f8a1c2d9b7e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['department.id'], name=op.f('fk_feedback_point_unit_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_point'))
    )
    with op.batch_alter_table('feedback_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_point_code'), ['code'], unique=True)
        batch_op.create_index(batch_op.f('ix_feedback_point_unit_id'), ['unit_id'], unique=False)

    op.create_table('survey_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('staff', 'student', 'parent', name='identity', native_enum=False, length=32), nullable=False),
    sa.Column('admission', sa.Enum('code', 'login', name='admission', native_enum=False, length=32), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('batch', sa.Integer(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_link_survey_id_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_link'))
    )
    with op.batch_alter_table('survey_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_link_slug'), ['slug'], unique=True)
        batch_op.create_index(batch_op.f('ix_survey_link_survey_id'), ['survey_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('complaint', 'suggestion', 'praise', name='feedbackkind', native_enum=False, length=32), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=50), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('pending', 'replied', 'closed', name='feedbackstatus', native_enum=False, length=32), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replier', sa.String(length=50), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['feedback_point.id'], name=op.f('fk_feedback_point_id_feedback_point')),
    sa.ForeignKeyConstraint(['unit_id'], ['department.id'], name=op.f('fk_feedback_unit_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_token'), ['token'], unique=True)
        batch_op.create_index(batch_op.f('ix_feedback_unit_id'), ['unit_id'], unique=False)

    op.create_table('survey_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['survey_link.id'], name=op.f('fk_survey_code_link_id_survey_link')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_code'))
    )
    with op.batch_alter_table('survey_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_code_code'), ['code'], unique=True)
        batch_op.create_index(batch_op.f('ix_survey_code_link_id'), ['link_id'], unique=False)

    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('code_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_survey_response_code_id'), ['code_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_survey_response_link_id'), ['link_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_survey_response_link_id'), ['link_id', 'submitter_id'])
        batch_op.create_foreign_key(batch_op.f('fk_survey_response_code_id_survey_code'), 'survey_code', ['code_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_survey_response_link_id_survey_link'), 'survey_link', ['link_id'], ['id'])



def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_survey_response_link_id_survey_link'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_survey_response_code_id_survey_code'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_survey_response_link_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_survey_response_link_id'))
        batch_op.drop_index(batch_op.f('ix_survey_response_code_id'))
        batch_op.drop_column('code_id')
        batch_op.drop_column('link_id')

    with op.batch_alter_table('survey_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_code_link_id'))
        batch_op.drop_index(batch_op.f('ix_survey_code_code'))

    op.drop_table('survey_code')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_unit_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_token'))
        batch_op.drop_index(batch_op.f('ix_feedback_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_feedback_status'))
        batch_op.drop_index(batch_op.f('ix_feedback_point_id'))

    op.drop_table('feedback')
    with op.batch_alter_table('survey_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_link_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_link_slug'))

    op.drop_table('survey_link')
    with op.batch_alter_table('feedback_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_point_unit_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_point_code'))

    op.drop_table('feedback_point')
