"""The exported SDL (`schema.graphql` at the repo root is this, checked in; CI diffs it)."""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def export_sdl() -> str:
    from schema.root import schema

    return print_schema(schema).rstrip() + "\n"


def write_schema_file(path: Path = SCHEMA_FILE) -> bool:
    """Write the SDL to `path`; True when the file changed."""
    sdl = export_sdl()
    if path.exists() and path.read_text() == sdl:
        return False
    path.write_text(sdl)
    return True


if __name__ == "__main__":
    print("schema.graphql", "updated" if write_schema_file() else "unchanged")
