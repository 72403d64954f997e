from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from notifier.adapters.mailer import MaildirMailer, SmtpMailer, SmtpTarget, eml_filename
from notifier.settings import NotifierSettings


def test_smtp_url_plain_with_default_port() -> None:
    target = SmtpTarget.from_url("smtp://127.0.0.1")
    assert (target.hostname, target.port, target.use_tls, target.start_tls) == (
        "127.0.0.1",
        25,
        False,
        None,
    )
    assert target.username is None


def test_smtp_url_587_requires_starttls_and_keeps_the_password_out_of_repr() -> None:
    target = SmtpTarget.from_url("smtp://mailer:p%40ss@mail.example:587")
    assert (target.port, target.start_tls, target.use_tls) == (587, True, False)
    assert (target.username, target.password) == ("mailer", "p@ss")
    assert "p@ss" not in repr(target)
    assert "p@ss" not in repr(SmtpMailer(target, timeout=1))


def test_smtps_url_is_implicit_tls_on_465() -> None:
    target = SmtpTarget.from_url("smtps://mail.example")
    assert (target.port, target.use_tls, target.start_tls) == (465, True, None)


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpTarget.from_url(url)


def test_eml_filename_is_safe() -> None:
    assert eml_filename("<lead_verification.abc@cp.example>") == "lead_verification.abc.eml"
    assert eml_filename("<../../etc/passwd@x>") == "_.._etc_passwd.eml"
    with pytest.raises(ValueError, match="Message-ID"):
        eml_filename("<>")
    with pytest.raises(ValueError, match="Message-ID"):
        eml_filename("")


async def test_maildir_writes_one_file_per_message_id_creating_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "not" / "yet"
    mailer = MaildirMailer(folder)
    message = EmailMessage()
    message["Message-ID"] = "<lead_verification.1@cp.example>"
    message["Subject"] = "hello"
    message.set_content("body")
    await mailer.send(message)
    await mailer.send(message)
    assert [p.name for p in folder.iterdir()] == ["lead_verification.1.eml"]
    stored = message_from_bytes(
        (folder / "lead_verification.1.eml").read_bytes(), policy=policy.default
    )
    assert stored["Subject"] == "hello"


async def test_maildir_files_are_private(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Message-ID"] = "<x@cp.example>"
    message.set_content("the secret link")
    await MaildirMailer(tmp_path).send(message)
    assert (tmp_path / "x.eml").stat().st_mode & 0o777 == 0o600


def test_blank_smtp_url_means_the_mail_folder() -> None:
    assert NotifierSettings(smtp_url="").smtp_url is None
    assert NotifierSettings(smtp_url="  ").smtp_url is None
