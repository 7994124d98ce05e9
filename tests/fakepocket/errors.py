"""Pocket v3 errors: HTTP status + ``X-Error`` + ``X-Error-Code`` headers (protocol notes §1.6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class ApiError(Exception):
    """A legacy Pocket error answer: status line body, details in headers."""

    def __init__(
        self, status: int, code: int, text: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} [{code}] {text}")
        self.status = status
        self.code = code
        self.text = text
        self.headers: dict[str, str] = dict(headers or {})


class ErrorSpec(NamedTuple):
    """One row of the doc's error tables."""

    status: int
    code: int
    text: str

    def error(self, headers: Mapping[str, str] | None = None) -> ApiError:
        return ApiError(self.status, self.code, self.text, headers)


# Auth endpoints (§2.1, §2.4): exact texts, trailing periods included.
MISSING_CONSUMER_KEY = ErrorSpec(400, 138, "Missing consumer key.")
MISSING_REDIRECT = ErrorSpec(400, 140, "Missing redirect url.")
INVALID_CONSUMER_KEY = ErrorSpec(403, 152, "Invalid consumer key.")
INVALID_REDIRECT = ErrorSpec(400, 181, "Invalid redirect uri.")
MISSING_CODE = ErrorSpec(400, 182, "Missing code.")
CODE_NOT_FOUND = ErrorSpec(400, 185, "Code not found.")
USER_REJECTED = ErrorSpec(403, 158, "User rejected code.")
ALREADY_USED = ErrorSpec(403, 159, "Already used code.")

# Data endpoints (§1.6).
NO_ACCESS_TOKEN = ErrorSpec(
    401, 107, "A valid access token is required to access the requested API endpoint."
)
NO_PERMISSION = ErrorSpec(
    403,
    151,
    "The provided keys do not have proper permission (e.g., add, modify, retrieve) "
    "to access requested API endpoint.",
)
BAD_REQUEST = ErrorSpec(400, 130, "Bad request")
SERVER_ISSUE_CODE = 199
SERVER_ISSUE_TEXT = "Pocket server issue."

# FAKE CHOICE: the real code/text of a rate-limit 403 is unknown (§1.7, §8). Clients must
# recognise rate limiting from X-Limit-*-Remaining: 0, never from this code.
RATE_LIMITED = ErrorSpec(403, 160, "Rate limit exceeded.")

# FAKE CHOICE: the docs only say the auth endpoints are POST-only, not how GET was refused.
METHOD_NOT_ALLOWED = ErrorSpec(405, 130, "Bad request")
NOT_FOUND = ErrorSpec(404, 130, "Bad request")
