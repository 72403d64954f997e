"""`/console`: the operator console, a static page that calls this same API with a bearer token.

The shell and its assets carry no data and need no credential; everything the console shows
comes from the JSON API, where the token's role decides. Files are read per request (they are
few and small, and the routes are sync so the reads run in the thread pool) so an edit shows on
reload; each answer carries an ETag and `no-cache`, so a browser revalidates instead of running
a stale script after an upgrade.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import APIRouter, Request, Response

from service_kit.problems import NotFound

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
ASSETS_DIR = CONSOLE_DIR / "assets"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CACHE_CONTROL = "no-cache"

router = APIRouter(tags=["console"], include_in_schema=False)


@router.get("/console")
def console_shell(request: Request) -> Response:
    """The console's HTML shell (public: it holds no data)."""
    return _file(request, CONSOLE_DIR / "index.html", "text/html; charset=utf-8")


@router.get("/console/assets/{asset:path}")
def console_asset(asset: str, request: Request) -> Response:
    """A script, style sheet or icon of the console; anything else is 404."""
    path = (ASSETS_DIR / asset).resolve()
    media_type = MEDIA_TYPES.get(path.suffix)
    # resolve() has followed any `..` and symlink: whatever lands outside assets/ is unknown.
    if media_type is None or not path.is_relative_to(ASSETS_DIR) or not path.is_file():
        raise NotFound("No such console asset.")
    return _file(request, path, media_type)


def _file(request: Request, path: Path, media_type: str) -> Response:
    content = path.read_bytes()
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media_type, headers=headers)
