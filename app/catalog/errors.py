"""Codes of the expected failures of the catalog domain (see app/errors.py).

Generic failures (a required or too long text, a bad link, an upload that is not yours, a price
with too many decimals) use `app.errors.Common`; these are the catalog's own rules.
"""

from __future__ import annotations

from app.errors import Code


class CatalogCode(Code):
    # courses
    CATEGORY_NOT_FOUND = "CATEGORY_NOT_FOUND", "No active category has this id."
    SLUG_TAKEN = "SLUG_TAKEN", "No free slug could be found for this title right now; retry."
    TAG_CONFLICT = "TAG_CONFLICT", "A tag differs from an existing tag only in how it is written."
    COURSE_PUBLISHED = (
        "COURSE_PUBLISHED",
        "A course that was published can be archived, not deleted (admins may delete it).",
    )
    INVALID_STATUS = "INVALID_STATUS", "The course's status does not allow this step."
    # publication rules (submitting and publishing report every broken one at once)
    CATEGORY_REQUIRED = "CATEGORY_REQUIRED", "A course needs a category to be published."
    DESCRIPTION_REQUIRED = "DESCRIPTION_REQUIRED", "A course needs a description to be published."
    PRICING_REQUIRED = (
        "PRICING_REQUIRED",
        "A paid course needs at least one pricing tier (or make it free).",
    )
    TOO_FEW_MODULES = "TOO_FEW_MODULES", "A course needs at least three modules to be published."
    EMPTY_MODULE = "EMPTY_MODULE", "Every module needs at least one lesson to be published."
    VIDEO_NOT_READY = "VIDEO_NOT_READY", "A video lesson's video has not finished processing."
    # pricing
    FREE_WITH_TIERS = "FREE_WITH_TIERS", "A free course has no pricing tiers."
    DUPLICATE_TIER = "DUPLICATE_TIER", "Each tier (basic, pro, premium) may appear only once."
    NEGATIVE_PRICE = "NEGATIVE_PRICE", "A price cannot be negative."
    ZERO_PRICE = "ZERO_PRICE", "A tier cannot cost nothing: make the course free instead."
    PRICE_TOO_HIGH = "PRICE_TOO_HIGH", "The price is above the highest price allowed."
    ORIGINAL_BELOW_PRICE = (
        "ORIGINAL_BELOW_PRICE",
        "The original (crossed-out) price must be at least the price.",
    )
    PRICE_RANGE = "PRICE_RANGE", "The lowest price asked for is above the highest."
    # modules and lessons
    INVALID_PREREQUISITE = (
        "INVALID_PREREQUISITE",
        "The prerequisite must be another module of the same course.",
    )
    PREREQUISITE_CYCLE = (
        "PREREQUISITE_CYCLE",
        "This prerequisite would make modules depend on each other in a circle.",
    )
    DUPLICATE_ID = "DUPLICATE_ID", "A new order lists the same item more than once."
    FOREIGN_ID = "FOREIGN_ID", "A new order lists items that do not belong to this parent."
    MISSING_ID = "MISSING_ID", "A new order must list every item of the parent exactly once."
    VIDEO_REQUIRED = "VIDEO_REQUIRED", "A video lesson needs a video."
    VIDEO_NOT_FOUND = "VIDEO_NOT_FOUND", "No video has this id."
    VIDEO_NOT_ALLOWED = "VIDEO_NOT_ALLOWED", "Only video lessons have a video."
    # resources
    URL_OR_FILE = "URL_OR_FILE", "A resource is either a link or an upload: give exactly one."
    # categories
    DUPLICATE_NAME = "DUPLICATE_NAME", "Another category has this name."
    DUPLICATE_SLUG = "DUPLICATE_SLUG", "Another category has this slug."
    INVALID_SLUG = "INVALID_SLUG", "A slug holds lower-case letters, digits and single hyphens."
    INVALID_COLOR = "INVALID_COLOR", "A colour is written #RRGGBB."
    PARENT_NOT_FOUND = "PARENT_NOT_FOUND", "No category has this id."
    PARENT_CYCLE = "PARENT_CYCLE", "A category cannot sit below itself or one of its children."
    # instructors: applications, profiles, teaching teams, certification
    ALREADY_INSTRUCTOR = "ALREADY_INSTRUCTOR", "You already teach: there is nothing to apply for."
    APPLICATION_PENDING = (
        "APPLICATION_PENDING",
        "An application of yours is already waiting for a decision.",
    )
    APPLICATION_DECIDED = "APPLICATION_DECIDED", "The application was already approved or rejected."
    DUPLICATE_LINK = "DUPLICATE_LINK", "Each kind of social link may be given once."
    LINK_HOST = "LINK_HOST", "The link does not point to the site of its kind (e.g. github.com)."
    NOT_AN_INSTRUCTOR = (
        "NOT_AN_INSTRUCTOR",
        "Only an approved instructor can be a co-instructor.",
    )
    USER_NOT_FOUND = "USER_NOT_FOUND", "No active account has this id or e-mail address."
    ALREADY_ON_TEAM = "ALREADY_ON_TEAM", "The user already teaches this course (or owns it)."
    NOT_ON_TEAM = "NOT_ON_TEAM", "The user is not a co-instructor or assistant of this course."
    TEAM_FULL = "TEAM_FULL", "A course has at most 20 co-instructors and assistants."
    FINAL_EXAM_MISSING = (
        "FINAL_EXAM_MISSING",
        "The course has no final exam: create one (isFinal) before requiring it.",
    )
    CERTIFICATES_ISSUED = (
        "CERTIFICATES_ISSUED",
        "Certificates of this course were issued under the current final-exam rule: it can no "
        "longer change.",
    )
