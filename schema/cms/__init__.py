"""GraphQL types of the CMS domain (blog, testimonials, reviews)."""
