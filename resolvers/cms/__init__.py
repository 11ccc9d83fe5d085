"""Root fields of the CMS: blog posts, testimonials and course reviews."""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.cms import blog, reviews, testimonials

Query = merge_types("CmsQuery", (blog.Query, testimonials.Query))
Mutation = merge_types("CmsMutation", (blog.Mutation, testimonials.Mutation, reviews.Mutation))

__all__ = ["Mutation", "Query"]
