"""Versioned master keys, and tenants' data keys wrapped by them (envelope encryption). No I/O.

Each tenant has one random 256-bit data key, stored only wrapped: AES-GCM under a master key,
with the tenant id as associated data, so a wrapped key copied to another tenant does not open.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service_kit.sealing import (
    KEY_BYTES,
    NONCE_BYTES,
    KeyListFormat,
    KeyringError,
    check_key_list,
    parse_key_list,
)

__all__ = [
    "KEY_BYTES",
    "MASTER_KEYS",
    "NONCE_BYTES",
    "CredentialUnreadable",
    "KeyringError",
    "MasterKeyring",
    "VaultError",
    "VaultKeyUnavailable",
    "new_data_key",
]

# VAULT_MASTER_KEYS: the kit's key list, with versions for ids (a malformed one raises the
# kit's `KeyringError`, which never carries key material).
MASTER_KEYS = KeyListFormat(
    re.compile(r"^(v[1-9][0-9]{0,8}):(.+)$"),
    shape="v<version>:<base64 key>",
    key="master key",
    key_id="master key version",
)


class VaultError(Exception):
    """Nothing can be decrypted; the vault fails closed."""


class VaultKeyUnavailable(VaultError):
    """No configured master key opens the data key (missing, wrong, or the vault has no keys)."""


class CredentialUnreadable(VaultError):
    """The sealed credential does not open under its tenant's data key, tenant and provider."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class MasterKeyring:
    """Master keys by version; the current one wraps, every one unwraps."""

    def __init__(self, keys: Sequence[tuple[int, bytes]], current_version: int | None = None):
        check_key_list(keys, MASTER_KEYS)
        self._keys = dict(keys)
        self.current_version = keys[0][0] if current_version is None else current_version
        if self.current_version not in self._keys:
            raise KeyringError(f"the current version v{self.current_version} has no key")
        self.versions = tuple(version for version, _ in keys)

    @classmethod
    def parse(cls, spec: str, current_version: int | None = None) -> MasterKeyring:
        """`v2:<base64 32 bytes>,v1:<base64 32 bytes>`: the first is current unless told."""
        keys = [(int(version[1:]), key) for version, key in parse_key_list(spec, MASTER_KEYS)]
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
