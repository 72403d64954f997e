"""Bearer JWT for the operators' routes: admin or operator (401 without, 403 otherwise)."""

from __future__ import annotations

from typing import Annotated, Any

import jwt
from fastapi import Depends, Header

from service_kit.problems import Forbidden, Unauthorized
from service_kit.tokens import bearer_credential, decode_token
from webhook_receiver.deps import RuntimeDep

STAFF_ROLES = ("admin", "operator")


async def require_staff(
    runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any]:
    """The verified claims of an admin or operator."""
    token = bearer_credential(authorization)
    if token is None:
        raise Unauthorized("Send `Authorization: Bearer <token>`.")
    settings = runtime.settings
    try:
        claims = decode_token(token, settings)
    except jwt.PyJWTError as exc:
        raise Unauthorized("The bearer token is missing, invalid or expired.") from exc
    if claims.get("role") not in STAFF_ROLES:
        raise Forbidden(f"This needs one of the roles: {', '.join(STAFF_ROLES)}.")
    return claims


StaffCaller = Annotated[dict[str, Any], Depends(require_staff)]
