"""What each script's tenant must have left behind: pure, from the script alone."""

from __future__ import annotations

from collections.abc import Sequence

from chaos.workload import Ending, Run, Script


def expected_resources(script: Script) -> dict[str, int]:
    """Counts the oracle compares with what exists (anything not named: none)."""
    if script.ending is Ending.ACTIVE:
        resources = {
            "live api key": 1,
            "active subscription": 1,
            "ledger api_key CREATED": 1,
            "ledger subscription CREATED": 1,
            # Silo or pooled, the tenant's own login role.
            "role": 1,
            "ledger role CREATED": 1,
        }
        if script.tier == "silo":
            resources |= {"schema": 1, "ledger schema CREATED": 1}
        else:
            resources |= {
                "pooled row": 1,
                "policy": 1,
                "ledger pooled_tenant CREATED": 1,
                "ledger policy CREATED": 1,
            }
    else:
        resources = {}
    # The first invoice is kept after offboarding; a pipeline that never billed has none.
    if script.ending in (Ending.ACTIVE, Ending.OFFBOARDED):
        resources["invoice"] = 1
    resources["pipeline"] = 1
    return resources


def expected_mail(
    runs: Sequence[Run], probes: Sequence[str], ops: str
) -> dict[str, dict[str, int]]:
    """E-mails by recipient and kind: a verification per sign-up, then what its ending sends."""
    expected: dict[str, dict[str, int]] = {p.lower(): {"lead_verification": 1} for p in probes}
    for run in runs:
        if run.email is None:
            continue
        kinds = {"lead_verification": 1}
        ending = run.script.ending
        if ending in (Ending.ACTIVE, Ending.OFFBOARDED):
            kinds["tenant_welcome"] = 1
        if ending is Ending.OFFBOARDED:
            kinds["tenant_offboarded"] = 1
        if ending is Ending.PROVISION_FAILED:
            kinds["provisioning_failed_contact"] = 1
            expected[f"{ops}#{run.tenant_id}"] = {"provisioning_failed_ops": 1}
        expected[run.email.lower()] = kinds
    return expected
