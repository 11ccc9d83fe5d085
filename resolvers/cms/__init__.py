"""Root fields of the CMS: course reviews, …"""

from strawberry.tools import merge_types

from resolvers.cms import reviews

Mutation = merge_types("CmsMutation", (reviews.Mutation,))

__all__ = ["Mutation"]
