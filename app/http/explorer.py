"""The API explorer: our GraphiQL page and the files it loads, all served by the app (no CDN).

GRAPHIQL (app/settings.py) is `on`, `admins` or `off`. Unless `off`, a browser opening /graphql
(GET, `Accept: text/html`, no query) gets the page (schema/core/endpoint.py renders it with
`Explorer.page`) and GET /graphiql/static/<file> serves the files of app/http/static/graphiql:
the vendored bundles (vendor/<package>-<version>/, pinned by scripts/vendor_graphiql.py, sums in
manifest.json) with their LICENSE files, and the page's own script, styles and sign-in operations
(URLs carry `?v=<sha256 prefix>`). Only the files listed at start-up are served, each with
`Cache-Control: public, max-age=31536000, immutable` (gzip-compressed, once per process, for
clients that accept it); any other path is 404. With `off` neither the page nor the files exist.

`admins` is enforced by the server where it matters: every operation sent from the page runs with
the caller's own access token, and in production introspection and field suggestions are for
administrators only (schema/core/extensions.py, errors.py), so the page is of no use to anybody
else; the page itself (explorer.js) shows GraphiQL only after an administrator signed in.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gzip
import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from app.http.middleware import explorer_csp
from app.settings import GraphiqlMode, Settings

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
TEMPLATE = Path(__file__).parent / "explorer.html"
ASSET_PREFIX = "/graphiql/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".graphql": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE
}
OWN_FILES = ("explorer.js", "explorer.css", "explorer.graphql")
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


@dataclass(frozen=True)
class Asset:
    path: Path
    content_type: str
    sri: str  # the Subresource Integrity value the page puts on its <script>/<link>


def _asset(path: Path) -> Asset:
    suffix = "" if path.name == "LICENSE" else path.suffix
    digest = hashlib.sha256(path.read_bytes()).digest()
    return Asset(path, CONTENT_TYPES[suffix], "sha256-" + base64.b64encode(digest).decode())


@functools.cache
def _packages(static_dir: Path) -> list[dict[str, Any]]:
    """The vendored packages of manifest.json (written by scripts/vendor_graphiql.py)."""
    return list(json.loads((static_dir / "manifest.json").read_text())["packages"])


@functools.cache
def _served(static_dir: Path) -> dict[str, Asset]:
    """Every servable file by its path under the prefix: the manifest's files and our own."""
    names = [f"{p['directory']}/{name}" for p in _packages(static_dir) for name in p["files"]]
    return {name: _asset(static_dir / name) for name in [*names, *OWN_FILES]}


def _vendored(package: str, file: str) -> str:
    (entry,) = [p for p in _packages(STATIC_DIR) if p["name"] == package]
    return f"{entry['directory']}/{file}"


class Explorer:
    def __init__(self, mode: GraphiqlMode, *, csrf_cookie: str, endpoint: str = "/graphql") -> None:
        self.mode = mode
        self.assets = _served(STATIC_DIR)
        files = {
            "react_js": _vendored("react", "react.production.min.js"),
            "react_dom_js": _vendored("react-dom", "react-dom.production.min.js"),
            "graphiql_js": _vendored("graphiql", "graphiql.min.js"),
            "graphiql_css": _vendored("graphiql", "graphiql.min.css"),
            "explorer_js": "explorer.js",
            "explorer_css": "explorer.css",
        }
        values = {key: self.url(name) for key, name in files.items()}
        values |= {f"{key}_sri": self.assets[name].sri for key, name in files.items()}
        values |= {
            "endpoint": endpoint,
            "mode": mode,
            "csrf_cookie": csrf_cookie,
            "operations": self.url("explorer.graphql"),
        }
        escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
        self.html = Template(TEMPLATE.read_text()).substitute(escaped)

    def url(self, name: str) -> str:
        """The URL of a served file; our own files carry their content's hash."""
        if name in OWN_FILES:
            version = self.assets[name].sri.removeprefix("sha256-")
            digest = base64.b64decode(version).hex()[:16]
            return f"{ASSET_PREFIX}{name}?v={digest}"
        return f"{ASSET_PREFIX}{name}"

    def page(self, request: Request) -> Response:
        response = HTMLResponse(self.html)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = explorer_csp(websocket_origin(request))
        return response

    async def asset(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params["name"])
        if asset is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            body = await _gzipped(asset.path)
            headers["Content-Encoding"] = "gzip"
            return Response(body, media_type=asset.content_type, headers=headers)
        return FileResponse(asset.path, media_type=asset.content_type, headers=headers)

    def routes(self) -> list[BaseRoute]:
        return [Route(ASSET_PREFIX + "{name:path}", self.asset, methods=["GET", "HEAD"])]


_GZIPPED: dict[Path, bytes] = {}


async def _gzipped(path: Path) -> bytes:
    """The file gzip-compressed (GraphiQL's bundle: 3.5 MB → about 0.7 MB), made once."""
    if path not in _GZIPPED:
        _GZIPPED[path] = await asyncio.to_thread(_compress, path)
    return _GZIPPED[path]


def _compress(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), 6, mtime=0)


def websocket_origin(request: Request) -> str | None:
    """ws(s)://<host> of the page's own origin, for connect-src (not every browser lets 'self'
    cover WebSocket URLs); None when the Host header is not a plain host[:port]."""
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        return None
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return f"{scheme}://{host}"


def make_explorer(settings: Settings) -> Explorer | None:
    mode = settings.graphiql_mode
    if mode == "off":
        return None
    return Explorer(mode, csrf_cookie=settings.csrf_cookie_name)
