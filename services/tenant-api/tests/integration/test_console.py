"""The operator console's shell and assets: public, static, locked down by their own CSP."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tenant_api.console import routes as console
from tenant_api.security import API_CSP, CONSOLE_CSP

from ..gateway import assert_problem, bearer  # type: ignore[import-not-found]

ASSETS = sorted(p for p in console.ASSETS_DIR.rglob("*") if p.is_file())
IMPORT = re.compile(r"""(?:from|import)\s*["'](\.{1,2}/[^"']+)["']""")


async def test_the_shell_is_html_under_the_console_policy(client: httpx.AsyncClient) -> None:
    page = await client.get("/console")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == CONSOLE_CSP
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-cache"
    html = page.text
    assert '<script type="module" src="/console/assets/app.js"></script>' in html
    # The policy allows no inline code, so the shell must not need any.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert " style=" not in html
    assert "aria-live" in html


async def test_the_console_policy_is_strict(client: httpx.AsyncClient) -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONSOLE_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONSOLE_CSP


@pytest.mark.parametrize(
    "asset", [p.relative_to(console.ASSETS_DIR).as_posix() for p in ASSETS], ids=str
)
async def test_every_asset_is_served_with_its_content_type(
    client: httpx.AsyncClient, asset: str
) -> None:
    response = await client.get(f"/console/assets/{asset}")
    assert response.status_code == 200
    suffix = Path(asset).suffix
    assert response.headers["content-type"] == console.MEDIA_TYPES[suffix]
    assert response.headers["content-security-policy"] == CONSOLE_CSP
    assert response.content == (console.ASSETS_DIR / asset).read_bytes()
    etag = response.headers["etag"]
    again = await client.get(f"/console/assets/{asset}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


async def test_every_module_import_resolves_to_a_served_asset(client: httpx.AsyncClient) -> None:
    """A typo in an import path would leave the console blank; find it here instead."""
    imports = 0
    for script in (p for p in ASSETS if p.suffix == ".js"):
        for target in IMPORT.findall(script.read_text()):
            resolved = (script.parent / target).resolve().relative_to(console.ASSETS_DIR)
            response = await client.get(f"/console/assets/{resolved.as_posix()}")
            assert response.status_code == 200, f"{script.name} imports {target}"
            imports += 1
    assert imports > 10


@pytest.mark.parametrize(
    "path",
    [
        "/console/assets/nope.js",
        "/console/assets/app.js.map",
        "/console/assets/",
        "/console/assets/pages",
        "/console/assets/%2e%2e/index.html",
        "/console/assets/..%2F..%2Fapi%2Fconsole.py",
        "/console/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/console/assets//etc/passwd",
    ],
)
async def test_unknown_assets_and_traversal_are_a_404_problem(
    client: httpx.AsyncClient, path: str
) -> None:
    assert_problem(await client.get(path), 404)


async def test_a_served_type_outside_the_assets_folder_is_refused(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "inside.js").write_text("export {};")
    (tmp_path / "outside.js").write_text("export const secret = 1;")
    (tmp_path / "assets" / "link.js").symlink_to(tmp_path / "outside.js")
    monkeypatch.setattr(console, "ASSETS_DIR", tmp_path / "assets")
    assert (await client.get("/console/assets/inside.js")).status_code == 200
    assert_problem(await client.get("/console/assets/%2e%2e%2foutside.js"), 404)
    assert_problem(await client.get("/console/assets/link.js"), 404)


async def test_the_json_api_keeps_its_deny_all_policy(
    client: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    answers = [
        await client.get("/healthz"),
        await client.get("/tenants", headers=bearer(token("operator"))),
        await client.get("/consoles"),
        await client.get("/docs/console"),
    ]
    for answer in answers:
        assert answer.headers["content-security-policy"] == API_CSP


async def test_the_console_is_not_part_of_the_api_contract(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert not [p for p in paths if p.startswith("/console")]
