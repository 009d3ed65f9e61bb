"""lti: learning platforms (LTI 1.3) registered per institute with their deployments, the tool's signing keys,
used launch nonces, the links between a platform's users and candidates or staff, and the courses' resource
links with the exam each opens.

Revision ID: 0020_lti
Revises: 0019_scale_indexes
Create Date: 2026-12-05 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import webapp.database


# revision identifiers, used by Alembic.
revision = '0020_lti'
down_revision = '0019_scale_indexes'
branch_labels = None
depends_on = None


def _times():
    return [sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
            sa.Column('updated_at', webapp.database.UTCDateTime(timezone=True), nullable=False)]


def upgrade():
    op.create_table(
        'lti_platforms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('auth_login_url', sa.String(length=1000), nullable=False),
        sa.Column('token_url', sa.String(length=1000), nullable=False),
        sa.Column('jwks_url', sa.String(length=1000), nullable=False),
        sa.Column('seen_origins', sa.JSON(), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], name=op.f('fk_lti_platforms_institute_id_institutes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platforms')),
        sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_platforms_issuer_client_id')),
    )
    op.create_index(op.f('ix_lti_platforms_institute_id'), 'lti_platforms', ['institute_id'], unique=False)
    op.create_table(
        'lti_deployments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('deployment_id', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_deployments_platform_id_lti_platforms'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployments')),
        sa.UniqueConstraint('platform_id', 'deployment_id', name=op.f('uq_lti_deployments_platform_id_deployment_id')),
    )
    op.create_index(op.f('ix_lti_deployments_platform_id'), 'lti_deployments', ['platform_id'], unique=False)
    op.create_table(
        'lti_tool_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('public_jwk', sa.JSON(), nullable=False),
        sa.Column('private_key_encrypted', sa.Text(), nullable=False),
        sa.Column('created_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('retired_at', webapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_tool_keys')),
        sa.UniqueConstraint('kid', name=op.f('uq_lti_tool_keys_kid')),
    )
    op.create_index(op.f('ix_lti_tool_keys_retired_at'), 'lti_tool_keys', ['retired_at'], unique=False)
    op.create_table(
        'lti_used_nonces',
        sa.Column('nonce', sa.String(length=255), nullable=False),
        sa.Column('used_at', webapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_lti_used_nonces')),
    )
    op.create_index(op.f('ix_lti_used_nonces_used_at'), 'lti_used_nonces', ['used_at'], unique=False)
    op.create_table(
        'lti_user_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_user_links_platform_id_lti_platforms'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_lti_user_links_candidate_id_candidates'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_user_links_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_user_links')),
        sa.UniqueConstraint('platform_id', 'sub', name=op.f('uq_lti_user_links_platform_id_sub')),
    )
    for column in ('platform_id', 'candidate_id', 'user_id'):
        op.create_index(op.f(f'ix_lti_user_links_{column}'), 'lti_user_links', [column], unique=False)
    op.create_table(
        'lti_resource_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=False),
        sa.Column('deployment_id', sa.String(length=255), nullable=False),
        sa.Column('resource_link_id', sa.String(length=255), nullable=False),
        sa.Column('context_id', sa.String(length=255), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('exam_id', sa.Integer(), nullable=True),
        sa.Column('line_item_url', sa.String(length=1000), nullable=False),
        sa.Column('line_items_url', sa.String(length=1000), nullable=False),
        sa.Column('ags_scopes', sa.JSON(), nullable=False),
        sa.Column('memberships_url', sa.String(length=1000), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(['institute_id'], ['institutes.id'], name=op.f('fk_lti_resource_links_institute_id_institutes')),
        sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_resource_links_platform_id_lti_platforms'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_lti_resource_links_exam_id_exams'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_links')),
        sa.UniqueConstraint('platform_id', 'resource_link_id', name=op.f('uq_lti_resource_links_platform_id_resource_link_id')),
    )
    for column in ('institute_id', 'platform_id', 'exam_id'):
        op.create_index(op.f(f'ix_lti_resource_links_{column}'), 'lti_resource_links', [column], unique=False)


def downgrade():
    op.drop_table('lti_resource_links')
    op.drop_table('lti_user_links')
    op.drop_table('lti_used_nonces')
    op.drop_table('lti_tool_keys')
    op.drop_table('lti_deployments')
    op.drop_table('lti_platforms')
