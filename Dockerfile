# syntax=docker/dockerfile:1
# One image recipe for the five services; build arguments say which. The build context is the
# repository root, e.g.:
#   docker build --build-arg SERVICE=tenant-api --build-arg MODULE=tenant_api \
#     --build-arg PORT=8000 -t controlplane/tenant-api .
# SERVICE is the folder under services/ (and the package uv installs), MODULE what
# `python -m` runs, PORT where it listens: tenant-api 8000, lead-verifier 8001,
# provisioner 8002, webhook-receiver 8003, notifier 8004. docker-compose.yml passes all three.
#
# A second target, `migrate`, is the one-shot migrator of all five services (no server):
#   docker build --target migrate -t controlplane/migrate .
# The service's stage is listed last so that a build without --target makes a service's image.

# The base image is this argument, whose default names a version tag; checkov cannot see through
# the variable and reads `FROM ${PYTHON_IMAGE}` as untagged.
# checkov:skip=CKV_DOCKER_7:the base image is the PYTHON_IMAGE argument, which names a version tag
ARG PYTHON_IMAGE=python:3.11-slim

# What both builders start from: uv, using the image's own interpreter (the run stages have the
# same one at the same path).
FROM ${PYTHON_IMAGE} AS uv-base
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /uvx /bin/
ENV UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /app

# What both run stages start from: the unprivileged user and the venv on PATH.
FROM ${PYTHON_IMAGE} AS run-base
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin app
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

FROM uv-base AS migrate-builder
COPY pyproject.toml uv.lock ./
COPY libs/ libs/
COPY services/ services/
# Every service's env.py imports its own package (its ORM metadata and settings).
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --all-packages --frozen --no-dev --no-editable
# Only what alembic reads at run time: each service's alembic.ini and migrations/.
RUN for dir in services/*/; do \
      mkdir -p "/migrations/$dir" && cp -r "$dir/alembic.ini" "$dir/migrations" "/migrations/$dir"; \
    done

FROM run-base AS migrate
COPY --from=migrate-builder /app/.venv /app/.venv
COPY --from=migrate-builder /migrations/services/ services/
USER 10001:10001
# Each service's migrations run under its schema's advisory lock (service_kit.migration_lock),
# so this may run beside replicas that still migrate on start: whoever comes second does nothing.
CMD ["sh", "-c", "python -m service_kit.dbsetup && for dir in services/*/; do alembic -c \"$dir/alembic.ini\" upgrade head || exit 1; done"]


FROM uv-base AS builder
ARG SERVICE
ARG MODULE
ARG PORT
# Fail at once, not at a puzzling COPY or uv error, when an argument is missing.
RUN test -n "$SERVICE" && test -n "$MODULE" && test -n "$PORT" \
 || { echo "build with --build-arg SERVICE=... MODULE=... PORT=..." >&2; exit 1; }

# Third-party dependencies first: this layer is rebuilt only when the lock or a
# pyproject.toml changes. Every member's pyproject.toml is copied so that uv sees
# the same workspace the lock was made from.
COPY pyproject.toml uv.lock ./
COPY libs/shared-schemas/pyproject.toml libs/shared-schemas/
COPY libs/service-kit/pyproject.toml libs/service-kit/
COPY libs/service-kit-testing/pyproject.toml libs/service-kit-testing/
COPY services/tenant-api/pyproject.toml services/tenant-api/
COPY services/lead-verifier/pyproject.toml services/lead-verifier/
COPY services/provisioner/pyproject.toml services/provisioner/
COPY services/webhook-receiver/pyproject.toml services/webhook-receiver/
COPY services/notifier/pyproject.toml services/notifier/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --package "$SERVICE" --frozen --no-dev --no-editable --no-install-workspace

# Then the shared libs and this service, installed as wheels (not editable) so
# the runtime stage needs only the venv.
COPY libs/ libs/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --package "$SERVICE" --frozen --no-dev --no-editable


FROM run-base AS runtime
ARG SERVICE
ARG MODULE
ARG PORT
COPY --from=builder /app/.venv /app/.venv
# Migrations are run from /app, as from the repository root.
COPY services/${SERVICE}/alembic.ini services/${SERVICE}/
COPY services/${SERVICE}/migrations/ services/${SERVICE}/migrations/
# The notifier's: without SMTP_URL it writes .eml files here, so the app user must own it.
# The other services have no MAIL_DIR setting and ignore it.
RUN mkdir -p /app/var/mail && chown app:app /app/var/mail
# Offboarding exports (tenant-api, provisioner) when EXPORT_URL is a directory: a volume
# mounted here starts owned by the app user.
RUN mkdir -p /exports && chown app:app /exports
ENV MAIL_DIR=/app/var/mail \
    HOST=0.0.0.0 \
    PORT=${PORT} \
    SERVICE_DIR=services/${SERVICE} \
    SERVICE_MODULE=${MODULE} \
    MIGRATE_ON_START=true

USER 10001:10001
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['PORT'] + '/healthz', timeout=3)"]
# MIGRATE_ON_START=true (the default, so `docker run` alone works): create the database if missing
# and migrate this service's schema before serving; concurrent replicas take turns under an
# advisory lock. docker-compose.yml sets it to false: its one-shot `migrate` service has done it.
CMD ["sh", "-c", "if [ \"$MIGRATE_ON_START\" = true ]; then python -m service_kit.dbsetup && alembic -c \"$SERVICE_DIR/alembic.ini\" upgrade head || exit 1; fi; exec python -m \"$SERVICE_MODULE\""]
