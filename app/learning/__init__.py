"""Learning: enrollments, progress, certificates. What other domains may call:"""

from app.learning.repo import (
    SEAT_STATUSES,
    completion_counts,
    find_enrollment,
    lock_course,
    set_enrollment_count,
)
from app.learning.service import close_subscription_enrollments

__all__ = [
    "SEAT_STATUSES",
    "close_subscription_enrollments",
    "completion_counts",
    "find_enrollment",
    "lock_course",
    "set_enrollment_count",
]
