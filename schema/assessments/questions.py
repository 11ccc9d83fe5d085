"""Quiz questions typed per question type: options, answer keys and answers as unions on
output, `@oneOf` inputs for a configuration and for an answer (`app.assessments.quiz_shapes`).

    config: { multipleChoice: { options: [{id: "a", text: "print()"}, …], correct: ["a"] } }
    answer: { choice: ["a"] } | { boolean: true } | { text: "…" } | { blanks: ["def"] }
          | { pairs: [{ left: "l1", right: "r2" }] }
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry

from app.assessments import quiz_shapes as shapes
from app.assessments.models import QuestionType
from app.errors import Common, Invalid
from schema.core.inputs import Input

# --- output --------------------------------------------------------------------------------------


@strawberry.type(description="An option of a question (or an item of a matching question).")
class QuizOption:
    id: strawberry.ID = strawberry.field(description="Chosen by the author, unique per side.")
    text: str


@strawberry.type(description="A left-hand item of a matching question and its right-hand match.")
class MatchPair:
    left: strawberry.ID
    right: strawberry.ID


@strawberry.type(description="The options of a multiple-choice question.")
class ChoiceOptions:
    options: list[QuizOption]


@strawberry.type(description="The items of a matching question: pair every left with a right.")
class MatchingOptions:
    left: list[QuizOption]
    right: list[QuizOption]


@strawberry.type(description="A fill-in-the-blank question: how many texts an answer gives.")
class BlankOptions:
    blank_count: int


QuestionOptions = Annotated[
    ChoiceOptions | MatchingOptions | BlankOptions,
    strawberry.union(
        "QuestionOptions",
        description="What a student chooses from: null for true/false, short answer and essay.",
    ),
]


@strawberry.type(description="The correct options of a multiple-choice question.")
class MultipleChoiceKey:
    correct: list[strawberry.ID]


@strawberry.type(description="The correct value of a true/false question.")
class TrueFalseKey:
    correct: bool


@strawberry.type(description="Accepted answers of a short-answer question (a hint for graders).")
class ShortAnswerKey:
    accepted_answers: list[str]


@strawberry.type(description="The texts accepted in one blank.")
class BlankKey:
    accepted: list[str]


@strawberry.type(description="The accepted texts of each blank, in order.")
class FillBlankKey:
    blanks: list[BlankKey]


@strawberry.type(description="The right-hand match of every left-hand item.")
class MatchingKey:
    pairs: list[MatchPair]


AnswerKey = Annotated[
    MultipleChoiceKey | TrueFalseKey | ShortAnswerKey | FillBlankKey | MatchingKey,
    strawberry.union(
        "AnswerKey", description="The correct answer of a question; essays have none (null)."
    ),
]


@strawberry.type(description="The options chosen (multiple choice).")
class ChoiceAnswer:
    choice: list[strawberry.ID]


@strawberry.type(description="True or false.")
class BooleanAnswer:
    boolean: bool


@strawberry.type(description="A written answer (short answer, essay).")
class TextAnswer:
    text: str


@strawberry.type(description="One text per blank, in order (fill in the blank).")
class BlanksAnswer:
    blanks: list[str]


@strawberry.type(description="Pairs of a left-hand and a right-hand item (matching).")
class PairsAnswer:
    pairs: list[MatchPair]


QuizAnswerValue = Annotated[
    ChoiceAnswer | BooleanAnswer | TextAnswer | BlanksAnswer | PairsAnswer,
    strawberry.union("QuizAnswerValue", description="A student's answer, by question type."),
]


def _options(values: Sequence[shapes.Option]) -> list[QuizOption]:
    return [QuizOption(id=strawberry.ID(o.id), text=o.text) for o in values]


def _pairs(values: Sequence[shapes.Pair]) -> list[MatchPair]:
    return [MatchPair(left=strawberry.ID(p.left), right=strawberry.ID(p.right)) for p in values]


def options_of(
    config: shapes.QuestionConfig, order: Sequence[str] | None = None
) -> ChoiceOptions | MatchingOptions | BlankOptions | None:
    """The options of a question, in `order` (an attempt's shuffle) when given."""
    if isinstance(config, shapes.MultipleChoice):
        return ChoiceOptions(options=_options(_ordered(config.options, order)))
    if isinstance(config, shapes.Matching):
        return MatchingOptions(
            left=_options(config.left), right=_options(_ordered(config.right, order))
        )
    if isinstance(config, shapes.FillBlank):
        return BlankOptions(blank_count=len(config.blanks))
    return None


def _ordered(values: Sequence[shapes.Option], order: Sequence[str] | None) -> list[shapes.Option]:
    if not order:
        return list(values)
    by_id = {o.id: o for o in values}
    return [by_id[i] for i in order if i in by_id]


def key_of(
    config: shapes.QuestionConfig,
) -> MultipleChoiceKey | TrueFalseKey | ShortAnswerKey | FillBlankKey | MatchingKey | None:
    if isinstance(config, shapes.MultipleChoice):
        return MultipleChoiceKey(correct=[strawberry.ID(i) for i in config.correct])
    if isinstance(config, shapes.TrueFalse):
        return TrueFalseKey(correct=config.correct)
    if isinstance(config, shapes.ShortAnswer):
        return ShortAnswerKey(accepted_answers=list(config.accepted_answers))
    if isinstance(config, shapes.FillBlank):
        return FillBlankKey(blanks=[BlankKey(accepted=list(b.accepted)) for b in config.blanks])
    if isinstance(config, shapes.Matching):
        return MatchingKey(pairs=_pairs(config.pairs))
    return None


def answer_value(
    answer: shapes.Answer,
) -> ChoiceAnswer | BooleanAnswer | TextAnswer | BlanksAnswer | PairsAnswer:
    if isinstance(answer, shapes.ChoiceAnswer):
        return ChoiceAnswer(choice=[strawberry.ID(i) for i in answer.choice])
    if isinstance(answer, shapes.BooleanAnswer):
        return BooleanAnswer(boolean=answer.boolean)
    if isinstance(answer, shapes.BlanksAnswer):
        return BlanksAnswer(blanks=list(answer.blanks))
    if isinstance(answer, shapes.PairsAnswer):
        return PairsAnswer(pairs=_pairs(answer.pairs))
    return TextAnswer(text=answer.text)


# --- input ---------------------------------------------------------------------------------------


@strawberry.input(description="An option of a question, or an item of a matching question.")
class QuizOptionInput(Input):
    id: strawberry.ID = strawberry.field(
        description="Your key for it (1-64 characters), unique per question (per side)."
    )
    text: str

    into = shapes.Option


@strawberry.input(description="A left-hand item and the right-hand item it goes with.")
class MatchPairInput(Input):
    left: strawberry.ID
    right: strawberry.ID

    into = shapes.Pair


@strawberry.input(description="2 to 10 options and the ids of the correct ones (one or more).")
class MultipleChoiceInput(Input):
    options: list[QuizOptionInput]
    correct: list[strawberry.ID]

    into = shapes.MultipleChoice


@strawberry.input(description="The correct value of a true/false question.")
class TrueFalseInput(Input):
    correct: bool

    into = shapes.TrueFalse


@strawberry.input(description="Accepted answers (up to 50, may be none): a hint for graders.")
class ShortAnswerInput(Input):
    accepted_answers: list[str] = strawberry.field(default_factory=list)

    into = shapes.ShortAnswer


@strawberry.input(description="The texts accepted in one blank (compared ignoring case).")
class BlankInput(Input):
    accepted: list[str]

    into = shapes.Blank


@strawberry.input(description="The accepted texts of each blank (1 to 20 blanks), in order.")
class FillBlankInput(Input):
    blanks: list[BlankInput]

    into = shapes.FillBlank


@strawberry.input(
    description="Left and right items (2 to 10 each) and the right match of every left item."
)
class MatchingInput(Input):
    left: list[QuizOptionInput]
    right: list[QuizOptionInput]
    pairs: list[MatchPairInput]

    into = shapes.Matching


@strawberry.input(
    one_of=True,
    description="A question's type and its configuration with the answer key: exactly one.",
)
class QuestionConfigInput(Input):
    multiple_choice: MultipleChoiceInput | None = strawberry.UNSET
    true_false: TrueFalseInput | None = strawberry.UNSET
    short_answer: ShortAnswerInput | None = strawberry.UNSET
    essay: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="`true`: an essay, graded by a teacher (it has no answer key).",
    )
    fill_blank: FillBlankInput | None = strawberry.UNSET
    matching: MatchingInput | None = strawberry.UNSET

    def to_argument(self, path: str) -> shapes.QuestionConfig:
        ((name, value),) = self.arguments(f"{path}.").items()
        if name == QuestionType.ESSAY.value:
            if value is not True:
                raise Invalid(f"{path}.{name}", "Give true for an essay", Common.INVALID)
            return shapes.Essay()
        config: shapes.QuestionConfig = value
        return config


@strawberry.input(one_of=True, description="A student's answer: the one that fits the question.")
class QuizAnswerInput(Input):
    choice: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Multiple choice: the ids of the chosen options."
    )
    boolean: bool | None = strawberry.field(default=strawberry.UNSET, description="True/false.")
    text: str | None = strawberry.field(
        default=strawberry.UNSET, description="Short answer or essay."
    )
    blanks: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Fill in the blank: one text per blank, in order."
    )
    pairs: list[MatchPairInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Matching: pairs of a left and a right item id."
    )

    def to_argument(self, path: str) -> shapes.Answer:
        ((name, value),) = self.arguments(f"{path}.").items()
        if name == "choice":
            return shapes.ChoiceAnswer([str(v) for v in value])
        if name == "boolean":
            return shapes.BooleanAnswer(bool(value))
        if name == "text":
            return shapes.TextAnswer(str(value))
        if name == "blanks":
            return shapes.BlanksAnswer(list(value))
        return shapes.PairsAnswer(list(value))
