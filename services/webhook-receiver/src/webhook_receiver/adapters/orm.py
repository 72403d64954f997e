"""webhook-receiver's own tables (schema `webhook_receiver`); the kit adds the outbox and inbox."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
