"""CMS: blog posts, testimonials (and course reviews). What other domains may call:"""

from app.cms.blog import flush_views as flush_blog_views

__all__ = ["flush_blog_views"]
