"""Typed errors with stable codes.

Every failure the host reports is one of these. The dispatcher turns them into
``{"ok": false, "error": {"code", "message", "retryable"}}`` replies in one place,
and the CLI prints their message. Codes are part of the protocol: never rename or
reuse one, only add (see PROTOCOL.md).

    CompanionError
    ├── InvalidFrame, InvalidRequest, InvalidParams, InvalidUrl, UnknownAction
    ├── ForbiddenCaller, NotFound, ReplyTooLarge
    ├── NotAuthenticated, Forbidden, ServiceError
    ├── RateLimited, ServiceUnavailable              (retryable)
    ├── LoginRejected, FieldRejected, LoginExpired, LoginTimeout, LoginCancelled
    ├── SecureStorageUnavailable, UnsafeFolder, StorageUnavailable
    └── InternalError
"""

from __future__ import annotations


class CompanionError(Exception):
    """Base class: a failure with a stable snake_case code."""

    code = "internal_error"
    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "retryable": self.retryable}


class InvalidFrame(CompanionError):
    """The frame's body is not UTF-8 JSON, or the frame is larger than allowed."""

    code = "invalid_frame"


class InvalidRequest(CompanionError):
    """The JSON is not a request envelope ``{"id", "action", "params"}``."""

    code = "invalid_request"


class InvalidParams(CompanionError):
    """A parameter is missing, of the wrong type or out of range."""

    code = "invalid_params"


class InvalidUrl(CompanionError):
    """The URL cannot be saved (scheme, length, syntax)."""

    code = "invalid_url"


class UnknownAction(CompanionError):
    """The action is not one this host knows."""

    code = "unknown_action"


class ForbiddenCaller(CompanionError):
    """The extension that started the host is not in the host manifest."""

    code = "forbidden_caller"


class NotFound(CompanionError):
    """The item is not in the local reading list."""

    code = "not_found"


class ReplyTooLarge(CompanionError):
    """The reply would exceed the browser's 1 MiB limit."""

    code = "reply_too_large"


class NotAuthenticated(CompanionError):
    """No account is connected, or the server no longer accepts its token."""

    code = "not_authenticated"


class Forbidden(CompanionError):
    """The server refuses this app or account (permissions, consumer key)."""

    code = "forbidden"


class ServiceError(CompanionError):
    """The server refused the request itself (a 4xx that retrying will not fix)."""

    code = "service_error"


class RateLimited(CompanionError):
    """The server's rate limit is exhausted; wait ``retry_after`` seconds."""

    code = "rate_limited"
    retryable = True

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(CompanionError):
    """The server could not be reached or failed (5xx, timeout, reset).

    ``sent`` tells whether the request may have reached the server, in which
    case its effect is unknown and must be checked before it is sent again.
    """

    code = "service_unavailable"
    retryable = True

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class LoginRejected(CompanionError):
    """The user did not approve the app on the authorize page."""

    code = "login_rejected"


class FieldRejected(CompanionError):
    """The service refused one of the login form's values; ``field`` names it."""

    code = "field_rejected"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "field": self.field}


class LoginExpired(CompanionError):
    """The request token is unknown or already used: start the login again."""

    code = "login_expired"


class LoginTimeout(CompanionError):
    """The authorize page was not answered in time."""

    code = "login_timeout"
    retryable = True


class LoginCancelled(CompanionError):
    """The user closed the login window, or the login was cancelled."""

    code = "login_cancelled"


class SecureStorageUnavailable(CompanionError):
    """No working OS keychain: the token cannot be stored safely."""

    code = "secure_storage_unavailable"


class UnsafeFolder(CompanionError):
    """Another local user could change the data folder: it is not used."""

    code = "unsafe_data_folder"


class StorageUnavailable(CompanionError):
    """The reading list cannot be opened here (this Python's SQLite lacks FTS5)."""

    code = "storage_unavailable"


class InternalError(CompanionError):
    """A bug in the host; details are in the log."""

    code = "internal_error"


ERROR_CODES: tuple[str, ...] = tuple(
    sorted(
        {
            cls.code
            for cls in (
                InvalidFrame, InvalidRequest, InvalidParams, InvalidUrl, UnknownAction,
                ForbiddenCaller, NotFound, ReplyTooLarge, NotAuthenticated, Forbidden,
                ServiceError, RateLimited, ServiceUnavailable, LoginRejected, LoginExpired,
                LoginTimeout, LoginCancelled, SecureStorageUnavailable, UnsafeFolder,
                StorageUnavailable, InternalError,
            )
        }
    )
)
