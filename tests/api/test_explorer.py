"""The API explorer (GRAPHIQL): a GraphiQL page that loads only files the app serves itself (no CDN:
it works with no internet), a CSP without outside origins, the vendored bundles pinned with their
licences and sums, no path outside the listed files, `off` serving nothing, and the sign-in the
page's script performs (the operations of explorer.graphql) working over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.accounts.models import UserRole
from app.http.explorer import IMMUTABLE, STATIC_DIR
from app.settings import Settings
from tests.support.accounts import PASSWORD, make_user
from tests.support.api import AppClient

HTML = {"Accept": "text/html"}
MANIFEST = json.loads((STATIC_DIR / "manifest.json").read_text())
OPERATIONS = STATIC_DIR / "explorer.graphql"
TYPES = {".js": "text/javascript", ".css": "text/css", ".graphql": "text/plain"}


async def _page(client: httpx.AsyncClient) -> httpx.Response:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    return response


def _asset_urls(page: str) -> list[str]:
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    return [u for u in urls if u != "data:,"] + re.findall(r'data-operations="([^"]+)"', page)


def _csp_sources(csp: str) -> dict[str, list[str]]:
    directives = (d.strip().split() for d in csp.split(";") if d.strip())
    return {name: sources for name, *sources in directives}


async def test_the_page_loads_nothing_from_another_origin(client: httpx.AsyncClient) -> None:
    response = await _page(client)
    page = response.text
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?:https?:)?//", page), "an absolute URL in the explorer page"
    assert "unpkg" not in page
    assert "<script>" not in page
    urls = _asset_urls(page)
    assert len(urls) == 7
    assert all(u.startswith("/graphiql/static/") for u in urls)
    assert response.headers["cache-control"] == "no-store"


async def test_the_page_csp_allows_this_origin_only(client: httpx.AsyncClient) -> None:
    csp = (await _page(client)).headers["content-security-policy"]
    sources = _csp_sources(csp)
    assert sources["script-src"] == ["'self'"]
    assert sources["connect-src"] == ["'self'", "ws://api"]
    assert sources["default-src"] == ["'none'"]
    allowed = {"'self'", "'none'", "'unsafe-inline'", "data:", "ws://api"}
    assert {s for values in sources.values() for s in values} <= allowed
    assert "unpkg" not in csp
    assert "https:" not in csp


async def test_every_file_of_the_page_is_served_with_its_type_and_for_a_year(
    client: httpx.AsyncClient,
) -> None:
    page = (await _page(client)).text
    sums = {
        f"{p['directory']}/{name}": digest
        for p in MANIFEST["packages"]
        for name, digest in p["files"].items()
    }
    for url in _asset_urls(page):
        response = await client.get(url)
        assert response.status_code == 200, url
        path = url.removeprefix("/graphiql/static/").split("?")[0]
        assert response.headers["content-type"].startswith(TYPES[Path(path).suffix]), url
        assert response.headers["cache-control"] == IMMUTABLE
        digest = hashlib.sha256(response.content).hexdigest()
        if path in sums:  # a vendored bundle: its name carries the version
            assert digest == sums[path]
            assert re.search(r"-\d+\.\d+\.\d+/", path)
        else:  # our own file: the query string carries its hash
            assert url.endswith(f"?v={digest[:16]}")


async def test_files_are_sent_compressed_to_browsers_that_accept_gzip(
    client: httpx.AsyncClient,
) -> None:
    (package,) = [p for p in MANIFEST["packages"] if p["name"] == "graphiql"]
    url = f"/graphiql/static/{package['directory']}/graphiql.min.js"
    response = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(response.content) / 3
    assert hashlib.sha256(response.content).hexdigest() == package["files"]["graphiql.min.js"]
    assert response.headers["cache-control"] == IMMUTABLE


async def test_the_page_checks_what_it_loads_with_subresource_integrity(
    client: httpx.AsyncClient,
) -> None:
    page = (await _page(client)).text
    tags = re.findall(r'(?:src|href)="(/graphiql/static/[^"]+)" integrity="sha256-([^"]+)"', page)
    assert len(tags) == 6
    for url, integrity in tags:
        body = (await client.get(url)).content
        assert hashlib.sha256(body).digest().hex() == _b64_hex(integrity)


def _b64_hex(value: str) -> str:
    return base64.b64decode(value).hex()


def test_the_vendored_bundles_are_pinned_with_their_licences_and_sums() -> None:
    names = {p["name"]: p["version"] for p in MANIFEST["packages"]}
    assert names == {"react": "18.3.1", "react-dom": "18.3.1", "graphiql": "3.8.3"}
    for package in MANIFEST["packages"]:
        directory = STATIC_DIR / package["directory"]
        assert directory.name == f"{package['name']}-{package['version']}"
        assert package["license"] == "MIT"
        assert "MIT License" in (directory / "LICENSE").read_text()
        assert package["npm_integrity"].startswith("sha512-")
        assert sorted(p.name for p in directory.iterdir()) == sorted(package["files"])
        for name, digest in package["files"].items():
            assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/static/../explorer.py",
        "/graphiql/static/%2e%2e/explorer.py",
        "/graphiql/static/..%2fexplorer.html",
        "/graphiql/static/vendor/react-18.3.1/..%2f..%2fmanifest.json",
        "/graphiql/static/%2fetc%2fpasswd",
        "/graphiql/static/manifest.json",
        "/graphiql/static/vendor/graphiql-3.8.3/graphiql.min.js.map",
        "/graphiql/static/vendor/graphiql-3.8.3/graphiql.js",
    ],
)
async def test_nothing_but_the_listed_files_is_served(client: httpx.AsyncClient, path: str) -> None:
    request = client.build_request("GET", "http://api/")
    request.url = request.url.copy_with(raw_path=path.encode())
    response = await client.send(request)
    assert response.status_code == 404
    assert "import" not in response.text
    assert "root:" not in response.text


async def test_off_serves_neither_the_page_nor_its_files(app_client: AppClient) -> None:
    async with app_client(graphiql="off") as client:
        page = await client.get("/graphql", headers=HTML)
        script = await client.get("/graphiql/static/explorer.js")
    assert page.status_code == 404
    assert script.status_code == 404


def test_graphiql_reads_on_admins_off_and_the_old_booleans(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, mode in [("false", "off"), ("true", "on"), ("admins", "admins"), ("OFF", "off")]:
        monkeypatch.setenv("GRAPHIQL", raw)
        assert Settings().graphiql_mode == mode
    monkeypatch.delenv("GRAPHIQL")
    assert Settings(EASYWAYS_ENV="development").graphiql_mode == "on"
    assert Settings(EASYWAYS_ENV="production").graphiql_mode == "admins"
    monkeypatch.setenv("GRAPHIQL", "sometimes")
    with pytest.raises(ValueError, match="graphiql"):
        Settings()


# --- the sign-in of the page -------------------------------------------------------------------


async def _operations(client: httpx.AsyncClient) -> str:
    """explorer.graphql as the page's script fetches it (the URL in data-operations)."""
    page = (await _page(client)).text
    (url,) = re.findall(r'data-operations="([^"]+)"', page)
    return (await client.get(url)).text


async def _send(
    client: httpx.AsyncClient,
    document: str,
    operation: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": document, "operationName": operation, "variables": variables or {}},
        headers=headers or {},
    )


def _cookies(response: httpx.Response) -> dict[str, str]:
    """The cookies a browser keeps from `response` (Secure ones too: it is https there)."""
    jar: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        jar[name] = rest.split(";")[0]
    return jar


def test_the_script_sends_only_operations_of_explorer_graphql() -> None:
    script = (STATIC_DIR / "explorer.js").read_text()
    sent = set(re.findall(r'send\(\s*"(\w+)"', script))
    defined = set(re.findall(r"^mutation (\w+)", OPERATIONS.read_text(), re.MULTILINE))
    assert sent == defined == {"ExplorerLogin", "ExplorerRefresh", "ExplorerLogout"}


async def test_signing_in_from_the_page_gives_a_token_that_works_and_renews(
    client: httpx.AsyncClient, database: Any
) -> None:
    user = await make_user(database, role=UserRole.ADMIN)
    document = await _operations(client)
    signed_in = await _send(
        client, document, "ExplorerLogin", {"email": user.email, "password": PASSWORD}
    )
    login = signed_in.json()["data"]["login"]
    assert login["errors"] == []
    assert login["user"] == {"email": user.email, "role": "ADMIN"}
    assert login["expiresIn"] > 0
    bearer = {"Authorization": f"Bearer {login['accessToken']}"}
    me = await client.post("/graphql", json={"query": "{ me { email } }"}, headers=bearer)
    assert me.json()["data"] == {"me": {"email": user.email}}

    jar = _cookies(signed_in)
    csrf_name, refresh_name = "ews_csrf", "ews_refresh"
    cookie = f"{refresh_name}={jar[refresh_name]}; {csrf_name}={jar[csrf_name]}"
    renewed = await _send(
        client,
        document,
        "ExplorerRefresh",
        headers={"Cookie": cookie, "X-CSRF-Token": jar[csrf_name]},
    )
    refreshed = renewed.json()["data"]["refreshToken"]
    assert refreshed["errors"] == []
    assert refreshed["accessToken"]
    assert refreshed["accessToken"] != login["accessToken"]

    new_jar = _cookies(renewed)
    bearer = {"Authorization": f"Bearer {refreshed['accessToken']}"}
    cookie = f"{refresh_name}={new_jar[refresh_name]}; {csrf_name}={new_jar[csrf_name]}"
    out = await _send(
        client,
        document,
        "ExplorerLogout",
        headers={**bearer, "Cookie": cookie, "X-CSRF-Token": new_jar[csrf_name]},
    )
    assert out.json()["data"]["logout"] == {"ok": True, "errors": []}
    again = await _send(
        client,
        document,
        "ExplorerRefresh",
        headers={"Cookie": cookie, "X-CSRF-Token": new_jar[csrf_name]},
    )
    assert again.json()["data"] is None or again.json()["data"]["refreshToken"]["errors"]


async def test_a_wrong_password_on_the_page_signs_nobody_in(
    client: httpx.AsyncClient, database: Any
) -> None:
    user = await make_user(database, role=UserRole.ADMIN)
    document = await _operations(client)
    response = await _send(
        client, document, "ExplorerLogin", {"email": user.email, "password": "not-it-42"}
    )
    login = response.json()["data"]["login"]
    assert login["accessToken"] is None
    assert [e["code"] for e in login["errors"]] == ["INVALID_CREDENTIALS"]
    assert "set-cookie" not in response.headers
