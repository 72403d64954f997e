"""PostgreSQL URLs, one host or several: the one multi-host form we accept, checked at start,
and turned into what plain asyncpg takes.

The form is `postgresql+asyncpg://user@/db?host=h1,h2&port=p1,p2&target_session_attrs=read-write`
(or `postgresql://` for plain-asyncpg settings). It is the only one that SQLAlchemy and asyncpg
both read with every host kept. The others lose hosts without a word or fail late:
- `?host=h1:p1&host=h2:p2` works in SQLAlchemy, but asyncpg keeps only the last `host=`;
- `user@h1:p1,h2:p2/db` works in asyncpg, but SQLAlchemy's URL parser refuses it;
- a host in the netloc and `host=` in the query: asyncpg ignores the query's hosts;
- two hosts and one port (or the reverse) pair up differently in the two libraries.
Error messages name the form, never the URL itself (it may carry a password).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from pydantic import AfterValidator

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DEFAULT_PORT = 5432
_SCHEMES = ("postgresql", "postgresql+asyncpg", "postgres")
MULTI_HOST_FORM = (
    "postgresql+asyncpg://user@/db?host=h1,h2&port=p1,p2&target_session_attrs=read-write"
)


class DatabaseUrlError(ValueError):
    """The URL would lose a host or cannot be read; the message carries no part of it."""


def keeps_every_host(variable: str) -> AfterValidator:
    """A settings field's check, naming its variable: `Annotated[str, keeps_every_host("X")]`
    (an optional field's None passes)."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            check_database_url(value)
        except DatabaseUrlError as exc:
            raise ValueError(f"{variable} {exc}") from None
        return value

    return AfterValidator(check)


@dataclass(frozen=True)
class DatabaseHost:
    host: str  # a name, an address, or a Unix socket directory (starts with "/")
    port: int

    @property
    def socket_path(self) -> str | None:
        return f"{self.host}/.s.PGSQL.{self.port}" if self.host.startswith("/") else None


def check_database_url(url: str) -> None:
    """Refuse the forms that would silently lose a host; see the module docstring."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise DatabaseUrlError("must be a postgresql:// or postgresql+asyncpg:// URL")
    netloc_host = parts.netloc.rpartition("@")[2]
    if "," in netloc_host:
        raise DatabaseUrlError(
            f"lists several hosts before the database name; write them as {MULTI_HOST_FORM}"
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    for key in ("host", "port"):
        if len(query.get(key, [])) > 1:
            raise DatabaseUrlError(
                f"repeats `{key}=` (asyncpg would keep only the last); write {MULTI_HOST_FORM}"
            )
    if "host" not in query:
        if "port" in query:
            raise DatabaseUrlError("has `port=` without `host=`; put the port after the host")
        return
    if netloc_host:
        raise DatabaseUrlError(
            f"names a host both before the database name and in `host=`; write {MULTI_HOST_FORM}"
        )
    hosts = query["host"][0].split(",")
    if any(not h.strip() for h in hosts):
        raise DatabaseUrlError("has an empty entry in `host=`")
    if any(":" in h and not h.startswith("/") for h in hosts):
        raise DatabaseUrlError(f"gives a port inside `host=`; write {MULTI_HOST_FORM}")
    if "port" in query:
        ports = query["port"][0].split(",")
        if len(ports) != len(hosts):
            raise DatabaseUrlError(
                f"lists {len(hosts)} host(s) but {len(ports)} port(s) in `host=`/`port=`;"
                " give one port per host"
            )
        if not all(p.strip().isdigit() for p in ports):
            raise DatabaseUrlError("has a `port=` entry that is not a number")


def database_hosts(url: str) -> list[DatabaseHost]:
    """Every host the URL lists, in order, each with its port (127.0.0.1:5432 if none)."""
    check_database_url(url)
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    if "host" not in query:
        return [DatabaseHost(parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORT)]
    hosts = [h.strip() for h in query["host"][0].split(",")]
    ports = [int(p) for p in query["port"][0].split(",")] if "port" in query else []
    return [DatabaseHost(h, ports[i] if ports else DEFAULT_PORT) for i, h in enumerate(hosts)]


def _parsed(url: str) -> URL:
    # Imported here: the settings (and so `tenantctl`, which loads them) must not pull in
    # SQLAlchemy just to read a URL.
    from sqlalchemy.engine import make_url

    return make_url(url)


def database_name(url: str) -> str | None:
    """The database the URL names (without the query string)."""
    return _parsed(url).database


def asyncpg_dsn(url: str) -> str:
    """The URL as plain asyncpg reads it: every host and port, `target_session_attrs` and the
    rest of the query kept (asyncpg reads the comma lists in `host=`/`port=` itself)."""
    check_database_url(url)
    return _parsed(url).set(drivername="postgresql").render_as_string(hide_password=False)
