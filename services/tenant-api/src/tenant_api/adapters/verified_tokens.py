"""Tokens verified recently, so a client's next requests skip the signature check.

A client sends the same bearer token on every request; checking its signature and claims each
time is the costliest part of authenticating it. An entry lives at most `max_age` seconds and
never past the token's own `exp` (plus the configured leeway). With RS256 the verifier also
checks on every hit that the token's key is still among the provider's, so a withdrawn key
refuses its tokens at once. Only successes are kept: a refused token is checked every time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any


class VerifiedTokens:
    def __init__(self, *, max_age: float = 60.0, max_tokens: int = 10_000) -> None:
        self._max_age = max_age
        self._max = max_tokens
        self._tokens: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    def get(self, token: str) -> dict[str, Any] | None:
        found = self._tokens.get(token)
        if found is None:
            return None
        if found[0] <= time.time():
            del self._tokens[token]
            return None
        self._tokens.move_to_end(token)
        return found[1]

    def put(self, token: str, claims: dict[str, Any], *, leeway: float) -> None:
        until = min(time.time() + self._max_age, float(claims["exp"]) + leeway)
        self._tokens[token] = (until, claims)
        self._tokens.move_to_end(token)
        while len(self._tokens) > self._max:
            self._tokens.popitem(last=False)
