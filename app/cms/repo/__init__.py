"""SQL of the CMS domain, one module per feature (blog, testimonials, reviews)."""
