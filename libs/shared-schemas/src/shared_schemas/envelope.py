"""The envelope every domain event travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)


class Contract(BaseModel):
    """Base for event bodies: strict about unknown fields, immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(Contract):
    """Who asked for what an event records: a token's subject and role, or a service."""

    sub: str = Field(min_length=1, max_length=200, description="The caller's subject.")
    role: str = Field(min_length=1, max_length=50, description="admin, operator, tenant, lead.")


class Envelope(Contract):
    """Metadata shared by every event; subclasses pin `type`, `version` and `data`."""

    # An event's pinned `type` and `version`, read from its fields' literals once the class is
    # built, so that builders and the registry need not repeat them.
    TYPE: ClassVar[str]
    VERSION: ClassVar[int]

    id: UUID = Field(default_factory=uuid4, description="Unique per event; the idempotency key.")
    type: str = Field(description="Event type; also the routing key.")
    version: int = Field(ge=1, description="Schema version of `data`.")
    occurred_at: AwareDatetime = Field(description="When the fact happened, with its offset.")
    producer: str = Field(description="Service that published the event.")
    correlation_id: UUID = Field(description="One per saga: the lead, then the tenant's pipeline.")
    causation_id: UUID | None = Field(default=None, description="The event that caused this one.")
    tenant_id: UUID | None = Field(default=None, description="The tenant, once one exists.")
    actor: Actor | None = Field(
        default=None,
        description="Who asked for it; the causing event's actor when a service reacts to one.",
    )
    data: Any

    @model_serializer(mode="wrap")
    def _actor_only_when_known(self, handler: SerializerFunctionWrapHandler) -> Any:
        # An event nobody in particular asked for travels exactly as before `actor` existed.
        dumped = handler(self)
        if isinstance(dumped, dict) and dumped.get("actor") is None:
            dumped.pop("actor", None)
        return dumped

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        pinned_type = cls.model_fields["type"].default
        pinned_version = cls.model_fields["version"].default
        if isinstance(pinned_type, str):
            cls.TYPE = pinned_type
        if isinstance(pinned_version, int):
            cls.VERSION = pinned_version

    @classmethod
    def build(
        cls,
        data: Any,
        *,
        producer: str,
        correlation_id: UUID,
        causation: Envelope | None = None,
        tenant_id: UUID | None = None,
        occurred_at: datetime | None = None,
        actor: Actor | None = None,
    ) -> Self:
        """Create an event of this class; tenant and actor default from the causing event."""
        return cls(
            type=cls.TYPE,
            version=cls.VERSION,
            occurred_at=occurred_at or datetime.now(UTC),
            producer=producer,
            correlation_id=correlation_id,
            causation_id=causation.id if causation else None,
            tenant_id=tenant_id or (causation.tenant_id if causation else None),
            actor=actor or (causation.actor if causation else None),
            data=data,
        )


class EventV1(Envelope):
    """An event at the first version of its `data`: subclasses pin `type` and `data`."""

    version: Literal[1] = 1


class EnvelopeHeader(BaseModel):
    """Just enough of an envelope to route it: parsed before the full, typed model."""

    model_config = ConfigDict(extra="allow")

    id: UUID
    type: str
    version: int
