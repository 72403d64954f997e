# The control plane's everyday commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv comes from PATH, else from a private venv in .tools/ (installed from PyPI on first use).
UV ?= $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
SERVICES := tenant-api lead-verifier provisioner webhook-receiver notifier

.PHONY: help bootstrap sync browser identity-provider k8s-tools k8s-check wrk ha-packages ha ha-down run bench chaos test lint fmt typecheck migrate schemas clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}'

bootstrap: ## Install uv if it is missing
	@if [ ! -x "$(UV)" ]; then \
		echo "[make] uv not found; installing it into .tools/ from PyPI"; \
		python3 -m venv .tools && .tools/bin/pip install --quiet --disable-pip-version-check uv; \
		echo "[make] uv is $(CURDIR)/.tools/bin/uv, not on your PATH; in a shell of your own:"; \
		echo "[make]   export PATH=\"\$$PATH:$(CURDIR)/.tools/bin\""; \
	fi

sync: bootstrap ## Install every package of the workspace (locked versions)
	@$(UV) sync --frozen --quiet

# $(call apt_install,MISSING,WHAT,DEBIAN'S,PACKAGES,OTHERWISE): when the shell test MISSING holds,
# install Debian's PACKAGES with apt-get; where there is none, say OTHERWISE and fail.
define apt_install
	@if $(1); then \
		if command -v apt-get >/dev/null 2>&1; then \
			echo "[make] $(2) not found; installing Debian's $(3)"; \
			SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $(4) >/dev/null; \
		else \
			echo "[make] $(2) not found and no apt-get here: $(5)" >&2; exit 1; \
		fi; \
	fi
endef

# The console's browser tests drive the system's Chromium; Debian's package provides it.
CHROMIUM ?= /usr/bin/chromium
browser: ## Install Chromium for the browser tests if it is missing (Debian/Ubuntu: apt-get)
	$(call apt_install,[ ! -x "$(CHROMIUM)" ],$(CHROMIUM),chromium package,chromium,install Chromium and set CHROMIUM=/path/to/chromium)

# The identity tests run a real OpenID provider (npm's oidc-provider) under Node.
IDP_DIR := libs/service-kit-testing/identity-provider
identity-provider: ## Install Node.js (Debian/Ubuntu: apt-get) and the tests' OpenID provider if missing
	$(call apt_install,! command -v npm >/dev/null 2>&1,Node.js with npm,nodejs and npm packages,nodejs npm,install Node.js 20+ with npm)
	@if [ ! -d "$(IDP_DIR)/node_modules/oidc-provider" ]; then \
		echo "[make] installing the tests' OpenID provider (npm ci in $(IDP_DIR))"; \
		npm ci --prefix "$(IDP_DIR)" --no-audit --no-fund --loglevel=error; \
	fi

# The Kubernetes manifests are checked offline (deploy/checks/): kustomize renders them (kubectl
# 1.27+ embeds it), checkov runs as a uv tool in .tools/ (its pinned dependencies clash with ours).
CHECKOV_VERSION := 3.3.30
k8s-tools: bootstrap ## Install checkov for the manifest checks; say what to do if kustomize is missing
	@command -v kustomize >/dev/null 2>&1 || command -v kubectl >/dev/null 2>&1 || [ -n "$$KUSTOMIZE" ] || { \
		echo "[make] neither kustomize nor kubectl found: install kubectl 1.27+ (it embeds kustomize v5)" >&2; \
		echo "[make]   or kustomize v5 (https://kubectl.docs.kubernetes.io/installation/kustomize/)," >&2; \
		echo "[make]   or set KUSTOMIZE=/path/to/kustomize" >&2; exit 1; }
	@if [ ! -x .tools/bin/checkov ] || ! grep -qF '"==$(CHECKOV_VERSION)"' .tools/uv-tools/checkov/uv-receipt.toml 2>/dev/null; then \
		echo "[make] installing checkov $(CHECKOV_VERSION) into .tools/ (uv tool)"; \
		UV_TOOL_DIR=$(CURDIR)/.tools/uv-tools UV_TOOL_BIN_DIR=$(CURDIR)/.tools/bin \
			$(UV) tool install --quiet --force "checkov==$(CHECKOV_VERSION)"; \
	fi

k8s-check: sync k8s-tools ## Render every Kubernetes overlay and check it offline (schemas, checkov, alerts, Dockerfile)
	@$(UV) run --frozen python -m deploy.checks

run: sync ## Set up and run all five services with prefixed logs until Ctrl-C
	@$(UV) run --frozen python deploy/local_run.py

# The HA stack (deploy/ha/) runs Patroni with etcd; Debian's packages provide them. The
# connection-budget test puts PgBouncer (transaction mode) in front of the suite's database.
PGBOUNCER ?= /usr/sbin/pgbouncer
ha-packages: ## Install etcd, Patroni and PgBouncer for the HA stack and its tests if missing (Debian/Ubuntu: apt-get)
	$(call apt_install,! command -v etcd >/dev/null 2>&1 || ! command -v patroni >/dev/null 2>&1 || [ ! -x "$(PGBOUNCER)" ],etcd or patroni or pgbouncer,etcd-server patroni and pgbouncer packages,etcd-server patroni pgbouncer,install etcd (3.4+) Patroni (3.0+) and PgBouncer (1.18+))

ha: sync ha-packages ## Start the HA stack in var/ha/ (3 RabbitMQ, Patroni x2 + etcd, Redis + sentinels, services x2)
	@$(UV) run --frozen python -m deploy.ha up

ha-down: ## Stop everything `make ha` started; HA_WIPE=1 also removes var/ha/
	@$(UV) run --frozen python -m deploy.ha down

# The HTTP scenarios of `make bench` are driven by wrk; Debian's package provides it.
WRK ?= /usr/bin/wrk
wrk: ## Install wrk for the benchmarks if it is missing (Debian/Ubuntu: apt-get)
	$(call apt_install,[ ! -x "$(WRK)" ],$(WRK),wrk package,wrk,install wrk and set WRK=/path/to/wrk)

BENCH_ARGS ?=
bench: sync wrk ## Benchmark the five services (results and charts in bench/results/); BENCH_ARGS="--only config --duration 10"
	@$(UV) run --frozen python -m bench --wrk $(WRK) $(BENCH_ARGS)

CHAOS_ARGS ?=
chaos: sync ha-packages ## Faults while tenants go through the saga (local, single-node, HA), judged by an oracle (var/chaos/); CHAOS_ARGS="--target ha --tenants 6"
	@$(UV) run --frozen python -m chaos $(CHAOS_ARGS)

test: sync browser identity-provider ha-packages k8s-tools wrk ## Set up and run the whole suite: lint, types, then every test
	@$(MAKE) --no-print-directory lint typecheck
	@$(UV) run --frozen pytest -q

lint: sync ## ruff: lint and format check
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check --quiet .

fmt: sync ## ruff: fix what can be fixed and format
	@$(UV) run --frozen ruff check --fix --quiet .
	@$(UV) run --frozen ruff format --quiet .

typecheck: sync ## mypy (strict) over every package
	@$(UV) run --frozen mypy

migrate: sync ## Create the database if needed and migrate every service
	@$(UV) run --frozen python deploy/local_run.py --migrate-only

schemas: sync ## Export every event's JSON Schema into docs/events/
	@$(UV) run --frozen python -m shared_schemas.export docs/events

clean: ## Remove caches and local mail (keeps .venv)
	rm -rf .pytest_cache .mypy_cache .ruff_cache var/mail
