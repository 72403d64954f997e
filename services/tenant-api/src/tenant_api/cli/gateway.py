"""tenantctl's HTTP side: the gateway URL, a token, and problems turned into CLI errors."""

from __future__ import annotations

import os
from typing import Any, BinaryIO

import httpx

from tenant_api.cli.config import CliError as CliError
from tenant_api.cli.config import settings as settings
from tenant_api.cli.signed_in import bearer_token

GATEWAY_URL = "http://127.0.0.1:8000"


def call(
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    body: Any = None,
    *,
    timeout: float = 10,
    headers: dict[str, str] | None = None,
) -> Any:
    base, auth = _gateway()
    try:
        response = httpx.request(
            method,
            base + path,
            params=_given(params),
            json=body,
            headers={**(headers or {}), **auth},
            timeout=timeout,
        )
    except httpx.TransportError as exc:
        raise _unreachable(base, exc) from exc
    if response.status_code >= 400:
        raise CliError(f"{response.status_code}: {problem_text(response)}")
    return response.json() if response.content else None


def download(path: str, params: dict[str, Any], out: BinaryIO, *, timeout: float = 60) -> None:
    """Copy an answer the gateway streams (an export) to `out` as it arrives."""
    base, auth = _gateway()
    try:
        with httpx.stream(
            "GET", base + path, params=_given(params), headers=auth, timeout=timeout
        ) as response:
            if response.status_code >= 400:
                response.read()
                raise CliError(f"{response.status_code}: {problem_text(response)}")
            for chunk in response.iter_bytes():
                out.write(chunk)
    except httpx.TransportError as exc:
        raise _unreachable(base, exc) from exc


def _gateway() -> tuple[str, dict[str, str]]:
    """The gateway's base URL and the Authorization header to call it with."""
    base = os.environ.get("GATEWAY_URL", GATEWAY_URL)
    return base, {"Authorization": f"Bearer {bearer_token()}"}


def _given(params: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (params or {}).items() if v is not None}


def _unreachable(base: str, exc: httpx.TransportError) -> CliError:
    return CliError(f"cannot reach the gateway at {base} ({exc}); is `make run` up?")


def problem_text(response: httpx.Response) -> str:
    """A problem's field errors (`reason: String should have ...`), else its detail."""
    try:
        problem = response.json()
    except ValueError:
        return response.text[:200]
    if not isinstance(problem, dict):
        return response.text[:200]
    fields = [
        f"{'.'.join(str(p) for p in e.get('loc', [])[1:]) or 'request'}: {e.get('msg', '')}"
        for e in problem.get("errors") or []
        if isinstance(e, dict)
    ]
    return "; ".join(fields) or str(problem.get("detail") or problem.get("title") or "")
