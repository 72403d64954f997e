"""The seeded tenants and every row each one has in tenant-api and the provisioner.

One temporary table, `growth_tenant`, decides each tenant's facts once (id, key, tier, plan,
status, when it was created); every other statement derives its rows from it, so the services'
tables agree with each other as the saga would have left them. Tenants were created evenly over
the past year; most are ACTIVE and their pipelines finished long ago. Few are silo: the live
ones stay under the provisioner's default capacity (PROVISIONER_MAX_SILO_TENANTS, 1,000), or
every silo tenant of the measured saga would fail its preflight.
"""

from __future__ import annotations

# $1 tenants, $2 the provisioner's name prefix (schema, role and policy names are prefix + key).
TENANTS = """
CREATE TEMP TABLE growth_tenant AS
SELECT n, gen_random_uuid() AS id, gen_random_uuid() AS pipeline_id,
       'g' || substr(md5(n::text), 1, 12) AS key,
       $2::text || 'g' || substr(md5(n::text), 1, 12) AS resource_name,
       CASE WHEN r1 < 0.006 THEN 'silo' ELSE 'pooled' END AS tier,
       CASE WHEN r1 < 0.006 THEN 'enterprise' WHEN r1 < 0.5 THEN 'standard' ELSE 'starter' END
         AS plan_id,
       CASE WHEN r2 < 0.86 THEN 'ACTIVE' WHEN r2 < 0.92 THEN 'OFFBOARDED'
            WHEN r2 < 0.95 THEN 'SUSPENDED' WHEN r2 < 0.98 THEN 'PROVISION_FAILED'
            ELSE 'CANCELLED' END AS status,
       now() - interval '365 days' * (1 - n::float8 / $1) - interval '1 hour' * r3 AS created_at
FROM (SELECT n, random() AS r1, random() AS r2, random() AS r3
      FROM generate_series(1, $1::int) AS n) AS draw
"""
FACTS = """
ALTER TABLE growth_tenant
  ADD COLUMN pipeline_status text, ADD COLUMN live boolean, ADD COLUMN finished_at timestamptz;
UPDATE growth_tenant SET
  pipeline_status = CASE status WHEN 'PROVISION_FAILED' THEN 'FAILED'
                                WHEN 'CANCELLED' THEN 'CANCELLED' ELSE 'SUCCEEDED' END,
  live = status IN ('ACTIVE', 'SUSPENDED'),
  finished_at = created_at + interval '40 seconds';
ANALYZE growth_tenant
"""

# (table, statement): each an INSERT ... SELECT over growth_tenant.
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "tenant_api.tenants",
        """
INSERT INTO tenant_api.tenants (id, key, name, status, tier, plan_id, domains, created_at,
    updated_at, feature_flags, config_generation, app_url)
SELECT id, key, 'Growth ' || key, status, tier, plan_id, ARRAY[key || '.example.com'],
    created_at, finished_at, '{"beta": false}', 1 + n % 4, 'https://' || key || '.app.example'
FROM growth_tenant
""",
    ),
    (
        "tenant_api.contacts",
        """
INSERT INTO tenant_api.contacts (id, tenant_id, first_name, last_name, email, is_primary)
SELECT gen_random_uuid(), id, 'Ada', 'Growth', 'ops@' || key || '.example.com', true
FROM growth_tenant
""",
    ),
    (
        "tenant_api.addresses",
        """
INSERT INTO tenant_api.addresses (tenant_id, address, city, state, zip, country)
SELECT id, n || ' Main Street', 'Springfield', NULL, lpad((n % 99999)::text, 5, '0'), 'US'
FROM growth_tenant
""",
    ),
    (
        "tenant_api.pipelines",
        """
INSERT INTO tenant_api.pipelines (id, tenant_id, run, status, requested_by, started_at,
    last_progress_at, finished_at, failure_step, failure_reason)
SELECT pipeline_id, id, 1, pipeline_status, 'admin', created_at, finished_at, finished_at,
    CASE pipeline_status WHEN 'FAILED' THEN 'infrastructure' END,
    CASE pipeline_status WHEN 'FAILED' THEN 'pipeline driver failed' END
FROM growth_tenant
""",
    ),
    (
        "tenant_api.pipeline_steps",
        """
INSERT INTO tenant_api.pipeline_steps (pipeline_id, step, status, status_attempt, attempts,
    started_at, finished_at, updated_by_event_at)
SELECT g.pipeline_id, s.step,
    CASE WHEN s.step = 'infrastructure' AND g.tier = 'pooled' THEN 'SKIPPED'
         WHEN g.pipeline_status = 'SUCCEEDED' THEN 'SUCCEEDED'
         WHEN g.pipeline_status = 'FAILED' AND s.step = 'infrastructure' THEN 'FAILED'
         ELSE 'COMPENSATED' END,
    1, 1, g.created_at + s.at, g.created_at + s.at + interval '2 seconds',
    g.created_at + s.at + interval '2 seconds'
FROM growth_tenant g
CROSS JOIN (VALUES ('preflight', interval '1 second'), ('database', interval '3 seconds'),
                   ('credentials', interval '6 seconds'), ('infrastructure', interval '9 seconds'),
                   ('billing', interval '30 seconds')) AS s(step, at)
""",
    ),
    (
        "tenant_api.api_keys",
        """
INSERT INTO tenant_api.api_keys (id, tenant_id, public_id, key_hash, name, scopes, created_at,
    revoked_at, origin)
SELECT gen_random_uuid(), id, substr(md5('k' || n), 1, 12), md5('h' || n) || md5('i' || n),
    'initial', ARRAY['tenant'], created_at + interval '6 seconds',
    CASE WHEN NOT live THEN finished_at END, 'initial'
FROM growth_tenant
""",
    ),
    (
        "tenant_api.invoices",
        """
INSERT INTO tenant_api.invoices (id, tenant_id, pipeline_id, plan_id, amount, currency,
    period_start, period_end, status, created_at, paid_at)
SELECT gen_random_uuid(), id, pipeline_id, plan_id, 49.00, 'EUR', created_at,
    created_at + interval '1 month', CASE WHEN n % 5 = 0 THEN 'PENDING' ELSE 'PAID' END,
    finished_at, CASE WHEN n % 5 <> 0 THEN finished_at + interval '3 days' END
FROM growth_tenant WHERE pipeline_status = 'SUCCEEDED'
""",
    ),
    (
        "tenant_api.tenant_events",
        """
INSERT INTO tenant_api.tenant_events (event_id, tenant_id, type, occurred_at, producer,
    summary, data, actor)
SELECT gen_random_uuid(), g.id, e.type, g.created_at + interval '2 seconds' * k, e.producer,
    e.type || ' (seeded)', jsonb_build_object('pipelineId', g.pipeline_id, 'n', k),
    CASE WHEN k = 1 THEN '{"sub": "admin", "role": "admin"}'::jsonb END
FROM growth_tenant g
CROSS JOIN generate_series(1, $1::int) AS k
CROSS JOIN LATERAL (SELECT (ARRAY['tenant.onboarded', 'tenant.provisioning_requested',
        'provisioning.step_started', 'provisioning.step_succeeded', 'webhook.received',
        'tenant.activated', 'notification.sent'])[1 + k % 7] AS type,
    (ARRAY['tenant-api', 'tenant-api', 'provisioner', 'provisioner', 'webhook-receiver',
        'tenant-api', 'notifier'])[1 + k % 7] AS producer) AS e
""",
    ),
    (
        "provisioner.pipelines",
        """
INSERT INTO provisioner.pipelines (id, tenant_id, tenant_key, tenant_name, tier, plan, contact,
    run, status, steps, current, attempt, next_run_at, failure_step, failure_reason, app_url,
    created_at, updated_at, finished_at)
SELECT pipeline_id, id, key, 'Growth ' || key, tier,
    jsonb_build_object('id', plan_id, 'tier', tier), jsonb_build_object('email',
    'ops@' || key || '.example.com'), 1, pipeline_status,
    ARRAY['preflight', 'database', 'credentials', 'infrastructure', 'billing']::varchar[], 5, 1,
    finished_at, CASE pipeline_status WHEN 'FAILED' THEN 'infrastructure' END,
    CASE pipeline_status WHEN 'FAILED' THEN 'pipeline driver failed' END,
    'https://' || key || '.app.example', created_at, finished_at, finished_at
FROM growth_tenant
""",
    ),
    (
        "provisioner.resources",
        """
INSERT INTO provisioner.resources (id, tenant_id, pipeline_id, step, kind, name, status,
    details, created_at, updated_at)
SELECT gen_random_uuid(), g.id, g.pipeline_id, r.step, r.kind, g.resource_name,
    CASE WHEN g.live THEN 'CREATED' ELSE 'DELETED' END, '{}', g.created_at + r.at,
    g.finished_at
FROM growth_tenant g
JOIN (VALUES ('pooled', 'database', 'pooled_tenant', interval '3 seconds'),
             ('pooled', 'database', 'role', interval '4 seconds'),
             ('pooled', 'database', 'policy', interval '5 seconds'),
             ('pooled', 'billing', 'subscription', interval '30 seconds'),
             ('pooled', 'credentials', 'api_key', interval '6 seconds'),
             ('silo', 'database', 'schema', interval '3 seconds'),
             ('silo', 'database', 'role', interval '4 seconds'),
             ('silo', 'credentials', 'api_key', interval '6 seconds'),
             ('silo', 'infrastructure', 'webhook_run', interval '9 seconds'),
             ('silo', 'billing', 'subscription', interval '30 seconds'))
    AS r(tier, step, kind, at) ON r.tier = g.tier
""",
    ),
    (
        "provisioner.api_keys",
        """
INSERT INTO provisioner.api_keys (id, tenant_id, pipeline_id, prefix, key_hash, created_at,
    revoked_at)
SELECT gen_random_uuid(), id, pipeline_id, substr(md5('k' || n), 1, 12),
    md5('h' || n) || md5('i' || n), created_at + interval '6 seconds',
    CASE WHEN NOT live THEN finished_at END
FROM growth_tenant
""",
    ),
    (
        "provisioner.subscriptions",
        """
INSERT INTO provisioner.subscriptions (id, tenant_id, pipeline_id, plan_id, amount, currency,
    period_start, period_end, status, created_at, cancelled_at)
SELECT gen_random_uuid(), id, pipeline_id, plan_id, 49.00, 'EUR', created_at,
    created_at + interval '1 month', CASE WHEN live THEN 'ACTIVE' ELSE 'CANCELLED' END,
    finished_at, CASE WHEN NOT live THEN finished_at END
FROM growth_tenant WHERE pipeline_status <> 'CANCELLED'
""",
    ),
)
