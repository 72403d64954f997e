"""Offline checks of the Kubernetes manifests and the Dockerfile: `python -m deploy.checks`.

Every overlay under deploy/k8s/overlays/ is rendered with kustomize, then each object is checked
against the Kubernetes API's schemas (built-in kinds) or its operator's schema (the operators'
kinds, kept in tests/data/crd-schemas/), by checkov's policies, and the alert rules' PromQL and
runbook links are read. The Dockerfile goes through hadolint. No cluster is needed.
"""
