"""The seeded event traffic: published outbox rows and inbox rows in every service, parked dead
letters and webhook receipts.

Timestamps stay inside each table's retention window (`OUTBOX_RETENTION_DAYS` 7,
`INBOX_RETENTION_DAYS` 30, `WEBHOOK_RECEIPT_RETENTION_DAYS` 30), so the services' pruners do not
delete the seeded rows while they are measured; parked dead letters are never pruned.
"""

from __future__ import annotations

# Roughly the size of an event envelope as the services write it.
_PAYLOAD = "convert_to(repeat('seeded event ', 24), 'UTF8')"

# {schema}: the service's; $1 rows.
_OUTBOX = """
INSERT INTO {schema}.outbox (id, event_type, routing_key, payload, headers, created_at,
    published_at, attempts)
SELECT gen_random_uuid(), t, t, {payload}, '{{}}', at, at + interval '40 milliseconds', 1
FROM (SELECT (ARRAY['provisioning.step_started', 'provisioning.step_succeeded',
                    'tenant.activated', 'webhook.received'])[1 + n % 4] AS t,
             now() - interval '6.5 days' * (1 - n::float8 / $1) AS at
      FROM generate_series(1, $1::int) AS n) AS e
"""
_INBOX = """
INSERT INTO {schema}.inbox (event_id, consumer, event_type, processed_at)
SELECT gen_random_uuid(), (ARRAY['saga', 'timeline', 'pipeline-steps'])[1 + n % 3],
    'provisioning.step_succeeded', now() - interval '29 days' * (1 - n::float8 / $1)
FROM generate_series(1, $1::int) AS n
"""
# $1 rows; the tenants are the seeded ones (growth_tenant), drawn at random.
_DEAD_LETTERS = """
INSERT INTO tenant_api.dead_letters (id, service, queue, dedupe_key, original_queue,
    original_exchange, original_routing_key, message_id, event_id, event_type, tenant_id,
    correlation_id, reason, error, headers, body, body_text, dead_lettered_at, stored_at, status)
SELECT gen_random_uuid(), s.service, s.service || '.dlq', '{batch}:' || d.n, s.service || '.saga',
    'events', 'provisioning.step_failed', 'm' || d.n, e, 'provisioning.step_failed', g.id,
    g.pipeline_id, 'handler-failed', 'seeded failure', '{{}}', {payload}, '{{"seeded": true}}',
    at, at, 'PARKED'
FROM (SELECT n, gen_random_uuid() AS e, 1 + floor(random() * (SELECT count(*) FROM growth_tenant))
        AS pick, now() - interval '180 days' * (1 - n::float8 / $1) AS at
      FROM generate_series(1, $1::int) AS n) AS d
JOIN growth_tenant g ON g.n = d.pick
CROSS JOIN LATERAL (SELECT (ARRAY['tenant-api', 'provisioner', 'notifier'])[1 + d.n % 3]
    AS service) AS s
"""
_DELIVERIES = """
INSERT INTO webhook_receiver.deliveries (id, received_at, scheme, delivery_key, tenant_id,
    pipeline_id, outcome, reason, body_sha256, size, headers)
SELECT gen_random_uuid(), at, CASE WHEN d.n % 2 = 0 THEN 'arc' ELSE 'standard' END,
    'msg_' || md5('{batch}' || d.n), g.id, g.pipeline_id, o.outcome,
    CASE o.outcome WHEN 'rejected' THEN 'bad_signature' END, md5('b' || d.n) || md5('c' || d.n),
    420, '{{}}'
FROM (SELECT n, 1 + floor(random() * (SELECT count(*) FROM growth_tenant)) AS pick,
             now() - interval '29 days' * (1 - n::float8 / $1) AS at,
             CASE WHEN n % 20 = 0 THEN 'rejected' WHEN n % 20 = 1 THEN 'duplicate'
                  ELSE 'accepted' END AS outcome
      FROM generate_series(1, $1::int) AS n) AS d
JOIN growth_tenant g ON g.n = d.pick
CROSS JOIN LATERAL (SELECT d.outcome) AS o
"""

# A burst as the relay leaves it: rows written unpublished, then marked sent; their old
# versions stay in the table and in the pending index until a vacuum removes them.
_BURST_WRITE = """
INSERT INTO {schema}.outbox (id, event_type, routing_key, payload, headers, created_at)
SELECT gen_random_uuid(), 'growth.burst', 'growth.burst', {payload}, '{{}}',
    now() - interval '1 minute' + interval '1 microsecond' * n
FROM generate_series(1, $1::int) AS n
"""
_BURST_PUBLISH = """
UPDATE {schema}.outbox SET published_at = now(), attempts = attempts + 1
WHERE published_at IS NULL AND event_type = 'growth.burst'
"""


def outbox(schema: str) -> str:
    return _OUTBOX.format(schema=schema, payload=_PAYLOAD)


def inbox(schema: str) -> str:
    return _INBOX.format(schema=schema)


def burst_write(schema: str) -> str:
    return _BURST_WRITE.format(schema=schema, payload=_PAYLOAD)


def burst_publish(schema: str) -> str:
    return _BURST_PUBLISH.format(schema=schema)


def dead_letters(batch: str = "seeded") -> str:
    """$1 parked dead letters; `batch` keeps their dedupe keys apart from another batch's."""
    return _DEAD_LETTERS.format(payload=_PAYLOAD, batch=batch)


def deliveries(batch: str = "d") -> str:
    """$1 webhook receipts; `batch` keeps their delivery keys apart from another batch's."""
    return _DELIVERIES.format(batch=batch)
