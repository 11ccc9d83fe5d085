"""Codes of the expected failures of the CMS domain (see app/errors.py)."""

from __future__ import annotations

from app.errors import Code


class CmsCode(Code):
    SLUG_IN_USE = "SLUG_IN_USE", "Another blog post has this slug."
    TESTIMONIAL_PENDING = (
        "TESTIMONIAL_PENDING",
        "You already have a testimonial waiting for review.",
    )
    TESTIMONIAL_NOT_APPROVED = (
        "TESTIMONIAL_NOT_APPROVED",
        "Only an approved testimonial can be featured.",
    )
    TESTIMONIAL_DECIDED = "TESTIMONIAL_DECIDED", "The testimonial was already approved or rejected."
