"""media: the bank's pictures, audio and video, and the plays of a sitting item's audio.

Revision ID: 0016_media
Revises: 0015_item_types
Create Date: 2026-12-05 01:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_media'
down_revision = '0015_item_types'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'media',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=50), nullable=False),
        sa.Column('kind', sa.Enum('image', 'audio', 'video', name='mediakind', native_enum=False, length=30),
                  nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_media_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], name=op.f('fk_media_institute_id_institutes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media')),
        sa.UniqueConstraint('institute_id', 'sha256', name=op.f('uq_media_institute_id_sha256')),
    )
    op.create_index(op.f('ix_media_institute_id'), 'media', ['institute_id'], unique=False)
    op.create_table(
        'media_plays',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=False),
        sa.Column('plays', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['sitting_items.id'], name=op.f('fk_media_plays_item_id_sitting_items'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['media_id'], ['media.id'], name=op.f('fk_media_plays_media_id_media'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_plays')),
        sa.UniqueConstraint('item_id', 'media_id', name=op.f('uq_media_plays_item_id_media_id')),
    )
    op.create_index(op.f('ix_media_plays_media_id'), 'media_plays', ['media_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_media_plays_media_id'), table_name='media_plays')
    op.drop_table('media_plays')
    op.drop_index(op.f('ix_media_institute_id'), table_name='media')
    op.drop_table('media')
