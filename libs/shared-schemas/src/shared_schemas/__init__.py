"""Contracts shared by every service: the event envelope, every event model, the problem model."""

from shared_schemas.envelope import Actor, Envelope
from shared_schemas.problems import FieldProblem, Problem
from shared_schemas.registry import (
    EVENT_CLASSES,
    EventRejected,
    MalformedEvent,
    UnknownEvent,
    parse_event,
)

__all__ = [
    "EVENT_CLASSES",
    "Actor",
    "Envelope",
    "EventRejected",
    "FieldProblem",
    "MalformedEvent",
    "Problem",
    "UnknownEvent",
    "parse_event",
]
