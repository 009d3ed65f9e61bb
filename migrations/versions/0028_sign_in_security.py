"""sign-in security: a staff member's authenticator secret (encrypted), when two-factor sign-in took
effect and the time step of the last code taken; their hashed one-time recovery codes; an institute's
requirement of two-factor sign-in.

Revision ID: 0028_sign_in_security
Revises: 0027_conversations
Create Date: 2026-12-05 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0028_sign_in_security'
down_revision = '0027_conversations'
branch_labels = None
depends_on = None


def upgrade():
    # Not in batch mode: SQLite would copy the tables, and dropping the old ones cascades to the rows
    # that point at them.
    op.add_column('institutes', sa.Column('require_two_factor', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.add_column('users', sa.Column('totp_secret_encrypted', sa.String(length=500), nullable=False,
                                     server_default=''))
    op.add_column('users', sa.Column('two_factor_enabled_at', webapp.database.UTCDateTime(timezone=True),
                                     nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recovery_codes_user_id', 'recovery_codes', ['user_id'], unique=False)


def downgrade():
    op.drop_index('ix_recovery_codes_user_id', table_name='recovery_codes')
    op.drop_table('recovery_codes')
    # Not in batch mode: SQLite drops a column in place.
    op.drop_column('users', 'totp_last_step')
    op.drop_column('users', 'two_factor_enabled_at')
    op.drop_column('users', 'totp_secret_encrypted')
    op.drop_column('institutes', 'require_two_factor')
