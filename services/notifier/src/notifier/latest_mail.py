"""`python -m notifier.latest_mail [N]`: print the newest mail in MAIL_DIR, decoded.

For development without an SMTP server: the `.eml` files are MIME (quoted-printable), this shows
their recipients, subject and plain-text part as a person would read them.
"""

from __future__ import annotations

import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from notifier.settings import NotifierSettings


def newest(directory: Path, count: int) -> list[Path]:
    files = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    return files[:count]


def render(path: Path) -> str:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return f"File:    {path}\nTo:      {message['To']}\nSubject: {message['Subject']}\n\n{text}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else 1
    directory = Path(NotifierSettings().mail_dir)
    files = newest(directory, count)
    if not files:
        print(f"no mail in {directory}/ (is SMTP_URL set? then look in your SMTP server)")
        return 1
    print("\n\n".join(render(f) for f in files))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
