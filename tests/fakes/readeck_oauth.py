"""The OAuth 2 side of the fake Readeck (:mod:`tests.fakes.readeck`), as Readeck 0.21+ has it:

- ``/.well-known/oauth-authorization-server``: the metadata document;
- ``POST /api/oauth/client``: dynamic registration (201, a ``urn:uuid:`` client id). A
  ``client_uri`` must be https with a host that is not this machine or a private network
  (Readeck resolves the name; the fake only looks at it); ``redirect_uris`` (needed for the
  code flow) may be https with a host, http ONLY on a loopback IP literal, or a custom
  scheme. A client lives 10 minutes, and is forgotten once its code gave a token or the
  person denied it;
- ``/authorize``: not signed in, a 303 to ``/login`` (an HTML form: ``username``,
  ``password``, a "Sign in" button; it sets a session cookie and goes back); then a consent
  page with "Authorize" and "Deny" buttons; then a 302 to ``redirect_uri`` with its own
  query kept and ``code``/``state`` set (a denial: ``code`` empty, ``error=access_denied``,
  ``error_description=access+denied``). ``auto_approve`` skips the pages;
- ``POST /api/oauth/token``: the code (10 minutes, single use, PKCE S256 checked) or the
  device code (``authorization_pending``; ``slow_down`` when polled faster than the
  interval; ``access_denied``; ``expired_token`` after ``expires_in``); a token is 201
  ``{id, access_token, token_type, scope}``, with no expiry and no refresh token;
- ``POST /api/oauth/device`` and the ``/device`` page where the person types the code and
  approves or denies it (``approve_device``/``deny_device`` do it from the test);
- ``POST /api/oauth/revoke`` ``{"token"}``, authenticated with that same token: 200 ``{}``.

OAuth errors are ``{"error", "error_description"}``, 400 (``invalid_client``: 401).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import ipaddress
import secrets
import uuid
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tests.fakes.base import HttpError, Reply, Request

if TYPE_CHECKING:
    from tests.fakes.readeck import FakeReadeck

AUTH_CODE = "authorization_code"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
OAUTH_ERRORS = frozenset({
    "access_denied", "authorization_pending", "expired_token", "invalid_client",
    "invalid_client_metadata", "invalid_grant", "invalid_redirect_uri", "invalid_request",
    "invalid_scope", "server_error", "slow_down", "unauthorized_client"})
LIFETIME = 600.0  # a client, and a code: 10 minutes
DEVICE_LIFETIME = 300.0
USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"
HTML = "text/html; charset=utf-8"
_YES = frozenset({"true", "1", "on", "yes"})


@dataclasses.dataclass
class Client:
    client_id: str
    name: str
    redirect_uris: list[str]
    grant_types: list[str]
    expires: float
    record: dict[str, Any]


@dataclasses.dataclass
class Code:
    client_id: str
    username: str
    scopes: list[str]
    challenge: str
    expires: float
    used: bool = False


@dataclasses.dataclass
class Device:
    client_id: str
    device_code: str
    scopes: list[str]
    expires: float
    last_checked: float
    status: str = "pending"  # granted, denied
    username: str = ""
    token: str = ""


def redirect_ok(uri: str) -> bool:
    """Readeck's rule for a redirect URI (see the module's text)."""
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme == "http":
        try:
            return ipaddress.ip_address(parts.hostname or "").is_loopback
        except ValueError:
            return False
    return bool(parts.scheme)


def client_uri_ok(uri: str) -> bool:
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host == "localhost" or host.endswith(".local"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private)


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None
         ) -> Reply:
    """A plain HTML5 page, as a browser engine can fill in and submit."""
    text = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{html.escape(title)} - Readeck</title>\n</head>\n<body>\n<main>\n'
            f'<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n')
    return Reply(status, text, headers or {}, HTML)


def moved(status: int, location: str, headers: dict[str, str] | None = None) -> Reply:
    """A redirect (302 back to an app, 303 between pages) with an empty body."""
    return Reply(status, "", {"Location": location, **(headers or {})},
                 "text/plain; charset=utf-8")


def hidden(fields: dict[str, str]) -> str:
    return "\n".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())


def choice_buttons() -> str:
    return ('<p><button type="submit" name="granted" value="true" id="authorize">Authorize'
            '</button>\n<button type="submit" name="granted" value="false" id="deny">Deny'
            '</button></p>')


class ReadeckOAuth:
    """The OAuth state and routes of one :class:`~tests.fakes.readeck.FakeReadeck`."""

    def __init__(self, fake: FakeReadeck, *, auto_approve: bool, device_interval: float
                 ) -> None:
        self.fake, self.auto_approve, self.device_interval = fake, auto_approve, device_interval
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.devices: dict[str, Device] = {}  # by user code
        self.sessions: dict[str, str] = {}  # session cookie -> user name

    def routes(self) -> None:
        route = self.fake.route
        route("GET", "/.well-known/oauth-authorization-server", self._metadata)
        route("POST", "/api/oauth/client", self._register)
        route("POST", "/api/oauth/token", self._token)
        route("POST", "/api/oauth/device", self._device)
        route("POST", "/api/oauth/revoke", self._revoke)
        for method in ("GET", "POST"):
            route(method, "/authorize", self._authorize)
            route(method, "/login", self._login)
            route(method, "/device", self._device_page)

    # --- the test's side ---------------------------------------------------------------

    def approve_device(self, user_code: str, username: str = "alice") -> None:
        with self.fake.lock:
            device = self.devices[user_code]
            device.status, device.username = "granted", username

    def deny_device(self, user_code: str) -> None:
        with self.fake.lock:
            self.devices[user_code].status = "denied"

    # --- metadata and clients ------------------------------------------------------------

    def _metadata(self, request: Request) -> Reply:
        base = self.fake.base_url
        return Reply(200, {
            "issuer": base, "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/api/oauth/token",
            "device_authorization_endpoint": f"{base}/api/oauth/device",
            "registration_endpoint": f"{base}/api/oauth/client",
            "revocation_endpoint": f"{base}/api/oauth/revoke",
            "grant_types_supported": [AUTH_CODE, DEVICE], "response_types_supported": ["code"],
            "scopes_supported": ["bookmarks:read", "bookmarks:write", "profile:read"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["bearer"]})

    def _register(self, request: Request) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        grants = body.get("grant_types") or [AUTH_CODE, DEVICE]
        uris = body.get("redirect_uris") or []
        if not isinstance(uris, list) or not all(isinstance(u, str) and len(u) <= 256
                                                 and redirect_ok(u.strip()) for u in uris):
            raise HttpError(400, "invalid_redirect_uri", "invalid URL")
        if AUTH_CODE in grants and not uris:
            raise HttpError(400, "invalid_redirect_uri", "field is required")
        for name in ("client_name", "client_uri", "software_id", "software_version"):
            if not isinstance(body.get(name), str) or not body[name].strip():
                raise HttpError(400, "invalid_client_metadata",
                                f'error on field "{name}": field is required')
        if not client_uri_ok(body["client_uri"].strip()):
            raise HttpError(400, "invalid_client_metadata",
                            'error on field "client_uri": invalid client URI')
        if not isinstance(grants, list) or not set(grants) <= {AUTH_CODE, DEVICE}:
            raise HttpError(400, "invalid_client_metadata",
                            'error on field "grant_types": invalid choice')
        record = {
            "client_id": f"urn:uuid:{uuid.uuid4()}", "client_name": body["client_name"].strip(),
            "client_uri": body["client_uri"].strip(), "logo_uri": "",
            "redirect_uris": [u.strip() for u in uris], "software_id": body["software_id"],
            "software_version": body["software_version"], "token_endpoint_auth_method": "none",
            "grant_types": grants, "response_types": ["code"]}
        self.clients[record["client_id"]] = Client(
            record["client_id"], record["client_name"], record["redirect_uris"], grants,
            self.fake.now() + LIFETIME, record)
        return Reply(201, record)

    def _client(self, client_id: Any, grant: str) -> Client:
        client = self.clients.get(client_id) if isinstance(client_id, str) else None
        if client is None or client.expires < self.fake.now():
            raise HttpError(401, "invalid_client")
        if grant not in client.grant_types:
            raise HttpError(400, "unauthorized_client")
        return client

    def _scopes(self, value: Any) -> list[str]:
        scopes = value.split() if isinstance(value, str) else []
        if not scopes or not set(scopes) <= {"bookmarks:read", "bookmarks:write",
                                             "profile:read"}:
            raise HttpError(400, "invalid_scope", 'error on field "scope": invalid choice')
        return sorted(set(scopes))

    # --- authorization code ----------------------------------------------------------------

    def _authorize(self, request: Request) -> Reply:
        params = request.query if request.method == "GET" else (
            request.body if isinstance(request.body, dict) else {})
        client = self._client(params.get("client_id"), AUTH_CODE)
        redirect = str(params.get("redirect_uri", "")).strip()
        if redirect not in client.redirect_uris:
            return Reply(400, {"status": 400, "message": "invalid redirect URI"})
        state = str(params.get("state", ""))
        try:
            scopes = self._scopes(params.get("scope"))
            if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
                raise HttpError(400, "invalid_request", "code_challenge and S256 are required")
        except HttpError as exc:
            return self._back(redirect, {"error": exc.error, "error_description":
                                         exc.description, "state": state})
        user = self.fake.USER if self.auto_approve else self._session_user(request)
        if user is None:
            target = f"{self.fake.prefix}/authorize?{urlencode(params)}"
            return moved(303, f"{self.fake.prefix}/login?r={quote(target)}")
        if request.method == "GET" and not self.auto_approve:
            fields = {k: str(params.get(k, "")) for k in (
                "client_id", "redirect_uri", "scope", "state", "code_challenge",
                "code_challenge_method")}
            return page("Authorize an application", (
                f"<p>{html.escape(client.name)} asks to access your Readeck account "
                f"({html.escape(' '.join(scopes))}).</p>\n"
                f'<form method="post" action="{self.fake.prefix}/authorize">\n'
                f"{hidden(fields)}\n{choice_buttons()}\n</form>"))
        if not self.auto_approve and str(params.get("granted", "")).lower() not in _YES:
            self.clients.pop(client.client_id, None)
            return self._back(redirect, {"code": "", "error": "access_denied",
                                         "error_description": "access denied", "state": state})
        code = secrets.token_urlsafe(96)
        self.codes[code] = Code(client.client_id, user, scopes, str(params["code_challenge"]),
                                self.fake.now() + LIFETIME)
        return self._back(redirect, {"code": code, "state": state})

    def _back(self, redirect: str, values: dict[str, str]) -> Reply:
        """A 302 to the redirect URI, its own query kept and ``values`` set (an empty state
        left out), the parameters sorted as Go's ``url.Values.Encode`` writes them."""
        parts = urlsplit(redirect)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.update({k: v for k, v in values.items() if k != "state" or v})
        location = urlunsplit(parts._replace(query=urlencode(sorted(query.items()))))
        return moved(302, location)

    def _token(self, request: Request) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        grant = body.get("grant_type")
        if not grant:
            raise HttpError(400, "invalid_request",
                            'error on field "grant_type": field is required')
        if grant == AUTH_CODE:
            return self._code_token(body)
        if grant == DEVICE:
            return self._device_token(body)
        raise HttpError(400, "invalid_request", 'error on field "grant_type": invalid choice')

    def _code_token(self, body: dict[str, Any]) -> Reply:
        for name in ("code", "code_verifier"):
            if not body.get(name):
                raise HttpError(400, "invalid_request",
                                f'error on field "{name}": field is required')
        code = self.codes.get(body["code"])
        if (code is None or code.used or code.expires < self.fake.now()
                or not secrets.compare_digest(challenge_of(str(body["code_verifier"])),
                                              code.challenge)):
            raise HttpError(400, "invalid_grant", "code is not valid")
        client = self._client(code.client_id, AUTH_CODE)
        code.used = True
        self.clients.pop(client.client_id, None)
        return self._issued(code.username, code.scopes, client.name)

    def _issued(self, username: str, scopes: list[str], application: str) -> Reply:
        token = self.fake.issue_token(frozenset(scopes), username, application)
        return Reply(201, {"id": self.fake.tokens[token].uid, "access_token": token,
                           "token_type": "Bearer", "scope": " ".join(scopes)},
                     {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _revoke(self, request: Request) -> Reply:
        self.fake.authorized(request, None)
        body = request.body if isinstance(request.body, dict) else {}
        if not body.get("token"):
            raise HttpError(400, "invalid_request", 'error on field "token": field is required')
        if self.fake.token_of(request) is not self.fake.tokens.get(body["token"]):
            raise HttpError(400, "access_denied")
        self.fake.revoke(body["token"])
        return Reply(200, {})

    # --- device code -----------------------------------------------------------------------

    def _device(self, request: Request) -> Reply:
        body = request.body if isinstance(request.body, dict) else {}
        scopes = self._scopes(body.get("scope"))
        client = self._client(body.get("client_id"), DEVICE)
        user_code = "".join(secrets.choice(USER_CODE_LETTERS) for _ in range(8))
        now = self.fake.now()
        self.devices[user_code] = Device(client.client_id, secrets.token_urlsafe(40), scopes,
                                         now + DEVICE_LIFETIME, now - self.device_interval)
        base = self.fake.base_url
        interval = self.device_interval
        return Reply(200, {
            "device_code": self.devices[user_code].device_code, "user_code": user_code,
            "verification_uri": f"{base}/device",
            "verification_uri_complete": f"{base}/device?user_code={user_code}",
            "expires_in": int(DEVICE_LIFETIME),
            "interval": int(interval) if interval == int(interval) else interval},
            {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _device_token(self, body: dict[str, Any]) -> Reply:
        client = self._client(body.get("client_id"), DEVICE)
        device = next((d for d in self.devices.values()
                       if d.device_code == body.get("device_code")), None)
        now = self.fake.now()
        if device is None or device.expires < now:
            raise HttpError(400, "expired_token")
        if device.status == "denied":
            raise HttpError(400, "access_denied")
        if device.status == "pending":
            if now - device.last_checked < self.device_interval:
                raise HttpError(400, "slow_down")
            device.last_checked = now
            raise HttpError(400, "authorization_pending")
        if not device.token:
            device.token = self.fake.issue_token(frozenset(device.scopes), device.username,
                                                 client.name)
        token = self.fake.tokens[device.token]
        return Reply(201, {"id": token.uid, "access_token": device.token,
                           "token_type": "Bearer", "scope": " ".join(device.scopes)})

    def _device_page(self, request: Request) -> Reply:
        params = request.query if request.method == "GET" else (
            request.body if isinstance(request.body, dict) else {})
        user = self._session_user(request)
        code = str(params.get("user_code", "")).strip().replace("-", "").upper()
        if user is None:
            target = f"{self.fake.prefix}/device" + (f"?user_code={code}" if code else "")
            return moved(303, f"{self.fake.prefix}/login?r={quote(target)}")
        action = f"{self.fake.prefix}/device"
        if not code:
            return page("Connect a device", (
                f'<form method="get" action="{action}">\n<p><label for="user_code">Code'
                '</label>\n<input type="text" id="user_code" name="user_code" required></p>\n'
                '<p><button type="submit" id="continue">Continue</button></p>\n</form>'))
        device = self.devices.get(code)
        if device is None or device.expires < self.fake.now():
            return page("Invalid code", "<p>This code is not valid.</p>", 400)
        if device.status == "pending" and request.method == "POST" and "granted" in params:
            granted = str(params["granted"]).lower() in _YES
            device.status, device.username = ("granted", user) if granted else ("denied", "")
            return moved(303, f"{action}?user_code={code}")
        if device.status != "pending":
            return page(f"Access {device.status}", f"<p>The device was {device.status}.</p>")
        return page("Connect a device", (
            f"<p>A device asks to access your Readeck account "
            f"({html.escape(' '.join(device.scopes))}).</p>\n"
            f'<form method="post" action="{action}">\n{hidden({"user_code": code})}\n'
            f"{choice_buttons()}\n</form>"))

    # --- signing in ----------------------------------------------------------------------

    def _session_user(self, request: Request) -> str | None:
        cookie = SimpleCookie(request.headers.get("cookie", ""))
        morsel = cookie.get("session")
        return self.sessions.get(morsel.value) if morsel else None

    def _login(self, request: Request) -> Reply:
        params = request.query if request.method == "GET" else (
            request.body if isinstance(request.body, dict) else {})
        back = str(params.get("r", ""))
        prefix = self.fake.prefix
        if not back.startswith(f"{prefix}/") or back.startswith("//"):
            back = f"{prefix}/"
        status, message = 200, ""
        if request.method == "POST":
            username, password = params.get("username"), params.get("password")
            if username in self.fake.users and self.fake.users[username] == password:
                session = secrets.token_urlsafe(24)
                self.sessions[session] = username
                return moved(303, back, {"Set-Cookie": (
                    f"session={session}; Path={prefix or '/'}; HttpOnly; SameSite=Lax")})
            status, message = 401, '<p role="alert">Invalid username or password.</p>\n'
        return page("Sign in", (
            f'{message}<form method="post" action="{prefix}/login">\n{hidden({"r": back})}\n'
            '<p><label for="username">Username</label>\n<input type="text" id="username" '
            'name="username" autocomplete="username" required></p>\n'
            '<p><label for="password">Password</label>\n<input type="password" id="password" '
            'name="password" autocomplete="current-password" required></p>\n'
            '<p><button type="submit" id="sign-in">Sign in</button></p>\n</form>'), status)
