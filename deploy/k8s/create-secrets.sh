#!/usr/bin/env bash
# Creates the Secrets the control plane needs, once (docs/deploy.md#create-the-secrets):
#   postgres-controlplane   CloudNativePG's owner of the `controlplane` database (initdb)
#   postgres-<service>      each service's own login role, named like its schema (tenant_api...)
#   postgres-tenant-admin   the managed role `tenant_admin`, owner of `tenant_data`
#   rabbitmq-controlplane   the RabbitMQ user the Messaging Topology Operator imports
#   redis-credentials       the Redis nodes' and the sentinels' passwords
#   postgres-backup-s3      the backup bucket's keys (only when given, see below)
#   controlplane-secrets    what the services read: URLs carrying the same passwords, and keys
#
# Passwords and keys are random, made here, and never printed except by --dry-run. A Secret that
# already exists is left alone (said on stderr); its passwords are read back, so that the URLs in
# a controlplane-secrets made later carry them.
#
# Usage: deploy/k8s/create-secrets.sh [--dry-run] [--namespace NS] [--rabbitmq-nodes N]
#   --dry-run           print the Secrets as YAML instead of creating them (no cluster needed)
#   --namespace NS      default: controlplane
#   --rabbitmq-nodes N  the RabbitmqCluster's replicas, one URL each in RABBITMQ_URLS
#                       (default 3; 1 for overlays/dev)
# From the environment, when set (never generated: they come from your provider):
#   BACKUP_S3_ACCESS_KEY_ID, BACKUP_S3_SECRET_ACCESS_KEY  -> postgres-backup-s3
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY              -> controlplane-secrets (EXPORT_URL)
#   SMTP_URL                                              -> controlplane-secrets (with a password)
set -eu

namespace=controlplane
rabbitmq_nodes=3
dry_run=false

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run=true ;;
        --namespace) namespace="${2:?--namespace needs a value}"; shift ;;
        --rabbitmq-nodes) rabbitmq_nodes="${2:?--rabbitmq-nodes needs a value}"; shift ;;
        -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "create-secrets.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$rabbitmq_nodes" in
    '' | *[!0-9]* | 0) echo "create-secrets.sh: --rabbitmq-nodes must be a positive number" >&2; exit 2 ;;
esac

# Hex: safe inside a URL without encoding.
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# 32 random bytes, base64: the services' AES-256 keys.
random_key() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }

exists() {
    [ "$dry_run" = false ] && kubectl -n "$namespace" get secret "$1" >/dev/null 2>&1
}

# The value of one key of an existing Secret.
read_key() {
    kubectl -n "$namespace" get secret "$1" -o "jsonpath={.data.$2}" | base64 -d
}

# create NAME [kubectl create secret arguments...]: prints or applies it, unless it exists.
create() {
    name="$1"
    shift
    if exists "$name"; then
        echo "create-secrets.sh: secret $name exists in $namespace; left as it is" >&2
        return 0
    fi
    if [ "$dry_run" = true ]; then
        echo "---"
        kubectl -n "$namespace" create secret "$@" "$name" --dry-run=client -o yaml
    else
        kubectl -n "$namespace" create secret "$@" "$name" >/dev/null
        echo "create-secrets.sh: created secret $name in $namespace" >&2
    fi
}

# password SECRET KEY: the existing Secret's value, or a new one.
password() {
    if exists "$1"; then read_key "$1" "$2"; else random_hex 24; fi
}

SERVICES="tenant-api lead-verifier provisioner webhook-receiver notifier"

pg_password=$(password postgres-controlplane password)
tenant_admin_password=$(password postgres-tenant-admin password)
rabbitmq_password=$(password rabbitmq-controlplane password)
redis_password=$(password redis-credentials password)
sentinel_password=$(password redis-credentials sentinel-password)

create postgres-controlplane generic --type=kubernetes.io/basic-auth \
    --from-literal=username=controlplane --from-literal=password="$pg_password"
create postgres-tenant-admin generic --type=kubernetes.io/basic-auth \
    --from-literal=username=tenant_admin --from-literal=password="$tenant_admin_password"
# Each service logs in as a role of its own, named like its schema: behind the transaction-mode
# pooler PostgreSQL's default search_path ("$user", public) then resolves its names there.
database_urls=""
for service in $SERVICES; do
    role=$(echo "$service" | tr - _)
    role_password=$(password "postgres-$service" password)
    create "postgres-$service" generic --type=kubernetes.io/basic-auth \
        --from-literal=username="$role" --from-literal=password="$role_password"
    database_urls="$database_urls $service.DATABASE_URL=postgresql+asyncpg://$role:$role_password@postgres-pooler-rw:5432/controlplane"
    database_urls="$database_urls $service.DATABASE_DIRECT_URL=postgresql+asyncpg://$role:$role_password@postgres-rw:5432/controlplane"
done
create rabbitmq-controlplane generic \
    --from-literal=username=controlplane --from-literal=password="$rabbitmq_password"
create redis-credentials generic \
    --from-literal=password="$redis_password" --from-literal=sentinel-password="$sentinel_password"

if [ -n "${BACKUP_S3_ACCESS_KEY_ID:-}" ] && [ -n "${BACKUP_S3_SECRET_ACCESS_KEY:-}" ]; then
    create postgres-backup-s3 generic \
        --from-literal=ACCESS_KEY_ID="$BACKUP_S3_ACCESS_KEY_ID" \
        --from-literal=ACCESS_SECRET_KEY="$BACKUP_S3_SECRET_ACCESS_KEY"
else
    echo "create-secrets.sh: BACKUP_S3_ACCESS_KEY_ID / BACKUP_S3_SECRET_ACCESS_KEY unset;" \
        "postgres-backup-s3 not created (overlays/prod's backups need it)" >&2
fi

rabbitmq_urls=""
i=0
while [ "$i" -lt "$rabbitmq_nodes" ]; do
    url="amqp://controlplane:${rabbitmq_password}@rabbitmq-server-${i}.rabbitmq-nodes:5672/controlplane"
    rabbitmq_urls="${rabbitmq_urls:+$rabbitmq_urls,}$url"
    i=$((i + 1))
done

set -- \
    --from-literal=TENANT_DATA_DSN="postgresql://tenant_admin:${tenant_admin_password}@postgres-rw:5432/tenant_data" \
    --from-literal=RABBITMQ_URLS="$rabbitmq_urls" \
    --from-literal=REDIS_URL="redis://:${redis_password}@redis-master:6379/0" \
    --from-literal=REDIS_SENTINEL_PASSWORD="$sentinel_password" \
    --from-literal=JWT_SECRET="$(random_hex 32)" \
    --from-literal=INTERNAL_API_TOKEN="$(random_hex 32)" \
    --from-literal=METRICS_TOKEN="$(random_hex 32)" \
    --from-literal=VAULT_MASTER_KEYS="v1:$(random_key)" \
    --from-literal=VERIFICATION_LINK_KEYS="k1:$(random_key)" \
    --from-literal=WEBHOOK_RUN_KEYS="k1:$(random_key)" \
    --from-literal=API_KEY_HANDOVER_KEYS="k1:$(random_key)" \
    --from-literal=TENANT_SECRETS_KEY="$(random_key)"
for pair in $database_urls; do  # hex passwords: no spaces, nothing to quote
    set -- "$@" --from-literal="$pair"
done
if [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ]; then
    set -- "$@" --from-literal=AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
        --from-literal=AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY"
fi
if [ -n "${SMTP_URL:-}" ]; then
    set -- "$@" --from-literal=SMTP_URL="$SMTP_URL"
fi
create controlplane-secrets generic "$@"
