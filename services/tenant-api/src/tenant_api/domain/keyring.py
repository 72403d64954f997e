"""Versioned master keys, and tenants' data keys wrapped by them (envelope encryption). No I/O.

Each tenant has one random 256-bit data key, stored only wrapped: AES-GCM under a master key,
with the tenant id as associated data, so a wrapped key copied to another tenant does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
_ENTRY = re.compile(r"^v([1-9][0-9]{0,8}):(.+)$")


class VaultError(Exception):
    """Nothing can be decrypted; the vault fails closed."""


class VaultKeyUnavailable(VaultError):
    """No configured master key opens the data key (missing, wrong, or the vault has no keys)."""


class CredentialUnreadable(VaultError):
    """The sealed credential does not open under its tenant's data key, tenant and provider."""


class KeyringError(ValueError):
    """VAULT_MASTER_KEYS / VAULT_MASTER_KEY_VERSION are malformed (never carries key material)."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class MasterKeyring:
    """Master keys by version; the current one wraps, every one unwraps."""

    def __init__(self, keys: Sequence[tuple[int, bytes]], current_version: int | None = None):
        if not keys:
            raise KeyringError("no master key is configured")
        self._keys = dict(keys)
        if len(self._keys) != len(keys):
            raise KeyringError("a master key version is listed twice")
        if any(len(key) != KEY_BYTES for key in self._keys.values()):
            raise KeyringError(f"every master key must be {KEY_BYTES} bytes")
        self.current_version = keys[0][0] if current_version is None else current_version
        if self.current_version not in self._keys:
            raise KeyringError(f"the current version v{self.current_version} has no key")
        self.versions = tuple(version for version, _ in keys)

    @classmethod
    def parse(cls, spec: str, current_version: int | None = None) -> MasterKeyring:
        """`v2:<base64 32 bytes>,v1:<base64 32 bytes>`: the first is current unless told."""
        keys: list[tuple[int, bytes]] = []
        for position, entry in enumerate(e.strip() for e in spec.split(",") if e.strip()):
            match = _ENTRY.match(entry)
            if match is None:
                raise KeyringError(f"entry {position + 1} is not `v<version>:<base64 key>`")
            try:
                key = base64.b64decode(match.group(2), validate=True)
            except binascii.Error as exc:
                raise KeyringError(f"key v{match.group(1)} is not valid base64") from exc
            keys.append((int(match.group(1)), key))
        return cls(keys, current_version)

    def __repr__(self) -> str:  # never the keys
        return f"MasterKeyring(versions={list(self.versions)}, current={self.current_version})"

    def wrap(self, data_key: bytes, tenant_id: UUID) -> tuple[int, bytes]:
        """(current version, nonce + AES-GCM(data key)) bound to the tenant."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[self.current_version]).encrypt(
            nonce, data_key, _tenant_binding(tenant_id)
        )
        return self.current_version, nonce + sealed

    def unwrap(self, wrapped: bytes, version: int, tenant_id: UUID) -> bytes:
        """The data key, opened with the master key of the version its row names."""
        key = self._keys.get(version)
        if key is None:
            raise VaultKeyUnavailable(f"no master key v{version} is configured")
        data_key = _open(key, wrapped, _tenant_binding(tenant_id))
        if data_key is None:
            raise VaultKeyUnavailable(f"master key v{version} does not open this data key")
        return data_key

    def unwrap_any(self, wrapped: bytes, version: int, tenant_id: UUID) -> tuple[int, bytes]:
        """(version that opened it, data key): the named version first, then every other."""
        order = [version, *(v for v in self.versions if v != version)]
        for candidate in (v for v in order if v in self._keys):
            data_key = _open(self._keys[candidate], wrapped, _tenant_binding(tenant_id))
            if data_key is not None:
                return candidate, data_key
        tried = ", ".join(f"v{v}" for v in self.versions)
        raise VaultKeyUnavailable(f"no configured master key ({tried}) opens this data key")


def _open(key: bytes, wrapped: bytes, binding: bytes) -> bytes | None:
    nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    try:
        data_key = AESGCM(key).decrypt(nonce, sealed, binding)
    except (InvalidTag, ValueError):
        return None
    return data_key if len(data_key) == KEY_BYTES else None


def _tenant_binding(tenant_id: UUID) -> bytes:
    return str(tenant_id).encode()
