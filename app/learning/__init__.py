"""Learning: enrollments, progress, certificates. What other domains may call:"""

from app.learning.repo import (
    SEAT_STATUSES,
    completion_counts,
    find_enrollment,
    lock_course,
    lock_enrollment,
    set_enrollment_count,
)

__all__ = [
    "SEAT_STATUSES",
    "completion_counts",
    "find_enrollment",
    "lock_course",
    "lock_enrollment",
    "set_enrollment_count",
]
