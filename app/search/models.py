"""The PostgreSQL search backend's own tables: the vocabulary for spelling correction and
autocomplete, and which words each indexed course contributed to it.

The course text itself is indexed in `courses.search_vector` (see app/search/indexer.py).
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SearchTerm(Base):
    """A word of the titles, tags and instructor names of published courses.

    `frequency` is the number of published courses using the word; `trigrams` (the word padded
    with two spaces in front and one behind, cut in threes) find similar words through the GIN
    index without pg_trgm.
    """

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    trigrams: Mapped[list[str]] = mapped_column(ARRAY(Text))
    frequency: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("frequency >= 0", name="frequency_non_negative"),
        Index("ix_search_terms_trigrams", "trigrams", postgresql_using="gin"),
        Index("ix_search_terms_prefix", "term", postgresql_ops={"term": "text_pattern_ops"}),
    )


class SearchDocument(Base):
    """The vocabulary words an indexed published course contributed (no foreign key: the row
    outlives its course until the reindex that subtracts its words)."""

    __tablename__ = "search_documents"

    course_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    terms: Mapped[list[str]] = mapped_column(ARRAY(Text))
