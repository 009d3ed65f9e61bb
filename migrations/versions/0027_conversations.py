"""conversations: a sitting's messages go both ways (who wrote each), a candidate's carries the exam page's
own key (stored once however often it is sent) and is unread until staff open the conversation.

Revision ID: 0027_conversations
Revises: 0029_institute_mail
Create Date: 2026-12-05 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0027_conversations'
down_revision = '0029_institute_mail'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('candidate_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author', sa.Enum('proctor', 'candidate', name='messageauthor',
                                                        native_enum=False, length=30),
                                      server_default='proctor', nullable=False))
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('read_at', webapp.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_candidate_messages_unread', ['sitting_id', 'author', 'read_at'], unique=False)
        batch_op.create_index('ix_candidate_messages_client_key', ['sitting_id', 'client_key'], unique=True)


def downgrade():
    with op.batch_alter_table('candidate_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_messages_client_key')
        batch_op.drop_index('ix_candidate_messages_unread')
        batch_op.drop_column('read_at')
        batch_op.drop_column('client_key')
        batch_op.drop_column('author')
