"""CMS: blog posts, testimonials and course reviews. What other domains may call:"""

from app.cms.blog import flush_views as flush_blog_views
from app.cms.reviews import REPORT_TARGET as REVIEW_REPORT_TARGET
from app.cms.reviews import delete_review, hide_review, unhide_review

__all__ = [
    "REVIEW_REPORT_TARGET",
    "delete_review",
    "flush_blog_views",
    "hide_review",
    "unhide_review",
]
