from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from notifier.domain import messages
from notifier.settings import NotifierSettings
from shared_schemas.events import (
    Contact,
    TenantActivatedData,
    TenantOffboardedData,
    TenantProvisioningFailedData,
)

BASE = "http://localhost:3000"
AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
TENANT = uuid.UUID("6f1c1f6e-8d1b-4d55-9a51-3f1c2b7a0c11")
PIPELINE = uuid.UUID("0b7e5a8e-2c4f-4f0a-8a6e-7d4c9b1e2f33")
REASON = "injected fault: credentials\nTraceback: KeyError('api_key') <internal>"


def contact(**over: object) -> Contact:
    values: dict[str, object] = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@cobol.example",
    }
    values.update(over)
    return Contact.model_validate(values)


def activated(**over: object) -> TenantActivatedData:
    values: dict[str, object] = {
        "tenant_id": TENANT,
        "key": "cobol",
        "name": "Compiler Works",
        "app_url": "https://cobol.app.example",
        "contact": contact(),
    }
    values.update(over)
    return TenantActivatedData.model_validate(values)


def failed(**over: object) -> TenantProvisioningFailedData:
    values: dict[str, object] = {
        "tenant_id": TENANT,
        "pipeline_id": PIPELINE,
        "step": "credentials",
        "reason": REASON,
        "contact": contact(),
    }
    values.update(over)
    return TenantProvisioningFailedData.model_validate(values)


def offboarded(**over: object) -> TenantOffboardedData:
    values: dict[str, object] = {"tenant_id": TENANT, "key": "cobol", "contact": contact()}
    values.update(over)
    return TenantOffboardedData.model_validate(values)


def test_welcome_carries_name_key_and_app_url_in_both_parts() -> None:
    mail = messages.render_tenant_welcome(activated(), app_base_url=BASE)
    assert mail.subject == "Welcome aboard: Compiler Works is ready"
    for part in (mail.text, html.unescape(mail.html)):
        assert "Hello Grace," in part
        assert "Compiler Works" in part
        assert "cobol" in part
        assert "https://cobol.app.example" in part
    assert 'href="https://cobol.app.example"' in mail.html


@pytest.mark.parametrize("reported", [None, "", "javascript:alert(1)", "data:text/html,x"])
def test_welcome_falls_back_to_the_base_url_and_key(reported: str | None) -> None:
    data = activated(app_url=reported)
    assert messages.app_url(data, BASE) == "http://localhost:3000/cobol"
    assert messages.app_url(data, BASE + "/") == "http://localhost:3000/cobol"
    mail = messages.render_tenant_welcome(data, app_base_url=BASE)
    assert 'href="http://localhost:3000/cobol"' in mail.html
    assert "javascript" not in mail.html
    assert "http://localhost:3000/cobol" in mail.text


def test_welcome_escapes_the_html_and_keeps_the_subject_on_one_short_line() -> None:
    name = 'Tom & "Jerry" <script>x</script>\r\nBcc: evil@example.com ' + "x" * 300
    mail = messages.render_tenant_welcome(
        activated(name=name, contact=contact(first_name="<b>Ada</b>")), app_base_url=BASE
    )
    assert "<script>" not in mail.html
    assert "Tom &amp; &#34;Jerry&#34; &lt;script&gt;" in mail.html
    assert "&lt;b&gt;Ada&lt;/b&gt;" in mail.html
    assert "Hello <b>Ada</b>," in mail.text
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject
    assert len(mail.subject) <= len("Welcome aboard:  is ready") + 80
    assert mail.subject.startswith('Welcome aboard: Tom & "Jerry" <script>x</script> Bcc:')


def test_failure_notice_to_the_contact_apologises_without_internals() -> None:
    mail = messages.render_provisioning_failed_contact(failed())
    assert mail.subject == "We are sorry: setting up your tenant did not complete"
    for part in (mail.text, html.unescape(mail.html)):
        assert "Hello Grace," in part
        assert "sorry" in part
        assert "working on it" in part
        assert str(TENANT) in part, "a reference to quote to support"
        for internal in ("credentials", "injected", "Traceback", "KeyError", str(PIPELINE)):
            assert internal not in part


def test_failure_alert_to_ops_has_tenant_pipeline_step_and_reason() -> None:
    mail = messages.render_provisioning_failed_ops(failed(), occurred_at=AT)
    assert mail.subject == f"[ops] Provisioning failed: tenant {TENANT}, step credentials"
    for part in (mail.text, html.unescape(mail.html)):
        assert str(TENANT) in part
        assert str(PIPELINE) in part
        assert "credentials" in part
        assert REASON in part
        assert "Grace Hopper <grace@cobol.example>" in part
        assert "2026-03-01 12:30 UTC" in part
    assert "KeyError(&#39;api_key&#39;) &lt;internal&gt;" in mail.html


def test_failure_alert_keeps_an_odd_step_name_out_of_the_subject_lines() -> None:
    mail = messages.render_provisioning_failed_ops(
        failed(step="db\r\nBcc: x@y " + "s" * 200), occurred_at=AT
    )
    assert "\n" not in mail.subject
    assert mail.subject.endswith("...")
    assert len(mail.subject) < 200


def test_offboarding_notice_names_the_key() -> None:
    mail = messages.render_tenant_offboarded(offboarded(), [])
    assert mail.subject == "Your tenant cobol has been offboarded"
    for part in (mail.text, html.unescape(mail.html)):
        assert "Hello Grace," in part
        assert "cobol" in part
        assert "no longer available" in part
        assert "export" not in part  # none was made


def test_offboarding_notice_says_where_the_export_is() -> None:
    where = "/srv/exports/cobol-6f1c/0b7e"
    mail = messages.render_tenant_offboarded(offboarded(), [where])
    for part in (mail.text, html.unescape(mail.html)):
        assert "Fetch it here:" in part
        assert where in part
        assert "MANIFEST.json" in part


def test_offboarding_notice_escapes_the_key_and_the_link_in_html() -> None:
    mail = messages.render_tenant_offboarded(offboarded(key="<i>k</i>"), ["/x/<b>y</b>"])
    assert "<i>k</i>" not in mail.html
    assert "&lt;i&gt;k&lt;/i&gt;" in mail.html
    assert "&lt;b&gt;y&lt;/b&gt;" in mail.html


def test_clip() -> None:
    assert messages.clip("  a \n b ") == "a b"
    assert messages.clip("x" * 10, 10) == "x" * 10
    assert messages.clip("x" * 11, 10) == "x" * 7 + "..."


def test_ops_email_and_app_base_url_settings() -> None:
    settings = NotifierSettings()
    assert settings.ops_email == "ops@controlplane.local"
    assert settings.app_base_url == "http://localhost:3000"
    custom = NotifierSettings(ops_email=" ops@example.com ", app_base_url="https://app.example/")
    assert (custom.ops_email, custom.app_base_url) == ("ops@example.com", "https://app.example")
    for bad in ("Ops <ops@example.com>", "a@b.example, c@d.example", "nobody"):
        with pytest.raises(ValidationError, match="OPS_EMAIL"):
            NotifierSettings(ops_email=bad)
    with pytest.raises(ValidationError, match="APP_BASE_URL"):
        NotifierSettings(app_base_url="javascript:alert(1)")
