"""Root fields of the cms domain."""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.cms import blog, testimonials

Query = merge_types("CmsQuery", (blog.Query, testimonials.Query))
Mutation = merge_types("CmsMutation", (blog.Mutation, testimonials.Mutation))

__all__ = ["Mutation", "Query"]
