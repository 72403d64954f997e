"""Short secrets sealed inside events for the services that hold the key. No I/O.

AES-GCM under a named key from a keyring; the key id travels with the sealed value, so a key
can be rotated while events sealed under the old one are still in flight. The associated data
binds a sealed value to the place it was sealed for (e.g. one lead): moved anywhere else, it
does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared_schemas import EventRejected
from shared_schemas.events import Sealed

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringError(ValueError):
    """The key list is malformed (the message never carries key material)."""


class Unsealable(EventRejected):
    """A sealed value that no configured key opens: it never will, so it is dead-lettered."""

    reason = "sealed_value_unreadable"


@dataclass(frozen=True)
class KeyListFormat:
    """How one kind of key list is written (`<id>:<base64 32 bytes>,…`), and what its messages
    call the keys; the vault's master keys are such a list too, with versions for ids."""

    entry: re.Pattern[str]  # group 1: the id as written, group 2: the base64 key
    shape: str = "<key id>:<base64 key>"
    key: str = "key"
    key_id: str = "key id"


KEY_IDS = KeyListFormat(re.compile(r"^([A-Za-z0-9_-]{1,32}):(.+)$"))


def parse_key_list(spec: str, form: KeyListFormat = KEY_IDS) -> list[tuple[str, bytes]]:
    """The (id, key) entries in order; `KeyringError` for an entry that is malformed."""
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(e.strip() for e in spec.split(",") if e.strip()):
        match = form.entry.match(entry)
        if match is None:
            raise KeyringError(f"entry {position + 1} is not `{form.shape}`")
        try:
            key = base64.b64decode(match.group(2), validate=True)
        except binascii.Error as exc:
            raise KeyringError(f"key {match.group(1)} is not valid base64") from exc
        keys.append((match.group(1), key))
    return keys


def check_key_list(keys: Sequence[tuple[Hashable, bytes]], form: KeyListFormat = KEY_IDS) -> None:
    """`KeyringError` unless there is a key, no id twice, and every key is KEY_BYTES long."""
    if not keys:
        raise KeyringError(f"no {form.key} is configured")
    if len(dict(keys)) != len(keys):
        raise KeyringError(f"a {form.key_id} is listed twice")
    if any(len(key) != KEY_BYTES for _, key in keys):
        raise KeyringError(f"every {form.key} must be {KEY_BYTES} bytes")


class Keyring:
    """Keys by id; the first one seals, every one opens."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        check_key_list(keys)
        self._keys = dict(keys)
        self.current = keys[0][0]
        self.ids = tuple(key_id for key_id, _ in keys)

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """`k2:<base64 32 bytes>,k1:<base64 32 bytes>`."""
        return cls(parse_key_list(spec))

    def __repr__(self) -> str:  # never the keys
        return f"Keyring(ids={list(self.ids)}, current={self.current})"

    def seal(self, plaintext: str, binding: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self._keys[self.current]).encrypt(
            nonce, plaintext.encode(), binding.encode()
        )
        return Sealed(key_id=self.current, nonce=_b64(nonce), ciphertext=_b64(ciphertext))

    def open(self, sealed: Sealed, binding: str) -> str:
        """The plaintext, or `Unsealable` saying why not (never what was inside)."""
        key = self._keys.get(sealed.key_id)
        if key is None:
            known = ", ".join(self.ids)
            raise Unsealable(
                f"sealed under key {sealed.key_id!r}, which is not configured ({known})"
            )
        try:
            nonce = base64.urlsafe_b64decode(sealed.nonce)
            plaintext = AESGCM(key).decrypt(
                nonce, base64.urlsafe_b64decode(sealed.ciphertext), binding.encode()
            )
            return plaintext.decode()
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise Unsealable(
                f"the value sealed under key {sealed.key_id!r} does not open: tampered with, "
                "or sealed for another record"
            ) from exc


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()
