"""search: vocabulary (words with trigrams, GIN) and per-course vocabulary contributions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000

The PostgreSQL search backend needs no extension: `courses.search_vector` (migration 0002) holds
the weighted text, and these two tables give typo tolerance and autocomplete without pg_trgm —
trigrams are stored as text[] and matched with the GIN-indexed `&&` operator; prefix lookups of
words use a text_pattern_ops B-tree. The tables are filled by the indexer (`reindex_all`, and
per course by the `catalog.course_changed` actor).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('search_terms',
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('trigrams', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('frequency', sa.Integer(), nullable=False),
    sa.CheckConstraint('frequency >= 0', name=op.f('ck_search_terms_frequency_non_negative')),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_search_terms'))
    )
    op.create_index('ix_search_terms_trigrams', 'search_terms', ['trigrams'], unique=False, postgresql_using='gin')
    op.create_index('ix_search_terms_prefix', 'search_terms', ['term'], unique=False, postgresql_ops={'term': 'text_pattern_ops'})
    op.create_table('search_documents',
    sa.Column('course_id', sa.Uuid(), nullable=False),
    sa.Column('terms', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_search_documents'))
    )


def downgrade() -> None:
    op.drop_table('search_documents')
    op.drop_index('ix_search_terms_prefix', table_name='search_terms', postgresql_ops={'term': 'text_pattern_ops'})
    op.drop_index('ix_search_terms_trigrams', table_name='search_terms', postgresql_using='gin')
    op.drop_table('search_terms')
