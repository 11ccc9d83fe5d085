"""Root fields of assessments: quizzes, assignments, course exams and the gradebook."""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.assessments import assignments, exams, gradebook, grading_queue, quizzes

Query = merge_types(
    "AssessmentsQuery",
    (quizzes.Query, assignments.Query, exams.Query, gradebook.Query, grading_queue.Query),
)
Mutation = merge_types(
    "AssessmentsMutation",
    (quizzes.Mutation, assignments.Mutation, exams.Mutation, gradebook.Mutation),
)

__all__ = ["Mutation", "Query"]
