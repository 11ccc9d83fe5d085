"""Quiz questions per type: what an author configures, what a student answers, how it is stored
and graded.

A question's configuration (`QuestionConfig`, one class per type; the type never changes) and a
student's answer (`Answer`, one class per kind of answer) arrive as the dataclasses below; the
checks report problems at snake_case paths under the service argument (`config.matching.pairs[1]
.left`, `answer.choice[0]`). Per type:
- multiple_choice: 2 to 10 options `{id, text}` and the ids of the correct ones (at least one);
  answered with a choice of option ids (`ChoiceAnswer`).
- true_false: the correct value; answered with a boolean (`BooleanAnswer`).
- short_answer: accepted answers (may be none); answered with a text (`TextAnswer`).
- essay: nothing to configure (a teacher grades it); answered with a text.
- fill_blank: per blank (1 to 20), the accepted texts; answered with one text per blank.
- matching: left and right items (2 to 10 each) and the right item of every left one; answered
  with pairs of a left and a right id (`PairsAnswer`, some lefts may stay unpaired).

Stored JSON documents (the `questions.options` / `questions.correct_answer` and
`quiz_answers.answer` columns, unchanged since migration 0001):
- multiple_choice: options `[{"id", "text"}, ...]`, key `{"optionIds": [...]}`, answer
  `{"optionIds": [...]}`;
- true_false: key `{"value": bool}`, answer `{"value": bool}`;
- short_answer: key `{"acceptedAnswers": [...]}`, answer `{"text": ...}`; essay: answer only;
- fill_blank: key `{"blanks": [[accepted, ...], ...]}`, answer `{"blanks": [text, ...]}`;
- matching: options `{"left": [...], "right": [...]}`, key and answer `{"pairs": {left: right}}`.

Texts compare trimmed, case-insensitively, with inner whitespace collapsed. Objective questions
(multiple choice, true/false, fill in the blank, matching) are all-or-nothing: full points when
the answer equals the key (for multiple choice: exactly the set of correct options; for
matching: every pair), else zero (Property 32). Short answers and essays need a teacher
(Property 33); a short answer matching an accepted one is only flagged as correct (a hint).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, ClassVar

from app.assessments.errors import AssessmentsCode
from app.assessments.models import QuestionType
from app.errors import Common, FieldError, Invalid, collect

MAX_OPTIONS = 10
MAX_OPTION_ID = 64
MAX_TEXT = 2000
MAX_ACCEPTED = 50
MAX_ACCEPTED_TEXT = 500
MAX_BLANKS = 20
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


# --- configurations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    id: str
    text: str


@dataclass(frozen=True)
class Pair:
    left: str
    right: str


@dataclass(frozen=True)
class MultipleChoice:
    options: list[Option]
    correct: list[str]
    kind: ClassVar[QuestionType] = QuestionType.MULTIPLE_CHOICE


@dataclass(frozen=True)
class TrueFalse:
    correct: bool
    kind: ClassVar[QuestionType] = QuestionType.TRUE_FALSE


@dataclass(frozen=True)
class ShortAnswer:
    accepted_answers: list[str] = field(default_factory=list)
    kind: ClassVar[QuestionType] = QuestionType.SHORT_ANSWER


@dataclass(frozen=True)
class Essay:
    kind: ClassVar[QuestionType] = QuestionType.ESSAY


@dataclass(frozen=True)
class Blank:
    accepted: list[str]


@dataclass(frozen=True)
class FillBlank:
    blanks: list[Blank]
    kind: ClassVar[QuestionType] = QuestionType.FILL_BLANK


@dataclass(frozen=True)
class Matching:
    left: list[Option]
    right: list[Option]
    pairs: list[Pair]
    kind: ClassVar[QuestionType] = QuestionType.MATCHING


QuestionConfig = MultipleChoice | TrueFalse | ShortAnswer | Essay | FillBlank | Matching


@dataclass(frozen=True)
class StoredKey:
    """A checked configuration as the question row stores it."""

    options: Any
    correct_answer: Any


def config_path(kind: QuestionType, base: str = "config") -> str:
    return f"{base}.{kind.value}"


def _options(errors: list[FieldError], path: str, given: Sequence[Option]) -> list[Option]:
    """2 to MAX_OPTIONS options with distinct non-blank ids and non-blank texts."""
    if len(given) < 2:
        errors.append(
            FieldError(path, "Give at least two options", AssessmentsCode.TOO_FEW_OPTIONS)
        )
    elif len(given) > MAX_OPTIONS:
        errors.append(FieldError(path, f"At most {MAX_OPTIONS} options", Common.TOO_MANY))
    cleaned: list[Option] = []
    seen: set[str] = set()
    for i, option in enumerate(given):
        at = f"{path}[{i}]"
        key = _text(errors, f"{at}.id", option.id, MAX_OPTION_ID)
        label = _text(errors, f"{at}.text", option.text, MAX_TEXT)
        if key in seen:
            errors.append(
                FieldError(f"{at}.id", "Option ids must differ", AssessmentsCode.DUPLICATE)
            )
        seen.add(key)
        cleaned.append(Option(key, label))
    return cleaned


def _text(errors: list[FieldError], path: str, value: str, max_length: int) -> str:
    cleaned = value.strip()
    if not cleaned:
        errors.append(FieldError(path, "This cannot be blank", Common.REQUIRED))
    elif len(cleaned) > max_length:
        errors.append(FieldError(path, f"At most {max_length} characters", Common.TOO_LONG))
    return cleaned


def _texts(
    errors: list[FieldError], path: str, values: Sequence[str], *, required: bool
) -> list[str]:
    if required and not values:
        errors.append(FieldError(path, "Give at least one accepted text", Common.REQUIRED))
    if len(values) > MAX_ACCEPTED:
        errors.append(FieldError(path, f"At most {MAX_ACCEPTED} texts", Common.TOO_MANY))
    return [_text(errors, f"{path}[{i}]", v, MAX_ACCEPTED_TEXT) for i, v in enumerate(values)]


def _ids(errors: list[FieldError], path: str, chosen: Sequence[str], known: set[str]) -> list[str]:
    """`chosen` ids, each once and each one of `known`."""
    seen: list[str] = []
    for i, key in enumerate(chosen):
        if key not in known:
            errors.append(
                FieldError(
                    f"{path}[{i}]", "Not an option of this question", AssessmentsCode.UNKNOWN_OPTION
                )
            )
        elif key in seen:
            errors.append(FieldError(f"{path}[{i}]", "Given twice", AssessmentsCode.DUPLICATE))
        else:
            seen.append(key)
    return seen


def check_config(config: QuestionConfig, base: str = "config") -> StoredKey:
    """The stored form of a configuration, or every problem with it (UserFacingError)."""
    errors: list[FieldError] = []
    path = config_path(config.kind, base)
    stored = StoredKey(None, None)
    if isinstance(config, MultipleChoice):
        options = _options(errors, f"{path}.options", config.options)
        correct = _ids(errors, f"{path}.correct", config.correct, {o.id for o in options})
        if not config.correct:
            errors.append(
                FieldError(f"{path}.correct", "Mark at least one option correct", Common.REQUIRED)
            )
        stored = StoredKey([{"id": o.id, "text": o.text} for o in options], {"optionIds": correct})
    elif isinstance(config, TrueFalse):
        stored = StoredKey(None, {"value": config.correct})
    elif isinstance(config, ShortAnswer):
        accepted = _texts(
            errors, f"{path}.accepted_answers", config.accepted_answers, required=False
        )
        stored = StoredKey(None, {"acceptedAnswers": accepted})
    elif isinstance(config, FillBlank):
        stored = StoredKey(None, {"blanks": _blanks(errors, f"{path}.blanks", config.blanks)})
    elif isinstance(config, Matching):
        stored = _matching(errors, path, config)
    collect(errors)
    return stored


def _blanks(errors: list[FieldError], path: str, blanks: Sequence[Blank]) -> list[list[str]]:
    if not blanks:
        errors.append(FieldError(path, "Give at least one blank", Common.REQUIRED))
    elif len(blanks) > MAX_BLANKS:
        errors.append(FieldError(path, f"At most {MAX_BLANKS} blanks", Common.TOO_MANY))
    return [
        _texts(errors, f"{path}[{i}].accepted", b.accepted, required=True)
        for i, b in enumerate(blanks)
    ]


def _matching(errors: list[FieldError], path: str, config: Matching) -> StoredKey:
    left = _options(errors, f"{path}.left", config.left)
    right = _options(errors, f"{path}.right", config.right)
    lefts, rights = {o.id for o in left}, {o.id for o in right}
    pairs: dict[str, str] = {}
    for i, pair in enumerate(config.pairs):
        at = f"{path}.pairs[{i}]"
        if pair.left not in lefts:
            errors.append(
                FieldError(f"{at}.left", "Not a left-hand item", AssessmentsCode.UNKNOWN_OPTION)
            )
        elif pair.left in pairs:
            errors.append(FieldError(f"{at}.left", "Paired twice", AssessmentsCode.DUPLICATE))
        if pair.right not in rights:
            errors.append(
                FieldError(f"{at}.right", "Not a right-hand item", AssessmentsCode.UNKNOWN_OPTION)
            )
        pairs.setdefault(pair.left, pair.right)
    if lefts and not lefts <= set(pairs):
        errors.append(
            FieldError(f"{path}.pairs", "Pair every left-hand item", AssessmentsCode.UNPAIRED)
        )
    return StoredKey(
        {
            "left": [{"id": o.id, "text": o.text} for o in left],
            "right": [{"id": o.id, "text": o.text} for o in right],
        },
        {"pairs": pairs},
    )


def _stored_options(values: Any) -> list[Option]:
    return [Option(o["id"], o["text"]) for o in values or []]


def config_of(kind: QuestionType, options: Any, key: Any) -> QuestionConfig:
    """The configuration of a stored question."""
    if kind == QuestionType.MULTIPLE_CHOICE:
        return MultipleChoice(_stored_options(options), list(key["optionIds"]))
    if kind == QuestionType.TRUE_FALSE:
        return TrueFalse(bool(key["value"]))
    if kind == QuestionType.SHORT_ANSWER:
        return ShortAnswer(list((key or {}).get("acceptedAnswers", [])))
    if kind == QuestionType.FILL_BLANK:
        return FillBlank([Blank(list(b)) for b in key["blanks"]])
    if kind == QuestionType.MATCHING:
        return Matching(
            _stored_options(options["left"]),
            _stored_options(options["right"]),
            [Pair(left, right) for left, right in key["pairs"].items()],
        )
    return Essay()


def option_ids(kind: QuestionType, options: Any) -> list[str]:
    """The ids a student may shuffle or choose (the right-hand side for matching)."""
    if kind == QuestionType.MULTIPLE_CHOICE and isinstance(options, list):
        return [o["id"] for o in options]
    if kind == QuestionType.MATCHING and isinstance(options, dict):
        return [o["id"] for o in options["right"]]
    return []


# --- answers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceAnswer:
    choice: list[str]


@dataclass(frozen=True)
class BooleanAnswer:
    boolean: bool


@dataclass(frozen=True)
class TextAnswer:
    text: str


@dataclass(frozen=True)
class BlanksAnswer:
    blanks: list[str]


@dataclass(frozen=True)
class PairsAnswer:
    pairs: list[Pair]


Answer = ChoiceAnswer | BooleanAnswer | TextAnswer | BlanksAnswer | PairsAnswer

ANSWER_KINDS: dict[QuestionType, type[Any]] = {
    QuestionType.MULTIPLE_CHOICE: ChoiceAnswer,
    QuestionType.TRUE_FALSE: BooleanAnswer,
    QuestionType.SHORT_ANSWER: TextAnswer,
    QuestionType.ESSAY: TextAnswer,
    QuestionType.FILL_BLANK: BlanksAnswer,
    QuestionType.MATCHING: PairsAnswer,
}
_EXPECTED = {
    ChoiceAnswer: "Answer with the chosen options",
    BooleanAnswer: "Answer true or false",
    TextAnswer: "Answer with a text",
    BlanksAnswer: "Answer with one text per blank",
    PairsAnswer: "Answer with pairs of a left-hand and a right-hand item",
}


def answer_path(answer: Answer, base: str = "answer") -> str:
    """Where an answer's value is: `answer.choice`, `answer.blanks`, …"""
    return f"{base}.{fields(answer)[0].name}"


def check_answer(
    kind: QuestionType, options: Any, key: Any, answer: Answer, base: str = "answer"
) -> Any:
    """The stored form of a student's answer to a question of `kind`, or the problem with it."""
    expected = ANSWER_KINDS[kind]
    if not isinstance(answer, expected):
        raise Invalid(base, _EXPECTED[expected], AssessmentsCode.INVALID_SHAPE)
    path = answer_path(answer, base)
    errors: list[FieldError] = []
    stored: Any = None
    if isinstance(answer, ChoiceAnswer):
        if not answer.choice:
            errors.append(FieldError(path, "Choose at least one option", Common.REQUIRED))
        stored = {"optionIds": _ids(errors, path, answer.choice, set(option_ids(kind, options)))}
    elif isinstance(answer, BooleanAnswer):
        stored = {"value": answer.boolean}
    elif isinstance(answer, TextAnswer):
        if len(answer.text) > MAX_ANSWER_TEXT:
            errors.append(
                FieldError(path, f"At most {MAX_ANSWER_TEXT} characters", Common.TOO_LONG)
            )
        stored = {"text": answer.text}
    elif isinstance(answer, BlanksAnswer):
        stored = {"blanks": _blank_answers(errors, path, answer.blanks, len(key["blanks"]))}
    elif isinstance(answer, PairsAnswer):
        stored = {"pairs": _pair_answers(errors, path, answer.pairs, options)}
    collect(errors)
    return stored


def _blank_answers(
    errors: list[FieldError], path: str, given: Sequence[str], expected: int
) -> list[str]:
    if len(given) != expected:
        errors.append(
            FieldError(
                path,
                f"Give one text for each of the {expected} blanks",
                AssessmentsCode.INVALID_SHAPE,
            )
        )
    for i, value in enumerate(given):
        if len(value) > MAX_ACCEPTED_TEXT:
            errors.append(
                FieldError(
                    f"{path}[{i}]", f"At most {MAX_ACCEPTED_TEXT} characters", Common.TOO_LONG
                )
            )
    return list(given)


def _pair_answers(
    errors: list[FieldError], path: str, given: Sequence[Pair], options: Any
) -> dict[str, str]:
    lefts = {o["id"] for o in options["left"]}
    rights = {o["id"] for o in options["right"]}
    pairs: dict[str, str] = {}
    for i, pair in enumerate(given):
        at = f"{path}[{i}]"
        if pair.left not in lefts:
            errors.append(
                FieldError(f"{at}.left", "Not a left-hand item", AssessmentsCode.UNKNOWN_OPTION)
            )
        elif pair.left in pairs:
            errors.append(FieldError(f"{at}.left", "Paired twice", AssessmentsCode.DUPLICATE))
        if pair.right not in rights:
            errors.append(
                FieldError(f"{at}.right", "Not a right-hand item", AssessmentsCode.UNKNOWN_OPTION)
            )
        pairs.setdefault(pair.left, pair.right)
    return pairs


def answer_of(kind: QuestionType, stored: Any) -> Answer:
    """A stored answer as the student gave it."""
    if kind == QuestionType.MULTIPLE_CHOICE:
        return ChoiceAnswer(list(stored["optionIds"]))
    if kind == QuestionType.TRUE_FALSE:
        return BooleanAnswer(bool(stored["value"]))
    if kind == QuestionType.FILL_BLANK:
        return BlanksAnswer(list(stored["blanks"]))
    if kind == QuestionType.MATCHING:
        return PairsAnswer([Pair(left, right) for left, right in stored["pairs"].items()])
    return TextAnswer(str(stored["text"]))


# --- grading -------------------------------------------------------------------------------------


def normalise(value: str) -> str:
    return " ".join(value.split()).casefold()


def is_correct(kind: QuestionType, correct: Any, answer: Any) -> bool | None:
    """Whether a stored answer earns the points; None for essays (a teacher decides)."""
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
