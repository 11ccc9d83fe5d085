"""Root fields of the learning domain: enrollments and progress, certificates."""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.learning import certificates, enrollments

Query = merge_types("LearningQuery", (enrollments.Query, certificates.Query))
Mutation = merge_types("LearningMutation", (enrollments.Mutation, certificates.Mutation))

__all__ = ["Mutation", "Query"]
