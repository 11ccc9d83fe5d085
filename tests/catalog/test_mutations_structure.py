"""Module, lesson and category mutations over GraphQL; bad input is a typed error that changes
nothing (foreign or repeated ids in a reorder, a video lesson without a video)."""

from __future__ import annotations

import uuid

from app.accounts.models import UserRole
from app.catalog.models import Category, Lesson
from tests.support import accounts as accounts
from tests.support.authoring import rows, snapshot, video
from tests.support.catalog_mutations import (
    add_module,
    add_text_lesson,
    attempt,
    create_course,
    gid,
    mutate,
    raw_id,
    signed_in,
)

MODULE = "module { id title description orderNumber prerequisite { id } }"
LESSON = "lesson { id type title isPreview durationMinutes orderNumber content { text } }"
CATEGORY = "category { id name slug sortOrder isActive color parent { id } }"


async def _course_with_modules(client, owner, count: int = 3) -> tuple[str, list[str]]:
    course = await create_course(client, owner)
    modules = [await add_module(client, owner, course["id"], f"M{n}") for n in range(count)]
    return str(course["id"]), [str(m["id"]) for m in modules]


# --- modules -------------------------------------------------------------------------------------


async def test_add_module_appends_with_the_next_order_number(client) -> None:
    owner = await signed_in(client)
    course_id, (first, *_) = await _course_with_modules(client, owner, 2)
    payload = await mutate(
        client,
        owner,
        "addModule",
        {"courseId": course_id, "title": "Third", "prerequisiteModuleId": first},
        MODULE,
    )
    assert payload["errors"] == []
    assert payload["module"]["orderNumber"] == 3
    assert payload["module"]["prerequisite"] == {"id": first}


async def test_update_module_changes_given_fields_and_null_clears(client) -> None:
    owner = await signed_in(client)
    _, (first, second, _) = await _course_with_modules(client, owner)
    await mutate(
        client, owner, "updateModule", {"moduleId": second, "prerequisiteModuleId": first}, ""
    )
    payload = await mutate(
        client,
        owner,
        "updateModule",
        {"moduleId": second, "description": "Loops", "prerequisiteModuleId": None},
        MODULE,
    )
    assert payload["errors"] == []
    assert payload["module"] == {
        "id": second,
        "title": "M1",
        "description": "Loops",
        "orderNumber": 2,
        "prerequisite": None,
    }


async def test_a_prerequisite_cycle_is_rejected(client) -> None:
    owner = await signed_in(client)
    _, (first, second, _) = await _course_with_modules(client, owner)
    await mutate(
        client, owner, "updateModule", {"moduleId": second, "prerequisiteModuleId": first}, ""
    )
    payload = await mutate(
        client, owner, "updateModule", {"moduleId": first, "prerequisiteModuleId": second}, MODULE
    )
    assert [e["code"] for e in payload["errors"]] == ["PREREQUISITE_CYCLE"]


async def test_delete_module_renumbers_the_rest(client) -> None:
    owner = await signed_in(client)
    course_id, (first, second, third) = await _course_with_modules(client, owner)
    payload = await mutate(client, owner, "deleteModule", {"moduleId": first}, "deletedModuleId")
    assert payload == {"deletedModuleId": first, "errors": []}
    remaining = await client.execute(
        "query($id: ID!) { course(id: $id) { modules { id orderNumber } } }",
        {"id": course_id},
        token=owner.token,
    )
    assert remaining.payload("course")["modules"] == [
        {"id": second, "orderNumber": 1},
        {"id": third, "orderNumber": 2},
    ]


async def test_reorder_modules_returns_them_in_the_new_order(client) -> None:
    owner = await signed_in(client)
    course_id, (a, b, c) = await _course_with_modules(client, owner)
    payload = await mutate(
        client,
        owner,
        "reorderModules",
        {"courseId": course_id, "moduleIds": [c, a, b]},
        "modules { id orderNumber }",
    )
    assert payload["errors"] == []
    assert payload["modules"] == [
        {"id": c, "orderNumber": 1},
        {"id": a, "orderNumber": 2},
        {"id": b, "orderNumber": 3},
    ]


async def test_reordering_with_foreign_ids_is_an_error_and_changes_nothing(client) -> None:
    owner = await signed_in(client)
    course_id, (a, b, _) = await _course_with_modules(client, owner)
    _, (foreign, *_) = await _course_with_modules(client, owner, 1)
    before = await snapshot(client.database, raw_id(course_id))
    payload = await mutate(
        client,
        owner,
        "reorderModules",
        {"courseId": course_id, "moduleIds": [b, a, foreign]},
        "modules { id }",
    )
    assert payload["modules"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("moduleIds", "FOREIGN_ID"),
        ("moduleIds", "MISSING_ID"),
    }
    assert await snapshot(client.database, raw_id(course_id)) == before


async def test_reordering_with_a_repeated_position_is_an_error_and_changes_nothing(
    client,
) -> None:
    owner = await signed_in(client)
    course_id, (a, b, c) = await _course_with_modules(client, owner)
    before = await snapshot(client.database, raw_id(course_id))
    payload = await mutate(
        client,
        owner,
        "reorderModules",
        {"courseId": course_id, "moduleIds": [a, a, b, c]},
        "modules { id }",
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("moduleIds", "DUPLICATE_ID")]
    assert await snapshot(client.database, raw_id(course_id)) == before


async def test_reordering_with_ids_of_another_type_is_a_foreign_id_error(client) -> None:
    owner = await signed_in(client)
    course_id, (a, b, _) = await _course_with_modules(client, owner)
    lesson = await add_text_lesson(client, owner, a)
    payload = await mutate(
        client,
        owner,
        "reorderModules",
        {"courseId": course_id, "moduleIds": [a, b, lesson["id"]]},
        "modules { id }",
    )
    assert ("moduleIds", "FOREIGN_ID") in {(e["field"], e["code"]) for e in payload["errors"]}


# --- lessons -------------------------------------------------------------------------------------


async def test_add_lesson_of_each_kind(client) -> None:
    owner = await signed_in(client)
    _, (module, *_) = await _course_with_modules(client, owner, 1)
    clip = gid("VideoAsset", await video(client.database))
    inputs = [
        {"type": "TEXT", "title": "Read", "contentText": "Words.", "isPreview": True},
        {"type": "VIDEO", "title": "Watch", "videoAssetId": clip, "durationMinutes": 7},
        {"type": "QUIZ", "title": "Check"},
        {"type": "ASSIGNMENT", "title": "Build", "description": "Hand in a script."},
    ]
    for number, input_ in enumerate(inputs, start=1):
        payload = await mutate(client, owner, "addLesson", {"moduleId": module, **input_}, LESSON)
        assert payload["errors"] == []
        assert payload["lesson"]["orderNumber"] == number
        assert payload["lesson"]["type"] == input_["type"]
    assert await rows(client.database, Lesson) == 4


async def test_a_video_lesson_without_a_video_is_an_error_and_changes_nothing(client) -> None:
    owner = await signed_in(client)
    course_id, (module, *_) = await _course_with_modules(client, owner, 1)
    before = await snapshot(client.database, raw_id(course_id))
    for extra in (
        {},
        {"videoAssetId": "garbage"},
        {"videoAssetId": gid("VideoAsset", uuid.uuid4())},
    ):
        payload = await mutate(
            client,
            owner,
            "addLesson",
            {"moduleId": module, "type": "VIDEO", "title": "Watch", **extra},
            LESSON,
        )
        assert payload["lesson"] is None
        assert [e["field"] for e in payload["errors"]] == ["videoAssetId"]
        assert payload["errors"][0]["code"] in {"VIDEO_REQUIRED", "VIDEO_NOT_FOUND"}
    assert await snapshot(client.database, raw_id(course_id)) == before


async def test_update_lesson_keeps_omitted_fields(client) -> None:
    owner = await signed_in(client)
    _, (module, *_) = await _course_with_modules(client, owner, 1)
    lesson = await add_text_lesson(client, owner, module, "Intro")
    payload = await mutate(
        client,
        owner,
        "updateLesson",
        {"lessonId": lesson["id"], "isPreview": True, "durationMinutes": 12},
        LESSON,
    )
    assert payload["errors"] == []
    assert payload["lesson"] | {"id": None} == {
        "id": None,
        "type": "TEXT",
        "title": "Intro",
        "isPreview": True,
        "durationMinutes": 12,
        "orderNumber": 1,
        "content": {"text": "Words."},
    }


async def test_changing_a_lesson_to_video_without_a_video_is_rejected(client) -> None:
    owner = await signed_in(client)
    _, (module, *_) = await _course_with_modules(client, owner, 1)
    lesson = await add_text_lesson(client, owner, module)
    payload = await mutate(
        client, owner, "updateLesson", {"lessonId": lesson["id"], "type": "VIDEO"}, LESSON
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("videoAssetId", "VIDEO_REQUIRED")
    ]


async def test_delete_lesson_renumbers_the_module(client) -> None:
    owner = await signed_in(client)
    _, (module, *_) = await _course_with_modules(client, owner, 1)
    first, second = [await add_text_lesson(client, owner, module, t) for t in ("A", "B")]
    payload = await mutate(
        client, owner, "deleteLesson", {"lessonId": first["id"]}, "deletedLessonId"
    )
    assert payload == {"deletedLessonId": first["id"], "errors": []}
    async with client.database.session() as session:
        remaining = await session.get(Lesson, raw_id(second["id"]))
    assert remaining is not None
    assert remaining.order_number == 1
    assert await rows(client.database, Lesson) == 1


async def test_reorder_lessons_returns_them_in_the_new_order(client) -> None:
    owner = await signed_in(client)
    _, (module, *_) = await _course_with_modules(client, owner, 1)
    a, b = [(await add_text_lesson(client, owner, module, t))["id"] for t in ("A", "B")]
    payload = await mutate(
        client,
        owner,
        "reorderLessons",
        {"moduleId": module, "lessonIds": [b, a]},
        "lessons { id orderNumber }",
    )
    assert payload == {
        "lessons": [{"id": b, "orderNumber": 1}, {"id": a, "orderNumber": 2}],
        "errors": [],
    }


async def test_reordering_lessons_with_foreign_ids_changes_nothing(client) -> None:
    owner = await signed_in(client)
    course_id, (module, other) = await _course_with_modules(client, owner, 2)
    a = (await add_text_lesson(client, owner, module))["id"]
    foreign = (await add_text_lesson(client, owner, other))["id"]
    before = await snapshot(client.database, raw_id(course_id))
    payload = await mutate(
        client, owner, "reorderLessons", {"moduleId": module, "lessonIds": [foreign, a]}, ""
    )
    assert ("lessonIds", "FOREIGN_ID") in {(e["field"], e["code"]) for e in payload["errors"]}
    assert await snapshot(client.database, raw_id(course_id)) == before


# --- categories ----------------------------------------------------------------------------------


async def test_admin_creates_a_category_placed_last(client) -> None:
    admin = await signed_in(client, UserRole.ADMIN)
    first = await mutate(client, admin, "createCategory", {"name": "Programming"}, CATEGORY)
    child = await mutate(
        client,
        admin,
        "createCategory",
        {"name": "Python", "color": "#3776AB", "parentId": first["category"]["id"]},
        CATEGORY,
    )
    assert first["errors"] == child["errors"] == []
    assert first["category"]["slug"] == "programming"
    assert child["category"]["parent"] == {"id": first["category"]["id"]}
    assert child["category"]["sortOrder"] > first["category"]["sortOrder"]


async def test_duplicate_category_name_is_an_error(client) -> None:
    admin = await signed_in(client, UserRole.ADMIN)
    await mutate(client, admin, "createCategory", {"name": "Design"}, CATEGORY)
    payload = await mutate(client, admin, "createCategory", {"name": "Design"}, CATEGORY)
    assert {e["code"] for e in payload["errors"]} == {"DUPLICATE_NAME", "DUPLICATE_SLUG"}
    assert await rows(client.database, Category) == 1


async def test_admin_updates_a_category(client) -> None:
    admin = await signed_in(client, UserRole.ADMIN)
    created = await mutate(client, admin, "createCategory", {"name": "Data"}, CATEGORY)
    payload = await mutate(
        client,
        admin,
        "updateCategory",
        {"categoryId": created["category"]["id"], "isActive": False, "sortOrder": 9},
        CATEGORY,
    )
    assert payload["errors"] == []
    assert payload["category"] | {"id": None} == {
        "id": None,
        "name": "Data",
        "slug": "data",
        "sortOrder": 9,
        "isActive": False,
        "color": None,
        "parent": None,
    }


async def test_an_instructor_cannot_create_categories(client) -> None:
    instructor = await signed_in(client)
    outcome = await attempt(client, instructor, "createCategory", {"name": "Mine"}, CATEGORY)
    assert outcome.codes == ["FORBIDDEN"]
    assert await rows(client.database, Category) == 0
