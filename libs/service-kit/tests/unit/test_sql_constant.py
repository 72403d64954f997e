"""`constant`: a status written into the SQL, so that partial indexes serve cached plans."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql

from service_kit.db import constant

items = Table("items", MetaData(), Column("status", String(20)))


class Status(StrEnum):
    DONE = "DONE"


def test_a_constant_is_rendered_into_the_sql_and_binds_no_parameter() -> None:
    compiled = (
        select(items)
        .where(items.c.status == constant(Status.DONE))
        .compile(dialect=postgresql.dialect())
    )
    assert "items.status = 'DONE'" in str(compiled)
    assert compiled.params == {}


@pytest.mark.parametrize("value", ["it's", "back\\slash"])
def test_anything_but_a_plain_constant_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain constant"):
        constant(value)
