"""Readeck's three logins: a pasted API token, the authorization code with PKCE on Readeck's
own page, and a device code approved elsewhere (RFC 8628).

Readeck (0.21 and later) has no client secrets: this program registers itself anew for each
login (dynamic client registration; Readeck forgets the client after 10 minutes, or once a
token is issued), then asks for the ``bookmarks:read bookmarks:write profile:read`` scopes.
Its tokens never expire and have no refresh token; those a sign-in gave are marked
(``issued``) so that only they are revoked at logout. The PKCE verifier and the client id stay
in this object, keyed by the login's handle (the ticket's ``request_token``): they are never
put in a URL. Every token, code and verifier is registered with the log redaction.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from secrets import token_urlsafe
from typing import Any, NamedTuple
from urllib.parse import urlencode

from pocket_companion import __version__
from pocket_companion.errors import (
    CompanionError,
    FieldRejected,
    Forbidden,
    InvalidParams,
    LoginExpired,
    LoginRejected,
    NotAuthenticated,
    ServiceError,
    ServiceUnavailable,
)
from pocket_companion.logs import register_secret
from pocket_companion.services.base import Credentials, DeviceCode, Grant, LoginTicket
from pocket_companion.services.readeck.client import ReadeckClient

SCOPE = "bookmarks:read bookmarks:write profile:read"
AUTH_CODE = "authorization_code"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT = {
    "client_name": "Pocket Companion",
    "client_uri": "https://github.com/pocket-companion",
    "software_id": "0b7f6c1e-3d55-4c47-9d1a-6a2f1f4e8c21",  # this program, for every install
    "software_version": __version__,
}
CLIENT_LIFETIME = 600.0  # Readeck forgets a registered client after 10 minutes
ISSUED = "issued"  # Credentials.extra: "oauth" for a token this program's sign-in got
SLOW_DOWN = 5.0  # seconds added to the polling interval when asked to slow down (RFC 8628)


class _Pending(NamedTuple):
    """What finishing a login needs: kept here, never sent anywhere before its time."""

    client_id: str
    token_path: str
    verifier: str
    redirect_uri: str
    state: str
    started: float


def challenge_of(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class ReadeckLogins:
    """The logins of one Readeck server (see the module's text)."""

    def __init__(self, client: ReadeckClient,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client, self._clock = client, clock
        self._lock = threading.Lock()
        self._logins: dict[str, _Pending] = {}  # by the ticket's handle
        self._devices: dict[str, _Pending] = {}  # by the device code

    # --- a pasted API token ------------------------------------------------------------

    def sign_in(self, secrets: Mapping[str, str]) -> Grant:
        token = (secrets.get("token") or "").strip()
        if not token:
            raise InvalidParams("a Readeck API token is needed here (or sign in on "
                                "Readeck's page instead)")
        register_secret(token)
        try:
            return Grant(self._username(token), Credentials(token))
        except NotAuthenticated:
            raise FieldRejected("token", "Readeck refused this API token") from None
        except Forbidden:
            raise FieldRejected("token", "Readeck accepted this API token but will not say "
                                         "whose it is; give it the Profile permission too"
                                ) from None

    # --- authorization code with PKCE ----------------------------------------------------

    def begin_login(self, redirect_uri: str, state: str) -> LoginTicket:
        paths = self.client.endpoints()
        client_id = self.client.register(paths["registration_endpoint"], {
            **CLIENT, "redirect_uris": [redirect_uri], "grant_types": [AUTH_CODE]})
        verifier = token_urlsafe(64)
        register_secret(verifier)
        query = urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
            "scope": SCOPE, "state": state, "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256"})
        handle = token_urlsafe(24)
        with self._lock:
            self._forget_old()
            self._logins[handle] = _Pending(client_id, paths["token_endpoint"], verifier,
                                            redirect_uri, state, self._clock())
        url = f"{self.client.base_url}{paths['authorization_endpoint']}?{query}"
        return LoginTicket(url, handle)

    def finish_login(self, ticket: LoginTicket, reply: Mapping[str, str]) -> Grant:
        """Exchange the code of the redirect's query (``reply``) for a token. Readeck's
        refusal carries an empty ``code`` beside its ``error``: the error is read first."""
        with self._lock:
            pending = self._logins.pop(ticket.request_token, None)
        if pending is None:
            raise LoginExpired("this Readeck login is no longer under way; start it again")
        error = reply.get("error")
        if error == "access_denied":
            raise LoginRejected("the app was not authorized on Readeck's page")
        if error:
            raise ServiceError(f"Readeck refused the login ({error}: "
                               f"{reply.get('error_description') or 'no details'})")
        if reply.get("state", pending.state) != pending.state:
            raise ServiceError("Readeck's answer belongs to another login (state)")
        code = reply.get("code") or ""
        if not code:
            raise ServiceError("Readeck's answer to the login has no authorization code")
        register_secret(code)
        status, data = self.client.oauth(pending.token_path, {
            "grant_type": AUTH_CODE, "code": code, "code_verifier": pending.verifier,
            "client_id": pending.client_id, "redirect_uri": pending.redirect_uri})
        return self._granted(status, data)

    # --- device code ---------------------------------------------------------------------

    def begin_device(self) -> DeviceCode:
        paths = self.client.endpoints()
        client_id = self.client.register(paths["registration_endpoint"], {
            **CLIENT, "grant_types": [DEVICE_GRANT]})
        data = self.client.device(paths["device_authorization_endpoint"], client_id, SCOPE)
        device_code, user_code = _text(data, "device_code"), _text(data, "user_code")
        uri = _text(data, "verification_uri")
        register_secret(device_code)
        complete = data.get("verification_uri_complete")
        with self._lock:
            self._forget_old()
            self._devices[device_code] = _Pending(client_id, paths["token_endpoint"], "", "",
                                                  "", self._clock())
        return DeviceCode(user_code, uri, complete if isinstance(complete, str) else uri,
                          _seconds(data.get("expires_in"), 300.0),
                          _seconds(data.get("interval"), 5.0), device_code)

    def poll_device(self, code: DeviceCode) -> Grant | DeviceCode:
        """The grant once approved; while not answered, the code to poll with next (its
        interval 5 s longer when Readeck asked to slow down)."""
        with self._lock:
            pending = self._devices.get(code.device_code)
        if pending is None:
            raise LoginExpired("this device login is no longer under way; start it again")
        status, data = self.client.oauth(pending.token_path, {
            "grant_type": DEVICE_GRANT, "device_code": code.device_code,
            "client_id": pending.client_id})
        error = data.get("error")
        if error == "authorization_pending":
            return code
        if error == "slow_down":
            return code._replace(interval=code.interval + SLOW_DOWN)
        with self._lock:
            self._devices.pop(code.device_code, None)
        if error == "access_denied":
            raise LoginRejected("the code was refused on Readeck's page")
        if error == "expired_token":
            raise LoginExpired("the code expired before it was approved; start the login again")
        return self._granted(status, data)

    # --- after a login ---------------------------------------------------------------------

    def revoke(self, creds: Credentials) -> None:
        """Ask Readeck to forget a token its sign-in gave (best effort: the caller forgets it
        anyway). A pasted API token is left alone: the person made it, maybe for more than
        this program, and removes it in Readeck when they want to."""
        if creds.get(ISSUED) != "oauth":
            return
        try:
            path = self.client.endpoints()["revocation_endpoint"]
            self.client.revoke(path, creds.secret)
        except CompanionError:
            return

    def _granted(self, status: int, data: Mapping[str, Any]) -> Grant:
        """The grant of a token endpoint's answer, or the error it says."""
        error = data.get("error")
        if error == "invalid_grant":
            raise LoginExpired("Readeck refused the authorization (expired or already used); "
                               "start the login again")
        if error in ("invalid_client", "unauthorized_client"):
            raise LoginExpired("Readeck no longer knows this login (it forgets it after 10 "
                               "minutes); start it again")
        if error:
            raise ServiceError(f"Readeck refused the login ({error}: "
                               f"{data.get('error_description') or 'no details'})")
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ServiceUnavailable(f"Readeck's answer ({status}) has no access token",
                                     sent=True)
        register_secret(token)
        return Grant(self._username(token), Credentials(token, extra=((ISSUED, "oauth"),)))

    def _username(self, token: str) -> str:
        user = self.client.profile(token).get("user")
        name = user.get("username") if isinstance(user, dict) else None
        if not isinstance(name, str) or not name:
            raise ServiceUnavailable("Readeck's profile has no user name", sent=True)
        return name

    def _forget_old(self) -> None:
        """Drop logins whose client Readeck has forgotten by now (called with the lock)."""
        oldest = self._clock() - CLIENT_LIFETIME
        for table in (self._logins, self._devices):
            for key in [k for k, p in table.items() if p.started < oldest]:
                del table[key]


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ServiceUnavailable(f"Readeck's device code answer has no {name}", sent=True)
    return value


def _seconds(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and value > 0 else default
