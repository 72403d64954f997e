"""The base of a service's repositories."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    """Reads and writes of one concern, in the unit of work's session; it never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
