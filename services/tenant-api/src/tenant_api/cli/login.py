"""`tenantctl login|logout|whoami`: an operator's session at the OpenID provider.

`login` uses the device authorization grant (RFC 8628): tenantctl shows an address and a code,
the operator approves in any browser, and tenantctl polls the token endpoint meanwhile. Nothing
listens on a local port and no password passes through tenantctl.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from tenant_api.cli import oauth, session
from tenant_api.cli.config import CliError, settings
from tenant_api.cli.device_polling import Polling
from tenant_api.cli.signed_in import from_tokens


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = commands.add_parser(
        "login",
        help="sign in at the OpenID provider (device flow); later commands use that session",
        description="Sign in at OIDC_ISSUER with the public client OIDC_CLI_CLIENT_ID through "
        "the device flow: open the address shown, approve the code, and the session is saved "
        "(0600) to $XDG_CONFIG_HOME/tenantctl/credentials.json.",
    )
    login.set_defaults(run=_login)
    logout = commands.add_parser(
        "logout", help="revoke the session's refresh token at the provider and forget it"
    )
    logout.set_defaults(run=_logout)
    whoami = commands.add_parser("whoami", help="who the saved session signs in as (no tokens)")
    whoami.set_defaults(run=_whoami)


def _login(args: argparse.Namespace) -> None:
    config = settings()
    issuer, client_id = config.oidc_issuer, config.oidc_cli_client_id
    if not issuer or not client_id:
        raise CliError(
            "tenantctl login needs OIDC_ISSUER (the OpenID provider's issuer URL) and "
            "OIDC_CLI_CLIENT_ID (tenantctl's public client there, allowed the device flow)"
        )
    metadata = oauth.discover(issuer)
    device_url = oauth.endpoint(metadata, "device_authorization_endpoint")
    token_url = oauth.endpoint(metadata, "token_endpoint")
    if device_url is None or token_url is None:
        raise CliError(f"{issuer} announces no device flow (device_authorization_endpoint)")
    device = oauth.authorize_device(device_url, client_id, config.oidc_cli_scopes)
    _show(device)
    try:
        tokens = _await_approval(token_url, client_id, device)
    except KeyboardInterrupt:
        raise CliError("sign-in abandoned") from None
    saved = from_tokens(tokens, issuer, client_id, config)
    session.save(saved)
    role = saved.role or "no role this control plane knows: the gateway will refuse it"
    print(f"signed in as {saved.sub or '?'} ({role}); session in {session.path()}", file=sys.stderr)


def _show(device: oauth.DeviceAuthorization) -> None:
    print(
        f"To sign in, open {device.verification_uri} and enter the code {device.user_code}",
        file=sys.stderr,
    )
    if device.verification_uri_complete:
        print(f"or open {device.verification_uri_complete}", file=sys.stderr)


def _await_approval(
    token_url: str, client_id: str, device: oauth.DeviceAuthorization
) -> dict[str, Any]:
    form = {"grant_type": oauth.DEVICE_CODE_GRANT, "device_code": device.device_code}
    polling = Polling.start(device.interval, device.expires_in, time.monotonic())
    progress = _Progress(polling.deadline)
    try:
        while True:
            progress.show(time.monotonic())
            # §3.5: wait the interval before every request, the first one included.
            time.sleep(polling.interval)
            try:
                answer = oauth.request_tokens(token_url, {**form, "client_id": client_id})
            except oauth.Unreachable:
                polling = polling.unanswered(time.monotonic())
                continue
            if not isinstance(answer, oauth.Refusal):
                return answer
            polling = polling.after(answer.error, answer.description, time.monotonic())
    finally:
        progress.end()


class _Progress:
    """One line while waiting: rewritten in place on a terminal, written once elsewhere."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self._live = sys.stderr.isatty()
        self._shown = False

    def show(self, now: float) -> None:
        left = max(int(self._deadline - now), 0)
        if self._live:
            print(
                f"\rwaiting for the approval ({left // 60}:{left % 60:02d} left) ",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif not self._shown:
            print(f"waiting for the approval (the code expires in {left} s)", file=sys.stderr)
        self._shown = True

    def end(self) -> None:
        if self._live and self._shown:
            print(file=sys.stderr)


def _logout(args: argparse.Namespace) -> None:
    saved = session.load()
    if saved is None:
        session.remove()  # an unreadable file is no session either
        print("not signed in", file=sys.stderr)
        return
    # Forgotten here whatever the provider answers: what is left to do is at the provider.
    try:
        url = oauth.endpoint(oauth.discover(saved.issuer), "revocation_endpoint")
        if url and saved.refresh_token:
            oauth.revoke(url, saved.client_id, saved.refresh_token, "refresh_token")
    except CliError as exc:
        session.remove()
        raise CliError(f"signed out here, but the provider may still honour it: {exc}") from exc
    session.remove()
    if url is None:
        print(
            f"signed out here; {saved.issuer} announces no revocation endpoint, so its tokens"
            " stay valid until they expire",
            file=sys.stderr,
        )
        return
    print(f"signed out ({saved.sub or '?'} at {saved.issuer})", file=sys.stderr)


def _whoami(args: argparse.Namespace) -> None:
    saved = session.load()
    if saved is None:
        raise CliError("not signed in: run `tenantctl login`")
    now = session.now()
    if saved.expires_at is None:
        expiry = "unknown"
    elif saved.expires_at <= now:
        expiry = f"{saved.expires_at:%Y-%m-%d %H:%M:%S %Z} (expired; refreshed on the next command)"
    else:
        minutes = int((saved.expires_at - now).total_seconds() // 60)
        expiry = f"{saved.expires_at:%Y-%m-%d %H:%M:%S %Z} (in {minutes} min)"
    for label, value in (
        ("sub", saved.sub or "?"),
        ("role", saved.role or "none this control plane knows"),
        ("issuer", saved.issuer),
        ("client", saved.client_id),
        ("expires", expiry),
    ):
        print(f"{label:<8} {value}")
    current = settings().oidc_issuer
    if current != saved.issuer:
        print(
            f"tenantctl: OIDC_ISSUER is {current or 'unset'}: commands do not use this session",
            file=sys.stderr,
        )
