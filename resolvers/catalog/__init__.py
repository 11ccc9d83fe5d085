"""Root fields of the catalog: courses, structure (modules and lessons), resources, categories."""

from strawberry.tools import merge_types

from resolvers.catalog import categories, courses, instructors, resources, structure, videos

Query = merge_types("CatalogQuery", (courses.Query, categories.Query, instructors.Query))
Mutation = merge_types(
    "CatalogMutation",
    (
        courses.Mutation,
        structure.Mutation,
        resources.Mutation,
        categories.Mutation,
        videos.Mutation,
        instructors.Mutation,
    ),
)

__all__ = ["Mutation", "Query"]
