"""The documentation a new developer or operator relies on stays true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def env_names() -> list[str]:
    return [(field.alias or name).upper() for name, field in Settings.model_fields.items()]


@pytest.mark.parametrize("variable", env_names())
def test_every_setting_is_documented_in_the_configuration_reference(variable: str) -> None:
    reference = (ROOT / "docs" / "configuration.md").read_text()
    assert f"| `{variable}` |" in reference, f"{variable} is missing from docs/configuration.md"


def test_the_readme_opens_with_the_two_commands_a_fresh_machine_needs() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make run", "make test"]
    assert readme.index("make run") < readme.index("##")


def test_the_readme_lists_the_seeded_demo_accounts_with_their_passwords() -> None:
    from app.seed import DEMO_USERS

    readme = (ROOT / "README.md").read_text()
    for user in DEMO_USERS:
        assert f"| `{user.email}`" in readme
        assert f"`{user.password}`" in readme
