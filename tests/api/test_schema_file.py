"""schema.graphql at the repository root is exactly what the code exports."""

from __future__ import annotations

from schema.export import SCHEMA_FILE, export_sdl


def test_schema_file_matches_the_exported_sdl() -> None:
    assert SCHEMA_FILE.exists(), "schema.graphql is missing: run `make schema`"
    assert SCHEMA_FILE.read_text() == export_sdl(), (
        "schema.graphql is out of date with the code: run `make schema`"
    )
