"""`make run` installs the locked dependencies without the dev group: everything the server and
the worker import must come from that set (httpx, needed by the webhook worker, was once only a
dev dependency, and the worker of `make run` could not start)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("app", "workers", "schema", "resolvers", "loaders")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_distributions() -> set[str]:
    """The distributions `uv sync --no-dev` installs (from uv.lock, transitive ones included)."""
    exported = subprocess.run(  # noqa: S603 - the project's own uv
        [
            str(Path(sys.executable).with_name("uv")),
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = set()
    for line in exported.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==", line)
        if match:
            names.add(_normalise(match.group(1)))
    return names


def _imported_modules() -> dict[str, str]:
    """Top-level modules imported anywhere in the runtime packages -> one file importing it."""
    found: dict[str, str] = {}
    for package in RUNTIME_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_everything_the_server_and_worker_import_is_a_runtime_dependency() -> None:
    runtime = _runtime_distributions()
    owners = packages_distributions()
    missing = {}
    for module, where in _imported_modules().items():
        if module in sys.stdlib_module_names or module in RUNTIME_PACKAGES:
            continue
        distributions = {_normalise(d) for d in owners.get(module, [])}
        assert distributions, f"{module} (imported by {where}) is installed by no distribution"
        if not distributions & runtime:
            missing[module] = where
    assert missing == {}, f"imported at runtime but only a dev dependency: {missing}"


def test_the_check_sees_a_dev_only_import() -> None:
    """The check itself: pytest is installed (dev group) but not a runtime dependency."""
    owners = packages_distributions()
    assert {_normalise(d) for d in owners["pytest"]}.isdisjoint(_runtime_distributions())
