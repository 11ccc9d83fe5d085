"""The JSON shapes of quiz questions, their answer keys and students' answers — and auto-grading.

Per question type: `options` and `correctAnswer` (what an author gives), `answer` (what a
student saves):
- multiple_choice: options `[{"id": "a", "text": "..."}, ...]` (2 to 10 entries); correctAnswer
  `{"optionIds": ["a", ...]}` (at least one); answer `{"optionIds": ["a", ...]}`.
- true_false: no options; correctAnswer `{"value": true}`; answer `{"value": false}`.
- short_answer: no options; correctAnswer `{"acceptedAnswers": ["...", ...]}` (may be empty or
  omitted); answer `{"text": "..."}`.
- essay: no options, no correctAnswer; answer `{"text": "..."}`.
- fill_blank: no options; correctAnswer `{"blanks": [["Paris", "paris"], ...]}` (accepted texts
  per blank); answer `{"blanks": ["paris", ...]}` (one text per blank).
- matching: options `{"left": [{"id", "text"}, ...], "right": [{"id", "text"}, ...]}`;
  correctAnswer `{"pairs": {"l1": "r2", ...}}` (every left id); answer `{"pairs": {"l1": "r2"}}`.

Texts compare trimmed, case-insensitively, with inner whitespace collapsed. Objective questions
(multiple choice, true/false, fill in the blank, matching) are all-or-nothing: full points when
the answer equals the key (for multiple choice: exactly the set of correct options; for
matching: every pair), else zero (Property 32). Short answers and essays need a teacher
(Property 33); a short answer matching an accepted one is only flagged as correct (a hint).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.assessments.models import QuestionType
from app.errors import FieldError

MAX_OPTIONS = 10
MAX_TEXT = 2000
MAX_ANSWER_TEXT = 20000
OBJECTIVE = frozenset(
    {
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.TRUE_FALSE,
        QuestionType.FILL_BLANK,
        QuestionType.MATCHING,
    }
)
SUBJECTIVE = frozenset({QuestionType.SHORT_ANSWER, QuestionType.ESSAY})


@dataclass(frozen=True)
class AnswerKey:
    """A validated `options` + `correctAnswer` pair, as stored on the question row."""

    options: Any
    correct_answer: Any


def normalise(value: str) -> str:
    return " ".join(value.split()).casefold()


def _bad(field: str, message: str) -> FieldError:
    return FieldError(field, message, "INVALID_SHAPE")


def _is_text(value: Any, max_length: int = MAX_TEXT) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= max_length


def _choices(value: Any, field: str, errors: list[FieldError]) -> list[str]:
    """`[{"id", "text"}]` with unique non-blank ids and texts; returns the ids."""
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_OPTIONS:
        errors.append(_bad(field, f"Give 2 to {MAX_OPTIONS} entries of {{id, text}}"))
        return []
    ids: list[str] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or set(item) != {"id", "text"}
            or not _is_text(item["id"], 64)
            or not _is_text(item["text"])
        ):
            errors.append(_bad(field, "Every entry needs a non-blank id and text"))
            return []
        ids.append(item["id"])
    if len(set(ids)) != len(ids):
        errors.append(_bad(field, "Option ids must be unique"))
        return []
    return ids


def _texts(value: Any, *, allow_empty: bool) -> bool:
    return (
        isinstance(value, list)
        and (allow_empty or bool(value))
        and len(value) <= 50
        and all(_is_text(v, 500) for v in value)
    )


def answer_key(
    kind: QuestionType, options: Any, correct: Any
) -> tuple[AnswerKey, list[FieldError]]:
    """The stored key of a question of `kind`, or the shape errors (fields `options` and
    `correctAnswer`)."""
    errors: list[FieldError] = []
    if kind == QuestionType.MULTIPLE_CHOICE:
        ids = _choices(options, "options", errors)
        chosen = correct.get("optionIds") if isinstance(correct, dict) else None
        if (
            not isinstance(chosen, list)
            or set(correct) != {"optionIds"}
            or not chosen
            or len(set(chosen)) != len(chosen)
            or (ids and not set(chosen) <= set(ids))
        ):
            errors.append(_bad("correctAnswer", 'Give {"optionIds": [...]}: ids of the options'))
        return AnswerKey(options, {"optionIds": chosen}), errors
    if options is not None and kind != QuestionType.MATCHING:
        errors.append(_bad("options", "This question type has no options"))
        return AnswerKey(None, None), errors
    if kind == QuestionType.TRUE_FALSE:
        if (
            not isinstance(correct, dict)
            or set(correct) != {"value"}
            or not isinstance(correct["value"], bool)
        ):
            errors.append(_bad("correctAnswer", 'Give {"value": true} or {"value": false}'))
        return AnswerKey(None, correct), errors
    if kind == QuestionType.SHORT_ANSWER:
        accepted = correct.get("acceptedAnswers") if isinstance(correct, dict) else None
        if correct is None:
            return AnswerKey(None, {"acceptedAnswers": []}), errors
        if set(correct) != {"acceptedAnswers"} or not _texts(accepted, allow_empty=True):
            errors.append(_bad("correctAnswer", 'Give {"acceptedAnswers": ["...", ...]}'))
        return AnswerKey(None, correct), errors
    if kind == QuestionType.ESSAY:
        if correct is not None:
            errors.append(_bad("correctAnswer", "Essays are graded by a teacher: give no key"))
        return AnswerKey(None, None), errors
    if kind == QuestionType.FILL_BLANK:
        blanks = correct.get("blanks") if isinstance(correct, dict) else None
        if (
            not isinstance(blanks, list)
            or set(correct) != {"blanks"}
            or not 1 <= len(blanks) <= 20
            or not all(_texts(b, allow_empty=False) for b in blanks)
        ):
            errors.append(_bad("correctAnswer", 'Give {"blanks": [["accepted", ...], ...]}'))
        return AnswerKey(None, correct), errors
    return _matching_key(options, correct, errors)


def _matching_key(
    options: Any, correct: Any, errors: list[FieldError]
) -> tuple[AnswerKey, list[FieldError]]:
    if not isinstance(options, dict) or set(options) != {"left", "right"}:
        errors.append(_bad("options", 'Give {"left": [{id, text}...], "right": [{id, text}...]}'))
        return AnswerKey(options, correct), errors
    left = _choices(options["left"], "options", errors)
    right = _choices(options["right"], "options", errors)
    pairs = correct.get("pairs") if isinstance(correct, dict) else None
    if (
        not isinstance(pairs, dict)
        or set(correct) != {"pairs"}
        or (left and set(pairs) != set(left))
        or (right and not set(pairs.values()) <= set(right))
    ):
        errors.append(_bad("correctAnswer", 'Give {"pairs": {leftId: rightId}} for every left id'))
    return AnswerKey(options, correct), errors


def option_ids(kind: QuestionType, options: Any) -> list[str]:
    """The ids a student may shuffle or choose (the right-hand side for matching)."""
    if kind == QuestionType.MULTIPLE_CHOICE and isinstance(options, list):
        return [o["id"] for o in options]
    if kind == QuestionType.MATCHING and isinstance(options, dict):
        return [o["id"] for o in options["right"]]
    return []


def check_answer(kind: QuestionType, options: Any, correct: Any, answer: Any) -> FieldError | None:
    """None when `answer` has the shape of `kind` and names only this question's options."""
    if not isinstance(answer, dict):
        return _bad("answer", "An answer is a JSON object")
    if kind == QuestionType.MULTIPLE_CHOICE:
        chosen = answer.get("optionIds")
        if set(answer) != {"optionIds"} or not isinstance(chosen, list) or not chosen:
            return _bad("answer", 'Give {"optionIds": [...]}')
        if not all(isinstance(c, str) for c in chosen) or not set(chosen) <= set(
            option_ids(kind, options)
        ):
            return FieldError("answer", "Choose options of this question", "UNKNOWN_OPTION")
        return None
    if kind == QuestionType.TRUE_FALSE:
        ok = set(answer) == {"value"} and isinstance(answer["value"], bool)
        return None if ok else _bad("answer", 'Give {"value": true|false}')
    if kind in SUBJECTIVE:
        text = answer.get("text")
        ok = set(answer) == {"text"} and isinstance(text, str) and len(text) <= MAX_ANSWER_TEXT
        return None if ok else _bad("answer", 'Give {"text": "..."}')
    if kind == QuestionType.FILL_BLANK:
        blanks = answer.get("blanks")
        ok = (
            set(answer) == {"blanks"}
            and isinstance(blanks, list)
            and len(blanks) == len(correct["blanks"])
            and all(isinstance(b, str) and len(b) <= 500 for b in blanks)
        )
        return None if ok else _bad("answer", 'Give {"blanks": [...]}, one text per blank')
    pairs = answer.get("pairs")
    if set(answer) != {"pairs"} or not isinstance(pairs, dict):
        return _bad("answer", 'Give {"pairs": {leftId: rightId}}')
    left = {o["id"] for o in options["left"]}
    if not set(pairs) <= left or not set(pairs.values()) <= set(option_ids(kind, options)):
        return FieldError("answer", "Pair options of this question", "UNKNOWN_OPTION")
    return None


def is_correct(kind: QuestionType, correct: Any, answer: Any) -> bool | None:
    """Whether a well-shaped answer earns the points; None for essays (a teacher decides)."""
    if kind == QuestionType.MULTIPLE_CHOICE:
        return set(answer["optionIds"]) == set(correct["optionIds"])
    if kind == QuestionType.TRUE_FALSE:
        return bool(answer["value"] is correct["value"])
    if kind == QuestionType.SHORT_ANSWER:
        accepted = {normalise(a) for a in correct["acceptedAnswers"]}
        return normalise(answer["text"]) in accepted
    if kind == QuestionType.FILL_BLANK:
        return all(
            normalise(given) in {normalise(a) for a in accepted}
            for given, accepted in zip(answer["blanks"], correct["blanks"], strict=True)
        )
    if kind == QuestionType.MATCHING:
        return dict(answer["pairs"]) == dict(correct["pairs"])
    return None


def points_for(kind: QuestionType, correct: Any, answer: Any, points: int) -> Decimal | None:
    """Auto-awarded points: all or nothing for objective types, None for subjective ones
    (a short answer matching an accepted one is only flagged, see `is_correct`)."""
    if kind in SUBJECTIVE:
        return None
    return Decimal(points) if is_correct(kind, correct, answer) else Decimal(0)


def percentage(earned: Decimal, possible: int) -> Decimal:
    """earned / possible as a percentage with two decimals (0 when nothing is possible)."""
    if possible <= 0:
        return Decimal(0)
    return (earned * 100 / Decimal(possible)).quantize(Decimal("0.01"))
