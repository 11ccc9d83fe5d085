"""GraphQL types of the CMS: blog posts, testimonials and course reviews."""
