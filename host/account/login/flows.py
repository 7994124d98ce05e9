"""Which login a service gets, and the device-code one (RFC 8628).

- ``redirect`` (Pocket) and ``oauth`` (Readeck) show the service's own page in the login
  window, else in the browser (:func:`~.oauth.run_login`); an ``oauth`` service can also be
  approved on another device (``show_in="device"``) or take a pasted token;
- ``password`` (wallabag) and ``token`` services check the form's values with the service
  (:meth:`~pocket_companion.services.base.FormLogin.sign_in`).

A device login tells the person the code and the address (``device_code`` progress event),
then polls at the pace the service asked for until they approve, refuse, the code expires,
the login times out or is cancelled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from pocket_companion.account.login.oauth import HEARTBEAT, Progress, run_login
from pocket_companion.errors import LoginCancelled, LoginExpired, LoginTimeout
from pocket_companion.services.base import DeviceLogin, FormLogin, Grant, RedirectLogin

if TYPE_CHECKING:
    from pocket_companion.account.login.openers import Opener
    from pocket_companion.services.base import ReadingService
    from pocket_companion.services.spec import ServiceSpec


class LoginRequest:
    """How a login was asked for: the secret fields typed in, where to show a page, how
    long to wait, and who hears how it goes."""

    def __init__(self, secrets: Mapping[str, str], show_in: str, timeout: float,
                 cancel: threading.Event, progress: Progress) -> None:
        self.secrets, self.show_in, self.timeout = secrets, show_in, timeout
        self.cancel, self.progress = cancel, progress


def sign_in(spec: ServiceSpec, adapter: ReadingService, request: LoginRequest,
            opener: Opener) -> Grant:
    """The grant of the login ``spec`` calls for (see the module's text)."""
    if spec.login in ("password", "token") or (spec.login == "oauth" and request.secrets):
        return cast("FormLogin", adapter).sign_in(request.secrets)
    if spec.login == "oauth" and request.show_in == "device":
        return device_login(cast("DeviceLogin", adapter), request)
    return run_login(cast("RedirectLogin", adapter), opener, timeout=request.timeout,
                     cancel=request.cancel, progress=request.progress)


def device_login(adapter: DeviceLogin, request: LoginRequest) -> Grant:
    code = adapter.begin_device()
    request.progress("device_code", {
        "user_code": code.user_code, "verification_uri": code.verification_uri,
        "verification_uri_complete": code.verification_uri_complete,
        "expires_in": round(code.expires_in)})
    start = time.monotonic()
    deadline = start + min(request.timeout, code.expires_in)
    beat = start + HEARTBEAT
    while True:
        if request.cancel.wait(max(0.0, min(code.interval, deadline - time.monotonic()))):
            raise LoginCancelled("the login was cancelled")
        now = time.monotonic()
        if now >= deadline:
            if now - start >= code.expires_in:
                raise LoginExpired("the code was not approved in time; start the login again")
            raise LoginTimeout(f"the code was not approved within {request.timeout:.0f} s")
        polled = adapter.poll_device(code)
        if isinstance(polled, Grant):
            return polled
        code = polled
        if now >= beat:
            request.progress("waiting", {"remaining": max(0, round(deadline - now))})
            beat = now + HEARTBEAT
