"""README's "The flow, by hand", run as written through bash, on a machine where `make run`
installed uv into `.tools/bin/` and nothing put it on the PATH."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from service_kit_testing import TestInfra

from .conftest import ROOT, Stack, running_stack
from .saga_client import admin_headers

pytestmark = pytest.mark.e2e

README_GATEWAY = "localhost:8000"


def flow_steps() -> dict[int, str]:
    """The shell block of "The flow, by hand", split at its numbered comments."""
    section = (ROOT / "README.md").read_text().split("\n## The flow, by hand\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    before, *parts = re.split(r"^# (\d+)\. ", block, flags=re.MULTILINE)
    assert not before.strip(), "every line of the block belongs to a numbered step"
    steps = {int(n): f"# {n}. {text}" for n, text in zip(parts[::2], parts[1::2], strict=True)}
    assert list(steps) == list(range(9)), "the flow's steps are numbered 0 to 8"
    return steps


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def file_mail_stack(
    infra: TestInfra, mail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """`make run`'s defaults: no SMTP_URL, so mail is written as files (here into a folder of
    the test's own, so a running `make run`'s var/mail/ is left alone)."""
    # Its own Redis prefix: the per-address sign-up limit (10 a minute, as in the README) must
    # not count the sign-ups other stacks of this run made from the same address.
    settings = {
        "SMTP_URL": "",
        "MAIL_DIR": str(mail_dir),
        "EXPORT_URL": tmp_path_factory.mktemp("exports").as_uri(),
        "REDIS_KEY_PREFIX": f"cp-test-{infra.run_id}:readme:",
    }
    with running_stack(infra, "readme", settings) as stack:
        yield stack


@pytest.fixture(scope="module")
def uv_in_tools_only() -> Iterator[str]:
    """A PATH without uv, and uv at `.tools/bin/uv` as `make bootstrap` leaves it."""
    tools_uv = ROOT / ".tools" / "bin" / "uv"
    created: list[Path] = []
    if not tools_uv.exists():
        real = os.environ.get("UV") or shutil.which("uv")
        assert real, "the test needs uv somewhere to stand in for make's .tools/bin/uv"
        for folder in (tools_uv.parent.parent, tools_uv.parent):
            if not folder.exists():
                folder.mkdir()
                created.insert(0, folder)
        tools_uv.symlink_to(real)
        created.insert(0, tools_uv)
    # A newcomer's shell: no uv on PATH, no activated virtualenv of the workspace.
    path = os.pathsep.join(
        entry
        for entry in os.environ["PATH"].split(os.pathsep)
        if entry
        and not (Path(entry) / "uv").exists()
        and not Path(entry).resolve().is_relative_to(ROOT)
    )
    assert shutil.which("uv", path=path) is None
    try:
        yield path
    finally:
        for made in created:
            if made.is_dir():
                made.rmdir()
            else:
                made.unlink()


class Terminal:
    """One step after another in bash, as a person types them: shell variables (and `export`s)
    carry over; a failing command stops the step (`-e -u -o pipefail`)."""

    def __init__(self, env: dict[str, str], state: Path, names: list[str]) -> None:
        self.env, self.state, self.names = env, state, names
        state.write_text("")

    def run(self, step: str) -> str:
        save = f'for v in {" ".join(self.names)}; do [ -z "${{!v+x}}" ] || declare -p "$v"; done'
        script = f"source {self.state}\n{step}\n{save} > {self.state}\n"
        done = subprocess.run(
            ["bash", "-e", "-u", "-o", "pipefail", "-c", script],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )
        assert done.returncode == 0, f"{step}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        return done.stdout

    def value(self, name: str) -> str:
        found = re.search(rf'^declare -\S+ {name}="(.*)"$', self.state.read_text(), re.MULTILINE)
        assert found, f"{name} is not set"
        return found[1]


def mails(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout:.0f}s: {what}"
        time.sleep(0.2)


def subjects_to(folder: Path, recipient: str) -> list[str]:
    return [str(m["Subject"]) for m in mails(folder) if recipient in str(m["To"])]


def test_the_readme_flow_runs_as_written_with_uv_only_in_tools(
    file_mail_stack: Stack, mail_dir: Path, uv_in_tools_only: str, infra: TestInfra, tmp_path: Path
) -> None:
    stack = file_mail_stack
    steps = flow_steps()
    block = "".join(steps.values())
    # Only the gateway's address is the test's own: the stack runs on free ports, not 8000.
    assert README_GATEWAY in block
    steps = {
        n: s.replace(README_GATEWAY, stack.gateway.removeprefix("http://"))
        for n, s in steps.items()
    }
    assert "8000" not in "".join(steps.values())
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV") and k != "VIRTUAL_ENV"}
    env |= {"PATH": uv_in_tools_only, "GATEWAY_URL": stack.gateway, "MAIL_DIR": str(mail_dir)}
    env.pop("SMTP_URL", None)
    names = sorted({"PATH", *re.findall(r"\b([A-Z][A-Z0-9_]*)=", block)})
    assert {"LEAD", "CODE", "TOKEN", "TENANT", "ADMIN"} <= set(names)
    shell = Terminal(env, tmp_path / "state.sh", names)
    ada = "ada@engines.example"

    shell.run(steps[0])
    assert shell.value("PATH").endswith(f"{ROOT}/.tools/bin")

    signed_up = json.loads(shell.run(steps[1]))
    assert "id" in signed_up, signed_up  # a problem answer, shown whole
    lead_id = signed_up["id"]

    wait_for("the verification e-mail", lambda: bool(subjects_to(mail_dir, ada)))
    read = shell.run(steps[2])
    assert f"To:      Ada Lovelace <{ada}>" in read
    assert "Subject: Confirm your e-mail address for Analytical Engines" in read
    assert shell.value("LEAD") == lead_id
    assert shell.value("CODE")

    shell.run(steps[3])
    assert shell.value("TOKEN").count(".") == 2, "a JWT"

    onboarded = shell.run(steps[4])
    tenant_id = shell.value("TENANT")
    assert tenant_id in onboarded
    assert "PENDING_PROVISION" in onboarded
    assert "engines" in onboarded

    provisioned = shell.run(steps[5])
    for step in ("preflight", "database", "credentials", "infrastructure", "billing"):
        assert step in provisioned
    assert "SUCCEEDED" in provisioned
    wait_for(
        "the welcome e-mail",
        lambda: any(s.startswith("Welcome aboard") for s in subjects_to(mail_dir, ada)),
    )

    looked = shell.run(steps[6])
    assert "ACTIVE" in looked
    assert "tenant.activated" in looked, "the timeline"
    assert '"status":"PENDING"' in looked.replace(" ", ""), "the first invoice"
    assert f'"tenantId":"{tenant_id}","apiKey":"' in looked.replace(" ", ""), "the first API key"
    checked, refused = looked.index('"active":true'), looked.index('"reason":"revoked"')
    assert checked < refused, "a key made, checked, revoked, refused"
    assert f'"tenantId":"{tenant_id}","tenantKey":"engines"' in looked
    assert '"scopes":["orders:read"]' in looked
    assert shell.value("KEY").startswith("cpk_")

    lived = shell.run(steps[7]).replace(" ", "")
    suspended, reactivated = lived.index('"SUSPENDED"'), lived.rindex('"ACTIVE"')
    assert suspended < reactivated

    offboarding = shell.run(steps[8])
    compact = offboarding.replace(" ", "")
    scheduled, restored = compact.index('"OFFBOARDING_SCHEDULED"'), compact.rindex('"ACTIVE"')
    assert scheduled < restored
    assert f"{tenant_id} is DEPROVISIONING: exporting, then removing" in offboarding
    with httpx.Client(base_url=stack.gateway, headers=admin_headers(infra), timeout=10) as gw:
        wait_for(
            "the tenant offboarded",
            lambda: gw.get(f"/tenants/{tenant_id}").json()["status"] == "OFFBOARDED",
        )
        (export,) = gw.get(f"/tenants/{tenant_id}/exports").json()["items"]
        assert export["status"] == "COMPLETE"
    wait_for(
        "the offboarding e-mail",
        lambda: any("offboarded" in s for s in subjects_to(mail_dir, ada)),
    )
