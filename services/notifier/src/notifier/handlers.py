"""notifier's use cases: one per event it mails about. They never commit the handler's transaction
(the runner does); the send path's own records commit at once, through `SendLog`."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.adapters.mailer import Mailer
from notifier.adapters.send_log import SendLog
from notifier.adapters.unit_of_work import NotificationsUnitOfWork
from notifier.domain.messages import (
    RenderedMail,
    compose,
    full_name,
    render_lead_account_exists,
    render_lead_verification,
    render_provisioning_failed_contact,
    render_provisioning_failed_ops,
    render_tenant_offboarded,
    render_tenant_welcome,
    sender_domain,
)
from notifier.domain.notifications import Delivery, NotificationKind, message_id
from service_kit.exports import ExportSettings, fetch_links
from service_kit.sealing import Keyring
from shared_schemas import Envelope
from shared_schemas.events import (
    Contact,
    LeadCreated,
    LeadCreatedV1,
    TenantActivated,
    TenantOffboarded,
    TenantProvisioningFailed,
    verification_link_binding,
)

OPS_NAME = "Control Plane operators"


@dataclass(frozen=True)
class Outgoing:
    """What the e-mail handlers need besides the unit of work."""

    mailer: Mailer
    sender: str
    log: SendLog
    ops_email: str
    app_base_url: str
    links: Keyring  # opens the verification links sealed in `lead.created`
    exports: ExportSettings  # where an offboarded tenant's export is fetched from


async def send(
    out: Outgoing,
    event: Envelope,
    kind: NotificationKind,
    mail: RenderedMail,
    *,
    to_name: str,
    to_address: str,
) -> None:
    """Send one e-mail of `kind` for `event`, unless an earlier attempt was recorded SENT.

    At least once, with a stable Message-ID: the attempt is committed (SENDING) before the
    server is spoken to and SENT right after it accepted, so only a crash between the two
    sends a copy, under the same Message-ID, by which mail systems drop it. A failed send is
    recorded, then raised, so that the runner retries.
    """
    delivery = Delivery(
        event_id=event.id,
        kind=kind,
        recipient=to_address,
        subject=mail.subject,
        message_id=message_id(event.id, kind, sender_domain(out.sender)),
        transport=out.mailer.transport,
    )
    if not await out.log.begin(delivery):
        return
    message = compose(
        mail,
        sender=out.sender,
        to_name=to_name,
        to_address=to_address,
        message_id=delivery.message_id,
        date=event.occurred_at,
    )
    try:
        await out.mailer.send(message)
    except Exception as exc:
        await out.log.failed(delivery, repr(exc))
        raise
    await out.log.sent(delivery)


async def send_to_contact(
    out: Outgoing, event: Envelope, kind: NotificationKind, mail: RenderedMail, contact: Contact
) -> None:
    """`send`, to the tenant's contact."""
    to_name, to_address = full_name(contact), str(contact.email)
    await send(out, event, kind, mail, to_name=to_name, to_address=to_address)


async def on_lead_created(
    event: LeadCreated | LeadCreatedV1, uow: NotificationsUnitOfWork, out: Outgoing
) -> None:
    """Mail the lead its verification link (or, when the address already has an account, a
    hint to sign in); a failed send raises so the runner retries.

    The sealed link is opened only here, to render the e-mail: it is never logged or stored.
    A link no configured key opens raises `Unsealable`, which dead-letters the event at once.
    """
    data = event.data
    if isinstance(event, LeadCreated) and event.data.account_exists:
        kind = NotificationKind.LEAD_ACCOUNT_EXISTS
        mail = render_lead_account_exists(event.data, sign_in_url=out.app_base_url)
    elif isinstance(event, LeadCreated):
        assert event.data.verification_link is not None  # the contract pairs them
        assert event.data.code_expires_at is not None
        url = out.links.open(event.data.verification_link, verification_link_binding(data.lead_id))
        kind = NotificationKind.LEAD_VERIFICATION
        mail = render_lead_verification(
            event.data, verification_url=url, expires_at=event.data.code_expires_at
        )
    else:  # v1, produced before links were sealed
        kind = NotificationKind.LEAD_VERIFICATION
        mail = render_lead_verification(
            event.data,
            verification_url=event.data.verification_url,
            expires_at=event.data.code_expires_at,
        )
    await send(
        out,
        event,
        kind,
        mail,
        to_name=f"{data.first_name} {data.last_name}",
        to_address=str(data.email),
    )


async def on_tenant_activated(
    event: TenantActivated, uow: NotificationsUnitOfWork, out: Outgoing
) -> None:
    """Welcome the tenant's contact with its name, key and app URL."""
    mail = render_tenant_welcome(event.data, app_base_url=out.app_base_url)
    await send_to_contact(out, event, NotificationKind.TENANT_WELCOME, mail, event.data.contact)


async def on_tenant_provisioning_failed(
    event: TenantProvisioningFailed, uow: NotificationsUnitOfWork, out: Outgoing
) -> None:
    """Tell the contact (an apology, no internals) and the operators (the step and the reason).

    Two e-mails: if the second fails, the handler's transaction (inbox row included) rolls
    back and the event is retried; the first, recorded SENT on its own, is not sent again.
    The inbox row, taken before this runs, keeps concurrent deliveries of the event from both
    getting here.
    """
    data = event.data
    contact_mail = render_provisioning_failed_contact(data)
    await send_to_contact(
        out, event, NotificationKind.PROVISIONING_FAILED_CONTACT, contact_mail, data.contact
    )
    ops_mail = render_provisioning_failed_ops(data, occurred_at=event.occurred_at)
    await send(
        out,
        event,
        NotificationKind.PROVISIONING_FAILED_OPS,
        ops_mail,
        to_name=OPS_NAME,
        to_address=out.ops_email,
    )


async def on_tenant_offboarded(
    event: TenantOffboarded, uow: NotificationsUnitOfWork, out: Outgoing
) -> None:
    """Tell the tenant's contact that the tenant is gone, and where its data export is."""
    location = event.data.export_location
    links = await fetch_links(location, out.exports) if location else []
    mail = render_tenant_offboarded(event.data, links)
    await send_to_contact(out, event, NotificationKind.TENANT_OFFBOARDED, mail, event.data.contact)
