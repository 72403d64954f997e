"""lead-verifier's domain errors; `api/errors.py` turns them into problem answers."""

from __future__ import annotations


class EmailAlreadyVerified(Exception):
    """Another lead with this e-mail address is verified: at most one may be. The message says
    so to the caller."""


class LeadNotFound(Exception):
    """No lead has this id."""
