"""provisioner's own tables (schema `provisioner`); the kit adds the outbox and inbox."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
