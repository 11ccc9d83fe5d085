"""The demo instructors' profiles and the demo courses' images of `make run`: written through
the services and the real upload flow (images rendered by the bundled ffmpeg); seeding twice
creates them once."""

from __future__ import annotations

from app.db import Database
from app.seed import seed
from tests.support.graphql import GraphQLClient

PAGE = """query { courses(first: 10) { edges { node { title imageUrl
  instructor { slug headline bio expertise avatarUrl socialLinks { kind } } } } } }"""


async def test_seeding_twice_writes_profiles_and_course_images_once(database: Database) -> None:
    first, second = await seed(database), await seed(database)

    assert first["instructors"] == 2 + 3  # two profiles, three course images
    assert second["instructors"] == 0


async def test_demo_course_cards_show_an_image_and_an_instructor_with_a_page(
    client: GraphQLClient,
) -> None:
    await seed(client.database)

    outcome = await client.execute(PAGE)

    assert not outcome.errors, outcome.errors
    assert outcome.data is not None
    for edge in outcome.data["courses"]["edges"]:
        node = edge["node"]
        assert node["imageUrl"] is not None
        assert node["instructor"]["slug"] is not None
        assert node["instructor"]["avatarUrl"] is not None
        assert node["instructor"]["expertise"]
        assert node["instructor"]["bio"].startswith("<p>")
