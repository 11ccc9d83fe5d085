"""domain model: catalog, learning, assessments, media, commerce, communication, notifications,
CMS, analytics and operations tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:02:53.288450

Generated with Alembic autogenerate and reviewed (see docs/data-model.md):
- constraint names come from the naming convention in app/db.py (op.f(...));
- module, lesson and question order numbers are unique per parent DEFERRABLE INITIALLY DEFERRED,
  so a reorder may swap numbers inside one transaction;
- partial unique indexes: one in-progress quiz attempt / exam submission per student, one final
  exam per course, one accepted solution per discussion thread;
- CHECK constraints guard ranges (percentages 0-100, ratings 1-5, non-negative money, positive
  order numbers) and enum values (string columns, no native PostgreSQL enums);
- no extensions are created (the embedded server has no contrib modules);
- downgrade drops every table and index in reverse dependency order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('slug', sa.String(length=150), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('icon', sa.String(length=100), nullable=True),
    sa.Column('color', sa.CHAR(length=7), nullable=True),
    sa.Column('sort_order', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("color IS NULL OR color ~ '^#[0-9A-Fa-f]{6}$'", name=op.f('ck_categories_color_hex')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_categories_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('name', name=op.f('uq_categories_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    op.create_index(op.f('ix_categories_parent_id'), 'categories', ['parent_id'], unique=False)
    op.create_table('conversations',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('direct_key', sa.String(length=80), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('direct_key', name=op.f('uq_conversations_direct_key'))
    )
    op.create_index(op.f('ix_conversations_last_message_at'), 'conversations', ['last_message_at'], unique=False)
    op.create_table('failed_jobs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=100), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('args', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('kwargs', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('traceback', sa.Text(), nullable=True),
    sa.Column('retries', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('retried_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_jobs')),
    sa.UniqueConstraint('message_id', name=op.f('uq_failed_jobs_message_id'))
    )
    op.create_index('ix_failed_jobs_unresolved', 'failed_jobs', ['failed_at'], unique=False, postgresql_where=sa.text('resolved_at IS NULL'))
    op.create_table('payment_events',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('provider', sa.Enum('stripe', 'local', name='payment_provider', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('provider_event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('processing_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_events')),
    sa.UniqueConstraint('provider_event_id', name=op.f('uq_payment_events_provider_event_id'))
    )
    op.create_index('ix_payment_events_unprocessed', 'payment_events', ['received_at'], unique=False, postgresql_where=sa.text('processed_at IS NULL'))
    op.create_table('persisted_queries',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('operation_name', sa.String(length=200), nullable=True),
    sa.Column('hits', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_persisted_queries_sha256_hex')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persisted_queries')),
    sa.UniqueConstraint('sha256', name=op.f('uq_persisted_queries_sha256'))
    )
    op.create_table('search_queries',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('count', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('results_count', sa.Integer(), nullable=True),
    sa.Column('first_searched_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_searched_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('count > 0', name=op.f('ck_search_queries_count_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queries')),
    sa.UniqueConstraint('query', name=op.f('uq_search_queries_query'))
    )
    op.create_index('ix_search_queries_last_searched', 'search_queries', ['last_searched_at'], unique=False)
    op.create_table('subscription_plans',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('interval', sa.Enum('month', 'year', name='billing_interval', native_enum=False, create_constraint=True), server_default='month', nullable=False),
    sa.Column('trial_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('provider_price_id', sa.String(length=255), nullable=True),
    sa.Column('features', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('price_minor >= 0', name=op.f('ck_subscription_plans_price_non_negative')),
    sa.CheckConstraint('trial_days >= 0', name=op.f('ck_subscription_plans_trial_days_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_subscription_plans_code')),
    sa.UniqueConstraint('provider_price_id', name=op.f('uq_subscription_plans_provider_price_id'))
    )
    op.create_table('tags',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_tags_slug'))
    )
    op.create_table('trusted_documents',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('manifest', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('operation_name', sa.String(length=200), nullable=True),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_trusted_documents_sha256_hex')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusted_documents')),
    sa.UniqueConstraint('manifest', 'sha256', name=op.f('uq_trusted_documents_manifest_sha256'))
    )
    op.create_index('ix_trusted_documents_sha256', 'trusted_documents', ['sha256'], unique=False)
    op.create_table('analytics_events',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=50), nullable=True),
    sa.Column('entity_id', sa.UUID(), nullable=True),
    sa.Column('course_id', sa.UUID(), nullable=True),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_analytics_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_events'))
    )
    op.create_index('ix_analytics_events_course_occurred', 'analytics_events', ['course_id', 'occurred_at'], unique=False)
    op.create_index('ix_analytics_events_entity', 'analytics_events', ['entity_type', 'entity_id'], unique=False)
    op.create_index('ix_analytics_events_type_occurred', 'analytics_events', ['event_type', 'occurred_at'], unique=False)
    op.create_index('ix_analytics_events_user_occurred', 'analytics_events', ['user_id', 'occurred_at'], unique=False)
    op.create_table('api_keys',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=True),
    sa.Column('scopes', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('manifest', sa.String(length=100), nullable=True),
    sa.Column('rate_limit_per_minute', sa.Integer(), server_default='600', nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('rate_limit_per_minute > 0', name=op.f('ck_api_keys_rate_limit_positive')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_api_keys_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_prefix', name=op.f('uq_api_keys_key_prefix'))
    )
    op.create_index(op.f('ix_api_keys_owner_id'), 'api_keys', ['owner_id'], unique=False)
    op.create_table('blog_posts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('slug', sa.String(length=260), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=True),
    sa.Column('body_format', sa.Enum('markdown', 'html', name='body_format', native_enum=False, create_constraint=True), server_default='markdown', nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), server_default='', nullable=False),
    sa.Column('featured_image_url', sa.String(length=1000), nullable=True),
    sa.Column('category', sa.String(length=150), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', name='blog_status', native_enum=False, create_constraint=True), server_default='draft', nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('view_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name=op.f('ck_blog_posts_published_has_date')),
    sa.CheckConstraint('view_count >= 0', name=op.f('ck_blog_posts_view_count_non_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_blog_posts_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blog_posts')),
    sa.UniqueConstraint('slug', name=op.f('uq_blog_posts_slug'))
    )
    op.create_index(op.f('ix_blog_posts_author_id'), 'blog_posts', ['author_id'], unique=False)
    op.create_index(op.f('ix_blog_posts_category'), 'blog_posts', ['category'], unique=False)
    op.create_index('ix_blog_posts_status_published', 'blog_posts', ['status', 'published_at'], unique=False)
    op.create_table('coupons',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('discount_type', sa.Enum('percentage', 'fixed', name='discount_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('percent_off', sa.SmallInteger(), nullable=True),
    sa.Column('amount_off_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('usage_limit', sa.Integer(), nullable=True),
    sa.Column('per_user_limit', sa.Integer(), server_default='1', nullable=True),
    sa.Column('used_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('min_order_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(discount_type = 'percentage' AND percent_off BETWEEN 1 AND 100 AND amount_off_minor IS NULL) OR (discount_type = 'fixed' AND amount_off_minor > 0 AND currency IS NOT NULL AND percent_off IS NULL)", name=op.f('ck_coupons_discount_shape')),
    sa.CheckConstraint('code = upper(code) AND length(code) > 0', name=op.f('ck_coupons_code_upper')),
    sa.CheckConstraint('min_order_minor >= 0', name=op.f('ck_coupons_min_order_non_negative')),
    sa.CheckConstraint('per_user_limit IS NULL OR per_user_limit > 0', name=op.f('ck_coupons_per_user_limit_positive')),
    sa.CheckConstraint('usage_limit IS NULL OR usage_limit > 0', name=op.f('ck_coupons_usage_limit_positive')),
    sa.CheckConstraint('used_count >= 0 AND (usage_limit IS NULL OR used_count <= usage_limit)', name=op.f('ck_coupons_used_within_limit')),
    sa.CheckConstraint('valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from', name=op.f('ck_coupons_window_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_coupons_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupons')),
    sa.UniqueConstraint('code', name=op.f('uq_coupons_code'))
    )
    op.create_table('courses',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('instructor_id', sa.UUID(), nullable=False),
    sa.Column('category_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('slug', sa.String(length=260), nullable=False),
    sa.Column('subtitle', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('level', sa.Enum('beginner', 'intermediate', 'advanced', name='course_level', native_enum=False, create_constraint=True), server_default='beginner', nullable=False),
    sa.Column('language', sa.String(length=16), server_default='en', nullable=False),
    sa.Column('duration_minutes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('image_url', sa.String(length=1000), nullable=True),
    sa.Column('trailer_url', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.Enum('draft', 'pending_review', 'published', 'archived', name='course_status', native_enum=False, create_constraint=True), server_default='draft', nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.UUID(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_notes', sa.Text(), nullable=True),
    sa.Column('is_free', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_certified', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('requires_final_exam', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('enrollment_limit', sa.Integer(), nullable=True),
    sa.Column('enrollment_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('average_rating', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('review_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('min_price_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('popularity_score', sa.Double(), server_default='0', nullable=False),
    sa.Column('trending_score', sa.Double(), server_default='0', nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('average_rating IS NULL OR average_rating BETWEEN 1 AND 5', name=op.f('ck_courses_rating_range')),
    sa.CheckConstraint('duration_minutes >= 0', name=op.f('ck_courses_duration_non_negative')),
    sa.CheckConstraint('enrollment_count >= 0', name=op.f('ck_courses_enrollment_count_non_negative')),
    sa.CheckConstraint('enrollment_limit IS NULL OR enrollment_limit > 0', name=op.f('ck_courses_limit_positive')),
    sa.CheckConstraint('min_price_minor >= 0', name=op.f('ck_courses_price_non_negative')),
    sa.CheckConstraint('review_count >= 0', name=op.f('ck_courses_review_count_non_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_courses_category_id_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['instructor_id'], ['users.id'], name=op.f('fk_courses_instructor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_courses_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('slug', name=op.f('uq_courses_slug'))
    )
    op.create_index(op.f('ix_courses_category_id'), 'courses', ['category_id'], unique=False)
    op.create_index(op.f('ix_courses_instructor_id'), 'courses', ['instructor_id'], unique=False)
    op.create_index('ix_courses_search_vector', 'courses', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_courses_status_popularity', 'courses', ['status', 'popularity_score'], unique=False)
    op.create_index('ix_courses_status_price', 'courses', ['status', 'min_price_minor'], unique=False)
    op.create_index('ix_courses_status_published_at', 'courses', ['status', 'published_at'], unique=False)
    op.create_index('ix_courses_status_rating', 'courses', ['status', 'average_rating'], unique=False)
    op.create_index('ix_courses_status_trending', 'courses', ['status', 'trending_score'], unique=False)
    op.create_table('file_assets',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=True),
    sa.Column('purpose', sa.Enum('avatar', 'course_image', 'course_trailer', 'lesson_video', 'lesson_resource', 'course_resource', 'assignment_submission', 'exam_resource', 'exam_submission', 'message_attachment', 'blog_image', 'certificate', 'invoice', 'export', name='file_purpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('storage_backend', sa.Enum('local', 's3', name='storage_backend', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('storage_key', sa.String(length=512), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('checksum_sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('pending', 'uploaded', 'ready', 'rejected', 'deleted', name='file_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('scan_status', sa.Enum('not_scanned', 'clean', 'infected', 'error', name='scan_status', native_enum=False, create_constraint=True), server_default='not_scanned', nullable=False),
    sa.Column('upload_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_file_assets_size_non_negative')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_file_assets_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_assets')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_file_assets_storage_key'))
    )
    op.create_index(op.f('ix_file_assets_owner_id'), 'file_assets', ['owner_id'], unique=False)
    op.create_index('ix_file_assets_status_created', 'file_assets', ['status', 'created_at'], unique=False)
    op.create_table('instructor_profiles',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=True),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('expertise', sa.String(length=255), nullable=True),
    sa.Column('experience_years', sa.Integer(), nullable=True),
    sa.Column('total_students', sa.Integer(), server_default='0', nullable=False),
    sa.Column('total_courses', sa.Integer(), server_default='0', nullable=False),
    sa.Column('review_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rating', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('experience_years IS NULL OR experience_years >= 0', name=op.f('ck_instructor_profiles_experience')),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 0 AND 5', name=op.f('ck_instructor_profiles_rating_range')),
    sa.CheckConstraint('total_students >= 0 AND total_courses >= 0 AND review_count >= 0', name=op.f('ck_instructor_profiles_totals')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_instructor_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructor_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_instructor_profiles_user_id'))
    )
    op.create_table('messages',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('conversation_id', sa.UUID(), nullable=False),
    sa.Column('sender_id', sa.UUID(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachments', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('parent_message_id', sa.UUID(), nullable=True),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_message_id'], ['messages.id'], name=op.f('fk_messages_parent_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    op.create_index('ix_messages_conversation_created', 'messages', ['conversation_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_messages_sender_id'), 'messages', ['sender_id'], unique=False)
    op.create_table('newsletter_subscribers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=True),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'subscribed', 'unsubscribed', name='newsletter_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('confirmation_token_hash', sa.LargeBinary(length=32), nullable=True),
    sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_newsletter_subscribers_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_subscribers')),
    sa.UniqueConstraint('confirmation_token_hash', name=op.f('uq_newsletter_subscribers_confirmation_token_hash')),
    sa.UniqueConstraint('email', name=op.f('uq_newsletter_subscribers_email'))
    )
    op.create_index(op.f('ix_newsletter_subscribers_user_id'), 'newsletter_subscribers', ['user_id'], unique=False)
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.Enum('new_message', 'assignment_due', 'grade_posted', 'course_update', 'announcement', 'discussion_reply', 'enrollment_confirmed', 'payment_succeeded', 'payment_failed', 'refund_processed', 'certificate_issued', 'solution_accepted', 'video_ready', 'digest', 'system', name='notification_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('in_app', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('email', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('push', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'type', name=op.f('pk_notification_preferences'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('recipient_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.Enum('new_message', 'assignment_due', 'grade_posted', 'course_update', 'announcement', 'discussion_reply', 'enrollment_confirmed', 'payment_succeeded', 'payment_failed', 'refund_processed', 'certificate_issued', 'solution_accepted', 'video_ready', 'digest', 'system', name='notification_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('category', sa.Enum('course', 'payment', 'social', 'system', 'marketing', name='notification_category', native_enum=False, create_constraint=True), server_default='system', nullable=False),
    sa.Column('priority', sa.Enum('normal', 'high', 'urgent', name='notification_priority', native_enum=False, create_constraint=True), server_default='normal', nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('action_url', sa.String(length=1000), nullable=True),
    sa.Column('is_read', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('group_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_notifications_recipient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_expires_at', 'notifications', ['expires_at'], unique=False)
    op.create_index('ix_notifications_recipient_group', 'notifications', ['recipient_id', 'group_key'], unique=False)
    op.create_index('ix_notifications_recipient_read_created', 'notifications', ['recipient_id', 'is_read', 'created_at'], unique=False)
    op.create_table('payment_customers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('provider', sa.Enum('stripe', 'local', name='payment_provider', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('provider_customer_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payment_customers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_customers')),
    sa.UniqueConstraint('provider_customer_id', name=op.f('uq_payment_customers_provider_customer_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_payment_customers_user_id'))
    )
    op.create_table('push_devices',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('token', sa.String(length=512), nullable=False),
    sa.Column('platform', sa.Enum('ios', 'android', 'web', name='push_platform', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_devices')),
    sa.UniqueConstraint('token', name=op.f('uq_push_devices_token'))
    )
    op.create_index(op.f('ix_push_devices_user_id'), 'push_devices', ['user_id'], unique=False)
    op.create_table('student_analytics',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('courses_enrolled', sa.Integer(), server_default='0', nullable=False),
    sa.Column('courses_completed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('courses_in_progress', sa.Integer(), server_default='0', nullable=False),
    sa.Column('average_quiz_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('time_invested_minutes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('current_streak_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('longest_streak_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_active_on', sa.Date(), nullable=True),
    sa.Column('achievements', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('average_quiz_score IS NULL OR average_quiz_score BETWEEN 0 AND 100', name=op.f('ck_student_analytics_quiz_score_range')),
    sa.CheckConstraint('courses_enrolled >= 0 AND courses_completed >= 0 AND courses_in_progress >= 0 AND time_invested_minutes >= 0', name=op.f('ck_student_analytics_counts_non_negative')),
    sa.CheckConstraint('current_streak_days >= 0 AND longest_streak_days >= current_streak_days', name=op.f('ck_student_analytics_streaks_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_analytics_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_student_analytics'))
    )
    op.create_table('subscriptions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('plan_id', sa.UUID(), nullable=False),
    sa.Column('provider', sa.Enum('stripe', 'local', name='payment_provider', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('provider_subscription_id', sa.String(length=255), nullable=False),
    sa.Column('provider_customer_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('trialing', 'active', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', name='subscription_status', native_enum=False, create_constraint=True), server_default='incomplete', nullable=False),
    sa.Column('current_period_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trial_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['subscription_plans.id'], name=op.f('fk_subscriptions_plan_id_subscription_plans'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscriptions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('provider_subscription_id', name=op.f('uq_subscriptions_provider_subscription_id'))
    )
    op.create_index(op.f('ix_subscriptions_plan_id'), 'subscriptions', ['plan_id'], unique=False)
    op.create_index('ix_subscriptions_status_period_end', 'subscriptions', ['status', 'current_period_end'], unique=False)
    op.create_index(op.f('ix_subscriptions_user_id'), 'subscriptions', ['user_id'], unique=False)
    op.create_table('announcements',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'published', name='announcement_status', native_enum=False, create_constraint=True), server_default='draft', nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status <> 'scheduled' OR scheduled_for IS NOT NULL", name=op.f('ck_announcements_scheduled_has_time')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_announcements_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    op.create_index(op.f('ix_announcements_course_id'), 'announcements', ['course_id'], unique=False)
    op.create_index('ix_announcements_course_published', 'announcements', ['course_id', 'published_at'], unique=False)
    op.create_index('ix_announcements_due', 'announcements', ['scheduled_for'], unique=False, postgresql_where=sa.text("status = 'scheduled'"))
    op.create_table('audit_log',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('actor_id', sa.UUID(), nullable=True),
    sa.Column('api_key_id', sa.UUID(), nullable=True),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('ip_address', postgresql.INET(), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_audit_log_api_key_id_api_keys'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_action_created', 'audit_log', ['action', 'created_at'], unique=False)
    op.create_index('ix_audit_log_actor_created', 'audit_log', ['actor_id', 'created_at'], unique=False)
    op.create_index('ix_audit_log_entity', 'audit_log', ['entity_type', 'entity_id'], unique=False)
    op.create_table('blog_post_tags',
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['blog_posts.id'], name=op.f('fk_blog_post_tags_post_id_blog_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'tag', name=op.f('pk_blog_post_tags'))
    )
    op.create_index(op.f('ix_blog_post_tags_tag'), 'blog_post_tags', ['tag'], unique=False)
    op.create_table('carts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('coupon_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_carts_coupon_id_coupons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_carts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts')),
    sa.UniqueConstraint('user_id', name=op.f('uq_carts_user_id'))
    )
    op.create_table('conversation_participants',
    sa.Column('conversation_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('last_read_message_id', sa.UUID(), nullable=True),
    sa.Column('last_read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('muted', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_participants_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_read_message_id'], ['messages.id'], name=op.f('fk_conversation_participants_last_read_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id', name=op.f('pk_conversation_participants'))
    )
    op.create_index(op.f('ix_conversation_participants_user_id'), 'conversation_participants', ['user_id'], unique=False)
    op.create_table('coupon_courses',
    sa.Column('coupon_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_coupon_courses_coupon_id_coupons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_coupon_courses_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coupon_id', 'course_id', name=op.f('pk_coupon_courses'))
    )
    op.create_index(op.f('ix_coupon_courses_course_id'), 'coupon_courses', ['course_id'], unique=False)
    op.create_table('course_daily_stats',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('enrollments', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active_students', sa.Integer(), server_default='0', nullable=False),
    sa.Column('revenue_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('refunds_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.CheckConstraint('enrollments >= 0 AND completions >= 0 AND active_students >= 0 AND revenue_minor >= 0 AND refunds_minor >= 0', name=op.f('ck_course_daily_stats_counts_non_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_daily_stats_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'day', name=op.f('pk_course_daily_stats'))
    )
    op.create_index('ix_course_daily_stats_day', 'course_daily_stats', ['day'], unique=False)
    op.create_table('course_instructors',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('role', sa.Enum('co_instructor', 'teaching_assistant', name='course_instructor_role', native_enum=False, create_constraint=True), server_default='co_instructor', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_instructors_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_instructors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'user_id', name=op.f('pk_course_instructors'))
    )
    op.create_index(op.f('ix_course_instructors_user_id'), 'course_instructors', ['user_id'], unique=False)
    op.create_table('course_modules',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('order_number', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('prerequisite_module_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('duration_minutes >= 0', name=op.f('ck_course_modules_duration_non_negative')),
    sa.CheckConstraint('order_number > 0', name=op.f('ck_course_modules_order_number_positive')),
    sa.CheckConstraint('prerequisite_module_id IS NULL OR prerequisite_module_id <> id', name=op.f('ck_course_modules_not_own_prerequisite')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_modules_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prerequisite_module_id'], ['course_modules.id'], name=op.f('fk_course_modules_prerequisite_module_id_course_modules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_modules')),
    sa.UniqueConstraint('course_id', 'order_number', deferrable=True, initially='DEFERRED', name=op.f('uq_course_modules_course_id_order_number'))
    )
    op.create_index(op.f('ix_course_modules_prerequisite_module_id'), 'course_modules', ['prerequisite_module_id'], unique=False)
    op.create_table('course_objectives',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('content', sa.String(length=255), nullable=False),
    sa.CheckConstraint('sort_order >= 0', name=op.f('ck_course_objectives_sort_order_non_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_objectives_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'sort_order', name=op.f('pk_course_objectives'))
    )
    op.create_table('course_pricing_tiers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('tier', sa.Enum('basic', 'pro', 'premium', name='pricing_tier', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('original_price_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('features', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('original_price_minor IS NULL OR original_price_minor >= price_minor', name=op.f('ck_course_pricing_tiers_original_not_below_price')),
    sa.CheckConstraint('price_minor >= 0', name=op.f('ck_course_pricing_tiers_price_non_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_pricing_tiers_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_pricing_tiers')),
    sa.UniqueConstraint('course_id', 'tier', name=op.f('uq_course_pricing_tiers_course_id_tier'))
    )
    op.create_table('course_requirements',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('content', sa.String(length=255), nullable=False),
    sa.CheckConstraint('sort_order >= 0', name=op.f('ck_course_requirements_sort_order_non_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_requirements_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'sort_order', name=op.f('pk_course_requirements'))
    )
    op.create_table('course_resources',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('file_asset_id', sa.UUID(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('sort_order', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('num_nonnulls(file_asset_id, url) = 1', name=op.f('ck_course_resources_file_or_url')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_resources_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_asset_id'], ['file_assets.id'], name=op.f('fk_course_resources_file_asset_id_file_assets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_resources'))
    )
    op.create_index(op.f('ix_course_resources_course_id'), 'course_resources', ['course_id'], unique=False)
    op.create_index(op.f('ix_course_resources_file_asset_id'), 'course_resources', ['file_asset_id'], unique=False)
    op.create_table('course_reviews',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='review_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('moderated_by_id', sa.UUID(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderation_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_course_reviews_rating_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_reviews_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_course_reviews_moderated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_reviews_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_reviews')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_course_reviews_user_id_course_id'))
    )
    op.create_index('ix_course_reviews_course_status_created', 'course_reviews', ['course_id', 'status', 'created_at'], unique=False)
    op.create_index('ix_course_reviews_status_created', 'course_reviews', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_course_reviews_user_id'), 'course_reviews', ['user_id'], unique=False)
    op.create_table('course_tags',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('tag_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_tags_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_course_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'tag_id', name=op.f('pk_course_tags'))
    )
    op.create_index(op.f('ix_course_tags_tag_id'), 'course_tags', ['tag_id'], unique=False)
    op.create_table('exams',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('instructions', sa.Text(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('total_marks', sa.Integer(), server_default='100', nullable=False),
    sa.Column('passing_marks', sa.Integer(), server_default='70', nullable=False),
    sa.Column('attempts_limit', sa.Integer(), server_default='3', nullable=False),
    sa.Column('is_final', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('available_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('available_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('attempts_limit >= 0', name=op.f('ck_exams_attempts_limit_non_negative')),
    sa.CheckConstraint('available_from IS NULL OR available_until IS NULL OR available_until > available_from', name=op.f('ck_exams_window_ordered')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_exams_duration_positive')),
    sa.CheckConstraint('passing_marks BETWEEN 0 AND total_marks', name=op.f('ck_exams_passing_marks_range')),
    sa.CheckConstraint('total_marks > 0', name=op.f('ck_exams_total_marks_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_exams_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exams'))
    )
    op.create_index(op.f('ix_exams_course_id'), 'exams', ['course_id'], unique=False)
    op.create_index('uq_exams_one_final_per_course', 'exams', ['course_id'], unique=True, postgresql_where=sa.text('is_final'))
    op.create_table('orders',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('number', sa.BigInteger(), sa.Identity(always=False, start=100001), nullable=False),
    sa.Column('status', sa.Enum('pending', 'requires_payment', 'paid', 'failed', 'canceled', 'refunded', 'partially_refunded', name='order_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('subtotal_minor', sa.BigInteger(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('tax_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('coupon_id', sa.UUID(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('provider', sa.Enum('stripe', 'local', name='payment_provider', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('discount_minor <= subtotal_minor', name=op.f('ck_orders_discount_within_subtotal')),
    sa.CheckConstraint('number > 0', name=op.f('ck_orders_number_positive')),
    sa.CheckConstraint('refunded_minor >= 0 AND refunded_minor <= total_minor', name=op.f('ck_orders_refund_within_total')),
    sa.CheckConstraint('subtotal_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0', name=op.f('ck_orders_amounts_non_negative')),
    sa.CheckConstraint('total_minor = subtotal_minor - discount_minor + tax_minor', name=op.f('ck_orders_total_adds_up')),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_orders_coupon_id_coupons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_orders_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_orders_number')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_orders_payment_intent_id')),
    sa.UniqueConstraint('user_id', 'idempotency_key', name=op.f('uq_orders_user_id_idempotency_key'))
    )
    op.create_index(op.f('ix_orders_coupon_id'), 'orders', ['coupon_id'], unique=False)
    op.create_index('ix_orders_status_created', 'orders', ['status', 'created_at'], unique=False)
    op.create_index('ix_orders_user_created', 'orders', ['user_id', 'created_at'], unique=False)
    op.create_table('testimonials',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('course_id', sa.UUID(), nullable=True),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('role', sa.String(length=150), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('image_url', sa.String(length=1000), nullable=True),
    sa.Column('is_approved', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_featured', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('approved_by_id', sa.UUID(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('NOT is_featured OR is_approved', name=op.f('ck_testimonials_featured_requires_approval')),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_testimonials_rating_range')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_testimonials_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_testimonials_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_testimonials_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_testimonials'))
    )
    op.create_index('ix_testimonials_approved_featured', 'testimonials', ['is_approved', 'is_featured'], unique=False)
    op.create_index(op.f('ix_testimonials_course_id'), 'testimonials', ['course_id'], unique=False)
    op.create_index(op.f('ix_testimonials_user_id'), 'testimonials', ['user_id'], unique=False)
    op.create_table('video_assets',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('file_asset_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Enum('uploaded', 'processing', 'ready', 'failed', 'unavailable', name='video_status', native_enum=False, create_constraint=True), server_default='uploaded', nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('hls_manifest_key', sa.String(length=512), nullable=True),
    sa.Column('thumbnail_key', sa.String(length=512), nullable=True),
    sa.Column('renditions', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('duration_seconds IS NULL OR duration_seconds >= 0', name=op.f('ck_video_assets_duration_non_negative')),
    sa.ForeignKeyConstraint(['file_asset_id'], ['file_assets.id'], name=op.f('fk_video_assets_file_asset_id_file_assets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_assets')),
    sa.UniqueConstraint('file_asset_id', name=op.f('uq_video_assets_file_asset_id'))
    )
    op.create_table('cart_items',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('cart_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('tier', sa.Enum('basic', 'pro', 'premium', name='pricing_tier', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('unit_price_minor >= 0', name=op.f('ck_cart_items_price_non_negative')),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_cart_items_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_cart_items_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_items')),
    sa.UniqueConstraint('cart_id', 'course_id', name=op.f('uq_cart_items_cart_id_course_id'))
    )
    op.create_index(op.f('ix_cart_items_course_id'), 'cart_items', ['course_id'], unique=False)
    op.create_table('coupon_redemptions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('coupon_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('discount_minor >= 0', name=op.f('ck_coupon_redemptions_discount_non_negative')),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupons.id'], name=op.f('fk_coupon_redemptions_coupon_id_coupons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_coupon_redemptions_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coupon_redemptions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_redemptions')),
    sa.UniqueConstraint('coupon_id', 'order_id', name=op.f('uq_coupon_redemptions_coupon_id_order_id'))
    )
    op.create_index('ix_coupon_redemptions_coupon_user', 'coupon_redemptions', ['coupon_id', 'user_id'], unique=False)
    op.create_index(op.f('ix_coupon_redemptions_order_id'), 'coupon_redemptions', ['order_id'], unique=False)
    op.create_table('exam_resources',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('exam_id', sa.UUID(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('content_type', sa.String(length=127), nullable=True),
    sa.Column('file_asset_id', sa.UUID(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('num_nonnulls(file_asset_id, url) = 1', name=op.f('ck_exam_resources_file_or_url')),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_resources_exam_id_exams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_asset_id'], ['file_assets.id'], name=op.f('fk_exam_resources_file_asset_id_file_assets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_resources'))
    )
    op.create_index(op.f('ix_exam_resources_exam_id'), 'exam_resources', ['exam_id'], unique=False)
    op.create_index(op.f('ix_exam_resources_file_asset_id'), 'exam_resources', ['file_asset_id'], unique=False)
    op.create_table('lessons',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('module_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.Enum('video', 'text', 'quiz', 'assignment', name='lesson_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('content_text', sa.Text(), nullable=True),
    sa.Column('content_url', sa.String(length=1000), nullable=True),
    sa.Column('video_asset_id', sa.UUID(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('order_number', sa.Integer(), nullable=False),
    sa.Column('is_preview', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('duration_minutes >= 0', name=op.f('ck_lessons_duration_non_negative')),
    sa.CheckConstraint('order_number > 0', name=op.f('ck_lessons_order_number_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_lessons_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['course_modules.id'], name=op.f('fk_lessons_module_id_course_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_asset_id'], ['video_assets.id'], name=op.f('fk_lessons_video_asset_id_video_assets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons')),
    sa.UniqueConstraint('module_id', 'order_number', deferrable=True, initially='DEFERRED', name=op.f('uq_lessons_module_id_order_number'))
    )
    op.create_index(op.f('ix_lessons_course_id'), 'lessons', ['course_id'], unique=False)
    op.create_index('ix_lessons_search_vector', 'lessons', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_lessons_video_asset_id'), 'lessons', ['video_asset_id'], unique=False)
    op.create_table('order_items',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('tier', sa.Enum('basic', 'pro', 'premium', name='pricing_tier', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('unit_price_minor', sa.BigInteger(), nullable=False),
    sa.Column('discount_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('refunded_minor >= 0 AND refunded_minor <= total_minor', name=op.f('ck_order_items_refund_within_total')),
    sa.CheckConstraint('total_minor = unit_price_minor - discount_minor', name=op.f('ck_order_items_total_adds_up')),
    sa.CheckConstraint('unit_price_minor >= 0 AND discount_minor >= 0 AND discount_minor <= unit_price_minor', name=op.f('ck_order_items_amounts_valid')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_order_items_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_items_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_items')),
    sa.UniqueConstraint('order_id', 'course_id', name=op.f('uq_order_items_order_id_course_id'))
    )
    op.create_index(op.f('ix_order_items_course_id'), 'order_items', ['course_id'], unique=False)
    op.create_table('payments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=True),
    sa.Column('subscription_id', sa.UUID(), nullable=True),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('provider', sa.Enum('stripe', 'local', name='payment_provider', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('provider_payment_id', sa.String(length=255), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('amount_refunded_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('status', sa.Enum('pending', 'requires_action', 'succeeded', 'failed', 'canceled', 'refunded', 'partially_refunded', name='payment_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('method', sa.String(length=50), nullable=True),
    sa.Column('failure_code', sa.String(length=100), nullable=True),
    sa.Column('failure_message', sa.Text(), nullable=True),
    sa.Column('succeeded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_payments_amount_non_negative')),
    sa.CheckConstraint('amount_refunded_minor >= 0 AND amount_refunded_minor <= amount_minor', name=op.f('ck_payments_refund_within_amount')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payments_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_payments_subscription_id_subscriptions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_payments_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('provider_payment_id', name=op.f('uq_payments_provider_payment_id'))
    )
    op.create_index(op.f('ix_payments_order_id'), 'payments', ['order_id'], unique=False)
    op.create_index('ix_payments_status_created', 'payments', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_payments_subscription_id'), 'payments', ['subscription_id'], unique=False)
    op.create_index(op.f('ix_payments_user_id'), 'payments', ['user_id'], unique=False)
    op.create_table('processing_jobs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('video_asset_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='job_status', native_enum=False, create_constraint=True), server_default='queued', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_processing_jobs_attempts_non_negative')),
    sa.ForeignKeyConstraint(['video_asset_id'], ['video_assets.id'], name=op.f('fk_processing_jobs_video_asset_id_video_assets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_jobs'))
    )
    op.create_index(op.f('ix_processing_jobs_video_asset_id'), 'processing_jobs', ['video_asset_id'], unique=False)
    op.create_table('assignments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late_submission_allowed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('late_penalty_percentage', sa.Integer(), server_default='0', nullable=False),
    sa.Column('max_points', sa.Integer(), server_default='100', nullable=False),
    sa.Column('requires_file_upload', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('allowed_file_types', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('max_file_size_mb', sa.Integer(), server_default='10', nullable=False),
    sa.Column('rubric', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('late_penalty_percentage BETWEEN 0 AND 100', name=op.f('ck_assignments_penalty_range')),
    sa.CheckConstraint('max_file_size_mb > 0', name=op.f('ck_assignments_max_file_size_positive')),
    sa.CheckConstraint('max_points > 0', name=op.f('ck_assignments_max_points_positive')),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_assignments_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    op.create_index(op.f('ix_assignments_lesson_id'), 'assignments', ['lesson_id'], unique=False)
    op.create_table('course_analytics',
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('total_enrollments', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active_enrollments', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completion_rate', sa.Numeric(precision=5, scale=2), server_default='0', nullable=False),
    sa.Column('dropout_rate', sa.Numeric(precision=5, scale=2), server_default='0', nullable=False),
    sa.Column('average_rating', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('revenue_minor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('average_days_to_completion', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('hardest_lesson_id', sa.UUID(), nullable=True),
    sa.Column('engagement', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('completion_rate BETWEEN 0 AND 100 AND dropout_rate BETWEEN 0 AND 100', name=op.f('ck_course_analytics_rates_range')),
    sa.CheckConstraint('revenue_minor >= 0', name=op.f('ck_course_analytics_revenue_non_negative')),
    sa.CheckConstraint('total_enrollments >= 0 AND active_enrollments >= 0 AND completion_count >= 0', name=op.f('ck_course_analytics_counts_non_negative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_analytics_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hardest_lesson_id'], ['lessons.id'], name=op.f('fk_course_analytics_hardest_lesson_id_lessons'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_course_analytics'))
    )
    op.create_table('discussion_threads',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('lesson_id', sa.UUID(), nullable=True),
    sa.Column('category', sa.Enum('general', 'question', 'technical', 'assignment', 'feedback', 'off_topic', name='thread_category', native_enum=False, create_constraint=True), server_default='general', nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_pinned', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_locked', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('view_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reply_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('view_count >= 0 AND reply_count >= 0', name=op.f('ck_discussion_threads_counts_non_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discussion_threads_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_discussion_threads_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_discussion_threads_lesson_id_lessons'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_threads'))
    )
    op.create_index(op.f('ix_discussion_threads_author_id'), 'discussion_threads', ['author_id'], unique=False)
    op.create_index('ix_discussion_threads_course_activity', 'discussion_threads', ['course_id', 'is_pinned', 'last_activity_at'], unique=False)
    op.create_index('ix_discussion_threads_course_category', 'discussion_threads', ['course_id', 'category'], unique=False)
    op.create_index(op.f('ix_discussion_threads_lesson_id'), 'discussion_threads', ['lesson_id'], unique=False)
    op.create_table('enrollments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('course_id', sa.UUID(), nullable=False),
    sa.Column('pricing_tier', sa.Enum('basic', 'pro', 'premium', name='pricing_tier', native_enum=False, create_constraint=True), server_default='basic', nullable=False),
    sa.Column('status', sa.Enum('active', 'completed', 'dropped', 'refunded', 'revoked', name='enrollment_status', native_enum=False, create_constraint=True), server_default='active', nullable=False),
    sa.Column('source', sa.Enum('free', 'purchase', 'subscription', 'admin', name='enrollment_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=True),
    sa.Column('subscription_id', sa.UUID(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progress_percentage', sa.Numeric(precision=5, scale=2), server_default='0', nullable=False),
    sa.Column('last_accessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_lesson_id', sa.UUID(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('progress_percentage BETWEEN 0 AND 100', name=op.f('ck_enrollments_progress_range')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrollments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_lesson_id'], ['lessons.id'], name=op.f('fk_enrollments_last_lesson_id_lessons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_enrollments_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_enrollments_student_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_enrollments_subscription_id_subscriptions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments')),
    sa.UniqueConstraint('student_id', 'course_id', name=op.f('uq_enrollments_student_id_course_id'))
    )
    op.create_index(op.f('ix_enrollments_course_id'), 'enrollments', ['course_id'], unique=False)
    op.create_index('ix_enrollments_course_status', 'enrollments', ['course_id', 'status'], unique=False)
    op.create_index(op.f('ix_enrollments_order_id'), 'enrollments', ['order_id'], unique=False)
    op.create_index('ix_enrollments_student_status', 'enrollments', ['student_id', 'status'], unique=False)
    op.create_index(op.f('ix_enrollments_subscription_id'), 'enrollments', ['subscription_id'], unique=False)
    op.create_table('lesson_resources',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('file_asset_id', sa.UUID(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('sort_order', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('num_nonnulls(file_asset_id, url) = 1', name=op.f('ck_lesson_resources_file_or_url')),
    sa.ForeignKeyConstraint(['file_asset_id'], ['file_assets.id'], name=op.f('fk_lesson_resources_file_asset_id_file_assets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_resources_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_resources'))
    )
    op.create_index(op.f('ix_lesson_resources_file_asset_id'), 'lesson_resources', ['file_asset_id'], unique=False)
    op.create_index(op.f('ix_lesson_resources_lesson_id'), 'lesson_resources', ['lesson_id'], unique=False)
    op.create_table('quizzes',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=220), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('quiz_type', sa.Enum('formative', 'summative', 'practice', name='quiz_type', native_enum=False, create_constraint=True), server_default='formative', nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('passing_score_percentage', sa.Integer(), server_default='70', nullable=False),
    sa.Column('max_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('randomize_questions', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('randomize_options', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('show_correct_answers', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('show_explanations', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('score_policy', sa.Enum('best', 'last', name='score_policy', native_enum=False, create_constraint=True), server_default='best', nullable=False),
    sa.Column('available_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('available_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('available_from IS NULL OR available_until IS NULL OR available_until > available_from', name=op.f('ck_quizzes_window_ordered')),
    sa.CheckConstraint('max_attempts >= 0', name=op.f('ck_quizzes_max_attempts_non_negative')),
    sa.CheckConstraint('passing_score_percentage BETWEEN 0 AND 100', name=op.f('ck_quizzes_passing_score_range')),
    sa.CheckConstraint('time_limit_minutes IS NULL OR time_limit_minutes > 0', name=op.f('ck_quizzes_time_limit_positive')),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_quizzes_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quizzes'))
    )
    op.create_index(op.f('ix_quizzes_lesson_id'), 'quizzes', ['lesson_id'], unique=False)
    op.create_table('assignment_submissions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('assignment_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('enrollment_id', sa.UUID(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('is_late', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('points_awarded', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('late_penalty_points', sa.Numeric(precision=10, scale=2), server_default='0', nullable=False),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('rubric_scores', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('grading_status', sa.Enum('submitted', 'under_review', 'graded', 'revision_requested', name='submission_status', native_enum=False, create_constraint=True), server_default='submitted', nullable=False),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('graded_by_id', sa.UUID(), nullable=True),
    sa.Column('revision_number', sa.Integer(), server_default='1', nullable=False),
    sa.Column('parent_submission_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('late_penalty_points >= 0', name=op.f('ck_assignment_submissions_penalty_non_negative')),
    sa.CheckConstraint('points_awarded IS NULL OR points_awarded >= 0', name=op.f('ck_assignment_submissions_points_non_negative')),
    sa.CheckConstraint('revision_number > 0', name=op.f('ck_assignment_submissions_revision_number_positive')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_submissions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_assignment_submissions_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_assignment_submissions_graded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_submission_id'], ['assignment_submissions.id'], name=op.f('fk_assignment_submissions_parent_submission_id_assignment_submissions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_assignment_submissions_student_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_submissions')),
    sa.UniqueConstraint('assignment_id', 'student_id', 'revision_number', name=op.f('uq_assignment_submissions_assignment_id_student_id_revision_number'))
    )
    op.create_index(op.f('ix_assignment_submissions_enrollment_id'), 'assignment_submissions', ['enrollment_id'], unique=False)
    op.create_index('ix_assignment_submissions_grading_status', 'assignment_submissions', ['grading_status'], unique=False)
    op.create_index(op.f('ix_assignment_submissions_parent_submission_id'), 'assignment_submissions', ['parent_submission_id'], unique=False)
    op.create_index(op.f('ix_assignment_submissions_student_id'), 'assignment_submissions', ['student_id'], unique=False)
    op.create_table('certificates',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('enrollment_id', sa.UUID(), nullable=True),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('course_id', sa.UUID(), nullable=True),
    sa.Column('certificate_number', sa.String(length=32), nullable=False),
    sa.Column('verification_code', sa.String(length=64), nullable=False),
    sa.Column('student_name', sa.String(length=120), nullable=False),
    sa.Column('course_title', sa.String(length=220), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('pdf_storage_key', sa.String(length=512), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("certificate_number ~ '^EWS-[0-9]{4}-[0-9A-Z]{6}$'", name=op.f('ck_certificates_number_format')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_certificates_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_certificates_enrollment_id_enrollments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('certificate_number', name=op.f('uq_certificates_certificate_number')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_certificates_enrollment_id')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_certificates_verification_code'))
    )
    op.create_index(op.f('ix_certificates_course_id'), 'certificates', ['course_id'], unique=False)
    op.create_index(op.f('ix_certificates_user_id'), 'certificates', ['user_id'], unique=False)
    op.create_table('discussion_posts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('thread_id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('parent_post_id', sa.UUID(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('upvote_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('is_solution', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('edit_history', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discussion_posts_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_post_id'], ['discussion_posts.id'], name=op.f('fk_discussion_posts_parent_post_id_discussion_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_threads.id'], name=op.f('fk_discussion_posts_thread_id_discussion_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_posts'))
    )
    op.create_index(op.f('ix_discussion_posts_author_id'), 'discussion_posts', ['author_id'], unique=False)
    op.create_index(op.f('ix_discussion_posts_parent_post_id'), 'discussion_posts', ['parent_post_id'], unique=False)
    op.create_index('ix_discussion_posts_thread_created', 'discussion_posts', ['thread_id', 'created_at'], unique=False)
    op.create_index('uq_discussion_posts_one_solution', 'discussion_posts', ['thread_id'], unique=True, postgresql_where=sa.text('is_solution'))
    op.create_table('exam_submissions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('exam_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('enrollment_id', sa.UUID(), nullable=True),
    sa.Column('attempt_number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'submitted', 'graded', 'revision_required', name='exam_submission_status', native_enum=False, create_constraint=True), server_default='in_progress', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('graded_by_id', sa.UUID(), nullable=True),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('is_passed', sa.Boolean(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('attempt_number > 0', name=op.f('ck_exam_submissions_attempt_number_positive')),
    sa.CheckConstraint('score IS NULL OR score >= 0', name=op.f('ck_exam_submissions_score_non_negative')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_exam_submissions_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_exam_submissions_exam_id_exams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_exam_submissions_graded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exam_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_submissions')),
    sa.UniqueConstraint('exam_id', 'user_id', 'attempt_number', name=op.f('uq_exam_submissions_exam_id_user_id_attempt_number'))
    )
    op.create_index(op.f('ix_exam_submissions_enrollment_id'), 'exam_submissions', ['enrollment_id'], unique=False)
    op.create_index('ix_exam_submissions_status', 'exam_submissions', ['status'], unique=False)
    op.create_index(op.f('ix_exam_submissions_user_id'), 'exam_submissions', ['user_id'], unique=False)
    op.create_index('uq_exam_submissions_one_in_progress', 'exam_submissions', ['exam_id', 'user_id'], unique=True, postgresql_where=sa.text("status = 'in_progress'"))
    op.create_table('lesson_progress',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('enrollment_id', sa.UUID(), nullable=False),
    sa.Column('lesson_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'completed', name='progress_status', native_enum=False, create_constraint=True), server_default='not_started', nullable=False),
    sa.Column('watch_time_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_position_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('quiz_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('attempts_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_accessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('attempts_count >= 0', name=op.f('ck_lesson_progress_attempts_non_negative')),
    sa.CheckConstraint('quiz_score IS NULL OR quiz_score BETWEEN 0 AND 100', name=op.f('ck_lesson_progress_score_range')),
    sa.CheckConstraint('watch_time_seconds >= 0 AND last_position_seconds >= 0', name=op.f('ck_lesson_progress_times_non_negative')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_lesson_progress_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_progress_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_progress')),
    sa.UniqueConstraint('enrollment_id', 'lesson_id', name=op.f('uq_lesson_progress_enrollment_id_lesson_id'))
    )
    op.create_index(op.f('ix_lesson_progress_lesson_id'), 'lesson_progress', ['lesson_id'], unique=False)
    op.create_table('module_completions',
    sa.Column('enrollment_id', sa.UUID(), nullable=False),
    sa.Column('module_id', sa.UUID(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_module_completions_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['course_modules.id'], name=op.f('fk_module_completions_module_id_course_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrollment_id', 'module_id', name=op.f('pk_module_completions'))
    )
    op.create_index(op.f('ix_module_completions_module_id'), 'module_completions', ['module_id'], unique=False)
    op.create_table('questions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('quiz_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.Enum('multiple_choice', 'true_false', 'short_answer', 'essay', 'fill_blank', 'matching', name='question_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('media_url', sa.String(length=1000), nullable=True),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('correct_answer', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('points', sa.Integer(), server_default='1', nullable=False),
    sa.Column('order_number', sa.Integer(), nullable=False),
    sa.Column('difficulty', sa.Enum('easy', 'medium', 'hard', name='difficulty', native_enum=False, create_constraint=True), server_default='medium', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('order_number > 0', name=op.f('ck_questions_order_number_positive')),
    sa.CheckConstraint('points > 0', name=op.f('ck_questions_points_positive')),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_questions_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('quiz_id', 'order_number', deferrable=True, initially='DEFERRED', name=op.f('uq_questions_quiz_id_order_number'))
    )
    op.create_table('quiz_attempts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('quiz_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('enrollment_id', sa.UUID(), nullable=False),
    sa.Column('attempt_number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'submitted', 'expired', name='attempt_status', native_enum=False, create_constraint=True), server_default='in_progress', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('time_taken_seconds', sa.Integer(), nullable=True),
    sa.Column('score_percentage', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('points_earned', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('points_possible', sa.Integer(), nullable=True),
    sa.Column('is_passed', sa.Boolean(), nullable=True),
    sa.Column('grading_status', sa.Enum('auto_graded', 'pending_review', 'graded', name='grading_status', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('graded_by_id', sa.UUID(), nullable=True),
    sa.Column('question_order', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('option_order', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('attempt_number > 0', name=op.f('ck_quiz_attempts_attempt_number_positive')),
    sa.CheckConstraint('points_earned IS NULL OR points_earned >= 0', name=op.f('ck_quiz_attempts_points_non_negative')),
    sa.CheckConstraint('score_percentage IS NULL OR score_percentage BETWEEN 0 AND 100', name=op.f('ck_quiz_attempts_score_range')),
    sa.CheckConstraint('time_taken_seconds IS NULL OR time_taken_seconds >= 0', name=op.f('ck_quiz_attempts_time_non_negative')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_quiz_attempts_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_quiz_attempts_graded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_attempts_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_quiz_attempts_student_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts')),
    sa.UniqueConstraint('quiz_id', 'student_id', 'attempt_number', name=op.f('uq_quiz_attempts_quiz_id_student_id_attempt_number'))
    )
    op.create_index(op.f('ix_quiz_attempts_enrollment_id'), 'quiz_attempts', ['enrollment_id'], unique=False)
    op.create_index('ix_quiz_attempts_grading_status', 'quiz_attempts', ['grading_status'], unique=False)
    op.create_index(op.f('ix_quiz_attempts_student_id'), 'quiz_attempts', ['student_id'], unique=False)
    op.create_index('uq_quiz_attempts_one_in_progress', 'quiz_attempts', ['quiz_id', 'student_id'], unique=True, postgresql_where=sa.text("status = 'in_progress'"))
    op.create_table('refunds',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('payment_id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('order_item_id', sa.UUID(), nullable=True),
    sa.Column('enrollment_id', sa.UUID(), nullable=True),
    sa.Column('provider_refund_id', sa.String(length=255), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), server_default='USD', nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', name='refund_status', native_enum=False, create_constraint=True), server_default='pending', nullable=False),
    sa.Column('requested_by_id', sa.UUID(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_refunds_enrollment_id_enrollments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_item_id'], ['order_items.id'], name=op.f('fk_refunds_order_item_id_order_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_refunds_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('provider_refund_id', name=op.f('uq_refunds_provider_refund_id'))
    )
    op.create_index(op.f('ix_refunds_enrollment_id'), 'refunds', ['enrollment_id'], unique=False)
    op.create_index(op.f('ix_refunds_order_id'), 'refunds', ['order_id'], unique=False)
    op.create_index(op.f('ix_refunds_order_item_id'), 'refunds', ['order_item_id'], unique=False)
    op.create_index(op.f('ix_refunds_payment_id'), 'refunds', ['payment_id'], unique=False)
    op.create_table('assignment_submission_files',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('submission_id', sa.UUID(), nullable=False),
    sa.Column('file_asset_id', sa.UUID(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_assignment_submission_files_size_non_negative')),
    sa.ForeignKeyConstraint(['file_asset_id'], ['file_assets.id'], name=op.f('fk_assignment_submission_files_file_asset_id_file_assets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submission_id'], ['assignment_submissions.id'], name=op.f('fk_assignment_submission_files_submission_id_assignment_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_submission_files'))
    )
    op.create_index(op.f('ix_assignment_submission_files_file_asset_id'), 'assignment_submission_files', ['file_asset_id'], unique=False)
    op.create_index(op.f('ix_assignment_submission_files_submission_id'), 'assignment_submission_files', ['submission_id'], unique=False)
    op.create_table('exam_submission_files',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('submission_id', sa.UUID(), nullable=False),
    sa.Column('file_asset_id', sa.UUID(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=127), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_exam_submission_files_size_non_negative')),
    sa.ForeignKeyConstraint(['file_asset_id'], ['file_assets.id'], name=op.f('fk_exam_submission_files_file_asset_id_file_assets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submission_id'], ['exam_submissions.id'], name=op.f('fk_exam_submission_files_submission_id_exam_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_submission_files'))
    )
    op.create_index(op.f('ix_exam_submission_files_file_asset_id'), 'exam_submission_files', ['file_asset_id'], unique=False)
    op.create_index(op.f('ix_exam_submission_files_submission_id'), 'exam_submission_files', ['submission_id'], unique=False)
    op.create_table('post_votes',
    sa.Column('post_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('value', sa.SmallInteger(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_post_votes_value_unit')),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_posts.id'], name=op.f('fk_post_votes_post_id_discussion_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_votes'))
    )
    op.create_index(op.f('ix_post_votes_user_id'), 'post_votes', ['user_id'], unique=False)
    op.create_table('quiz_answers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('attempt_id', sa.UUID(), nullable=False),
    sa.Column('question_id', sa.UUID(), nullable=False),
    sa.Column('answer', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=True),
    sa.Column('points_awarded', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('points_awarded IS NULL OR points_awarded >= 0', name=op.f('ck_quiz_answers_points_non_negative')),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_quiz_answers_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_quiz_answers_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_answers')),
    sa.UniqueConstraint('attempt_id', 'question_id', name=op.f('uq_quiz_answers_attempt_id_question_id'))
    )
    op.create_index(op.f('ix_quiz_answers_question_id'), 'quiz_answers', ['question_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_quiz_answers_question_id'), table_name='quiz_answers')
    op.drop_table('quiz_answers')
    op.drop_index(op.f('ix_post_votes_user_id'), table_name='post_votes')
    op.drop_table('post_votes')
    op.drop_index(op.f('ix_exam_submission_files_submission_id'), table_name='exam_submission_files')
    op.drop_index(op.f('ix_exam_submission_files_file_asset_id'), table_name='exam_submission_files')
    op.drop_table('exam_submission_files')
    op.drop_index(op.f('ix_assignment_submission_files_submission_id'), table_name='assignment_submission_files')
    op.drop_index(op.f('ix_assignment_submission_files_file_asset_id'), table_name='assignment_submission_files')
    op.drop_table('assignment_submission_files')
    op.drop_index(op.f('ix_refunds_payment_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_order_item_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_order_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_enrollment_id'), table_name='refunds')
    op.drop_table('refunds')
    op.drop_index('uq_quiz_attempts_one_in_progress', table_name='quiz_attempts', postgresql_where=sa.text("status = 'in_progress'"))
    op.drop_index(op.f('ix_quiz_attempts_student_id'), table_name='quiz_attempts')
    op.drop_index('ix_quiz_attempts_grading_status', table_name='quiz_attempts')
    op.drop_index(op.f('ix_quiz_attempts_enrollment_id'), table_name='quiz_attempts')
    op.drop_table('quiz_attempts')
    op.drop_table('questions')
    op.drop_index(op.f('ix_module_completions_module_id'), table_name='module_completions')
    op.drop_table('module_completions')
    op.drop_index(op.f('ix_lesson_progress_lesson_id'), table_name='lesson_progress')
    op.drop_table('lesson_progress')
    op.drop_index('uq_exam_submissions_one_in_progress', table_name='exam_submissions', postgresql_where=sa.text("status = 'in_progress'"))
    op.drop_index(op.f('ix_exam_submissions_user_id'), table_name='exam_submissions')
    op.drop_index('ix_exam_submissions_status', table_name='exam_submissions')
    op.drop_index(op.f('ix_exam_submissions_enrollment_id'), table_name='exam_submissions')
    op.drop_table('exam_submissions')
    op.drop_index('uq_discussion_posts_one_solution', table_name='discussion_posts', postgresql_where=sa.text('is_solution'))
    op.drop_index('ix_discussion_posts_thread_created', table_name='discussion_posts')
    op.drop_index(op.f('ix_discussion_posts_parent_post_id'), table_name='discussion_posts')
    op.drop_index(op.f('ix_discussion_posts_author_id'), table_name='discussion_posts')
    op.drop_table('discussion_posts')
    op.drop_index(op.f('ix_certificates_user_id'), table_name='certificates')
    op.drop_index(op.f('ix_certificates_course_id'), table_name='certificates')
    op.drop_table('certificates')
    op.drop_index(op.f('ix_assignment_submissions_student_id'), table_name='assignment_submissions')
    op.drop_index(op.f('ix_assignment_submissions_parent_submission_id'), table_name='assignment_submissions')
    op.drop_index('ix_assignment_submissions_grading_status', table_name='assignment_submissions')
    op.drop_index(op.f('ix_assignment_submissions_enrollment_id'), table_name='assignment_submissions')
    op.drop_table('assignment_submissions')
    op.drop_index(op.f('ix_quizzes_lesson_id'), table_name='quizzes')
    op.drop_table('quizzes')
    op.drop_index(op.f('ix_lesson_resources_lesson_id'), table_name='lesson_resources')
    op.drop_index(op.f('ix_lesson_resources_file_asset_id'), table_name='lesson_resources')
    op.drop_table('lesson_resources')
    op.drop_index(op.f('ix_enrollments_subscription_id'), table_name='enrollments')
    op.drop_index('ix_enrollments_student_status', table_name='enrollments')
    op.drop_index(op.f('ix_enrollments_order_id'), table_name='enrollments')
    op.drop_index('ix_enrollments_course_status', table_name='enrollments')
    op.drop_index(op.f('ix_enrollments_course_id'), table_name='enrollments')
    op.drop_table('enrollments')
    op.drop_index(op.f('ix_discussion_threads_lesson_id'), table_name='discussion_threads')
    op.drop_index('ix_discussion_threads_course_category', table_name='discussion_threads')
    op.drop_index('ix_discussion_threads_course_activity', table_name='discussion_threads')
    op.drop_index(op.f('ix_discussion_threads_author_id'), table_name='discussion_threads')
    op.drop_table('discussion_threads')
    op.drop_table('course_analytics')
    op.drop_index(op.f('ix_assignments_lesson_id'), table_name='assignments')
    op.drop_table('assignments')
    op.drop_index(op.f('ix_processing_jobs_video_asset_id'), table_name='processing_jobs')
    op.drop_table('processing_jobs')
    op.drop_index(op.f('ix_payments_user_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_subscription_id'), table_name='payments')
    op.drop_index('ix_payments_status_created', table_name='payments')
    op.drop_index(op.f('ix_payments_order_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_index(op.f('ix_order_items_course_id'), table_name='order_items')
    op.drop_table('order_items')
    op.drop_index(op.f('ix_lessons_video_asset_id'), table_name='lessons')
    op.drop_index('ix_lessons_search_vector', table_name='lessons', postgresql_using='gin')
    op.drop_index(op.f('ix_lessons_course_id'), table_name='lessons')
    op.drop_table('lessons')
    op.drop_index(op.f('ix_exam_resources_file_asset_id'), table_name='exam_resources')
    op.drop_index(op.f('ix_exam_resources_exam_id'), table_name='exam_resources')
    op.drop_table('exam_resources')
    op.drop_index(op.f('ix_coupon_redemptions_order_id'), table_name='coupon_redemptions')
    op.drop_index('ix_coupon_redemptions_coupon_user', table_name='coupon_redemptions')
    op.drop_table('coupon_redemptions')
    op.drop_index(op.f('ix_cart_items_course_id'), table_name='cart_items')
    op.drop_table('cart_items')
    op.drop_table('video_assets')
    op.drop_index(op.f('ix_testimonials_user_id'), table_name='testimonials')
    op.drop_index(op.f('ix_testimonials_course_id'), table_name='testimonials')
    op.drop_index('ix_testimonials_approved_featured', table_name='testimonials')
    op.drop_table('testimonials')
    op.drop_index('ix_orders_user_created', table_name='orders')
    op.drop_index('ix_orders_status_created', table_name='orders')
    op.drop_index(op.f('ix_orders_coupon_id'), table_name='orders')
    op.drop_table('orders')
    op.drop_index('uq_exams_one_final_per_course', table_name='exams', postgresql_where=sa.text('is_final'))
    op.drop_index(op.f('ix_exams_course_id'), table_name='exams')
    op.drop_table('exams')
    op.drop_index(op.f('ix_course_tags_tag_id'), table_name='course_tags')
    op.drop_table('course_tags')
    op.drop_index(op.f('ix_course_reviews_user_id'), table_name='course_reviews')
    op.drop_index('ix_course_reviews_status_created', table_name='course_reviews')
    op.drop_index('ix_course_reviews_course_status_created', table_name='course_reviews')
    op.drop_table('course_reviews')
    op.drop_index(op.f('ix_course_resources_file_asset_id'), table_name='course_resources')
    op.drop_index(op.f('ix_course_resources_course_id'), table_name='course_resources')
    op.drop_table('course_resources')
    op.drop_table('course_requirements')
    op.drop_table('course_pricing_tiers')
    op.drop_table('course_objectives')
    op.drop_index(op.f('ix_course_modules_prerequisite_module_id'), table_name='course_modules')
    op.drop_table('course_modules')
    op.drop_index(op.f('ix_course_instructors_user_id'), table_name='course_instructors')
    op.drop_table('course_instructors')
    op.drop_index('ix_course_daily_stats_day', table_name='course_daily_stats')
    op.drop_table('course_daily_stats')
    op.drop_index(op.f('ix_coupon_courses_course_id'), table_name='coupon_courses')
    op.drop_table('coupon_courses')
    op.drop_index(op.f('ix_conversation_participants_user_id'), table_name='conversation_participants')
    op.drop_table('conversation_participants')
    op.drop_table('carts')
    op.drop_index(op.f('ix_blog_post_tags_tag'), table_name='blog_post_tags')
    op.drop_table('blog_post_tags')
    op.drop_index('ix_audit_log_entity', table_name='audit_log')
    op.drop_index('ix_audit_log_actor_created', table_name='audit_log')
    op.drop_index('ix_audit_log_action_created', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index('ix_announcements_due', table_name='announcements', postgresql_where=sa.text("status = 'scheduled'"))
    op.drop_index('ix_announcements_course_published', table_name='announcements')
    op.drop_index(op.f('ix_announcements_course_id'), table_name='announcements')
    op.drop_table('announcements')
    op.drop_index(op.f('ix_subscriptions_user_id'), table_name='subscriptions')
    op.drop_index('ix_subscriptions_status_period_end', table_name='subscriptions')
    op.drop_index(op.f('ix_subscriptions_plan_id'), table_name='subscriptions')
    op.drop_table('subscriptions')
    op.drop_table('student_analytics')
    op.drop_index(op.f('ix_push_devices_user_id'), table_name='push_devices')
    op.drop_table('push_devices')
    op.drop_table('payment_customers')
    op.drop_index('ix_notifications_recipient_read_created', table_name='notifications')
    op.drop_index('ix_notifications_recipient_group', table_name='notifications')
    op.drop_index('ix_notifications_expires_at', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('notification_preferences')
    op.drop_index(op.f('ix_newsletter_subscribers_user_id'), table_name='newsletter_subscribers')
    op.drop_table('newsletter_subscribers')
    op.drop_index(op.f('ix_messages_sender_id'), table_name='messages')
    op.drop_index('ix_messages_conversation_created', table_name='messages')
    op.drop_table('messages')
    op.drop_table('instructor_profiles')
    op.drop_index('ix_file_assets_status_created', table_name='file_assets')
    op.drop_index(op.f('ix_file_assets_owner_id'), table_name='file_assets')
    op.drop_table('file_assets')
    op.drop_index('ix_courses_status_trending', table_name='courses')
    op.drop_index('ix_courses_status_rating', table_name='courses')
    op.drop_index('ix_courses_status_published_at', table_name='courses')
    op.drop_index('ix_courses_status_price', table_name='courses')
    op.drop_index('ix_courses_status_popularity', table_name='courses')
    op.drop_index('ix_courses_search_vector', table_name='courses', postgresql_using='gin')
    op.drop_index(op.f('ix_courses_instructor_id'), table_name='courses')
    op.drop_index(op.f('ix_courses_category_id'), table_name='courses')
    op.drop_table('courses')
    op.drop_table('coupons')
    op.drop_index('ix_blog_posts_status_published', table_name='blog_posts')
    op.drop_index(op.f('ix_blog_posts_category'), table_name='blog_posts')
    op.drop_index(op.f('ix_blog_posts_author_id'), table_name='blog_posts')
    op.drop_table('blog_posts')
    op.drop_index(op.f('ix_api_keys_owner_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_index('ix_analytics_events_user_occurred', table_name='analytics_events')
    op.drop_index('ix_analytics_events_type_occurred', table_name='analytics_events')
    op.drop_index('ix_analytics_events_entity', table_name='analytics_events')
    op.drop_index('ix_analytics_events_course_occurred', table_name='analytics_events')
    op.drop_table('analytics_events')
    op.drop_index('ix_trusted_documents_sha256', table_name='trusted_documents')
    op.drop_table('trusted_documents')
    op.drop_table('tags')
    op.drop_table('subscription_plans')
    op.drop_index('ix_search_queries_last_searched', table_name='search_queries')
    op.drop_table('search_queries')
    op.drop_table('persisted_queries')
    op.drop_index('ix_payment_events_unprocessed', table_name='payment_events', postgresql_where=sa.text('processed_at IS NULL'))
    op.drop_table('payment_events')
    op.drop_index('ix_failed_jobs_unresolved', table_name='failed_jobs', postgresql_where=sa.text('resolved_at IS NULL'))
    op.drop_table('failed_jobs')
    op.drop_index(op.f('ix_conversations_last_message_at'), table_name='conversations')
    op.drop_table('conversations')
    op.drop_index(op.f('ix_categories_parent_id'), table_name='categories')
    op.drop_table('categories')
