"""The operator's session after `tenantctl login`: the provider's tokens, kept in one file.

`$XDG_CONFIG_HOME/tenantctl/credentials.json` (default `~/.config/tenantctl/`), readable by its
owner only: the directory 0700, the file 0600 whatever the umask, and written whole or not at
all (a new file under a temporary name, then renamed over the old one), so a crash or a second
tenantctl never leaves half a session or a moment where the tokens are readable by others.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

_FILE = "credentials.json"


@dataclass(frozen=True)
class Session:
    issuer: str
    client_id: str
    access_token: str
    refresh_token: str | None
    id_token: str | None
    expires_at: datetime | None
    sub: str | None
    role: str | None

    def expires_within(self, seconds: float, now: datetime) -> bool:
        if self.expires_at is None:
            return False
        return (self.expires_at - now).total_seconds() < seconds


def directory() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tenantctl"


def path() -> Path:
    return directory() / _FILE


def load() -> Session | None:
    """The saved session, or None when there is none (or it is not one we can read)."""
    try:
        raw = json.loads(path().read_text())
        expires = raw.get("expires_at")
        return Session(
            issuer=str(raw["issuer"]),
            client_id=str(raw["client_id"]),
            access_token=str(raw["access_token"]),
            refresh_token=raw.get("refresh_token"),
            id_token=raw.get("id_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            sub=raw.get("sub"),
            role=raw.get("role"),
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
        # Missing or not a session of ours: signing in again is the way out either way.
        return None


def save(session: Session) -> None:
    folder = _private_directory()
    data = asdict(session)
    data["expires_at"] = session.expires_at.isoformat() if session.expires_at else None
    temporary = folder / f".{_FILE}.{secrets.token_hex(8)}"
    # O_EXCL on a fresh name: never write through a file or link someone else put there.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the mode above went through the umask; this one does not
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, indent=2)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / _FILE)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(folder)


def remove() -> bool:
    """Delete the saved session; whether there was one."""
    try:
        path().unlink()
    except FileNotFoundError:
        return False
    return True


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """One tenantctl at a time refreshes the session: a refresh token used twice makes some
    providers (rightly) revoke the whole grant."""
    folder = _private_directory()
    fd = os.open(folder / "credentials.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def now() -> datetime:
    return datetime.now(UTC)


def from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _private_directory() -> Path:
    folder = directory()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)  # mkdir's mode went through the umask, and an old directory may be wider
    return folder


def _sync_directory(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
