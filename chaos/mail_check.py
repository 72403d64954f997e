"""E-mails counted per recipient and kind from what the mail sink received. A copy sent again
under the same Message-ID is the at-least-once window of SMTP (reported); a second e-mail
with another Message-ID is the same notification done twice (a failure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

KINDS = (
    ("Confirm your e-mail address", "lead_verification"),
    ("You already have an account", "lead_account_exists"),
    ("Welcome aboard", "tenant_welcome"),
    ("We are sorry", "provisioning_failed_contact"),
    ("[ops] Provisioning failed", "provisioning_failed_ops"),
    ("has been offboarded", "tenant_offboarded"),
)


def kind_of(subject: str) -> str:
    return next((kind for marker, kind in KINDS if marker in subject), "other")


@dataclass
class MailFindings:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)  # same Message-ID again: at-least-once
    counted: int = 0


def received(messages: Iterable[Any]) -> dict[tuple[str, str], list[str]]:
    """Message-IDs by (recipient, kind); the ops mailbox is keyed by the tenant in the subject."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for message in messages:
        subject = str(message["Subject"] or "")
        kind = kind_of(subject)
        recipient = ",".join(a for _, a in getaddresses([str(message["To"] or "")])).lower()
        if kind == "provisioning_failed_ops":
            recipient = f"{recipient}#{subject.split('tenant ', 1)[-1].split(',', 1)[0]}"
        found[(recipient, kind)].append(str(message["Message-ID"]))
    return found


def check_mail(expected: Mapping[str, Mapping[str, int]], messages: Iterable[Any]) -> MailFindings:
    """`expected`: for each recipient the workload used, how many e-mails of each kind."""
    got = received(messages)
    findings = MailFindings(counted=sum(len(ids) for ids in got.values()))
    for recipient, kinds in expected.items():
        for kind in {*kinds, *(k for r, k in got if r == recipient)}:
            want, ids = kinds.get(kind, 0), got.get((recipient, kind), [])
            where = f"{kind} to {recipient}"
            if len(ids) < want:
                findings.lost.append(f"{where}: {len(ids)} of {want}")
            elif want == 0 and ids:
                findings.unexpected.append(f"{where}: {len(ids)}, none expected")
            elif len(set(ids)) > want:
                findings.duplicated.append(f"{where}: {len(set(ids))} distinct e-mails")
            elif len(ids) > want:
                findings.resent.append(f"{where}: {len(ids)} copies of {want}")
    return findings
