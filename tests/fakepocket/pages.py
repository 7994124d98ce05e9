"""HTML pages of the fake: the authorize page (§2.2), a JS redirect and a proxy error page."""

from __future__ import annotations

import json
from html import escape

HELP_URL = "https://example.com/help"  # a foreign link: login windows must never follow it

_AUTHORIZE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {app}</title></head>
<body>
<h1>Authorize {app}</h1>
<p id="app">The application <strong id="app-name">{app}</strong> (app id {app_id}) would like
to add, modify and retrieve items in the Pocket list of <span id="user">{user}</span>.</p>
<form id="authorize-form" method="get" action="/auth/approve">
{hidden}
<button id="authorize" type="submit" name="decision" value="allow">Authorize</button>
<button id="deny" type="submit" name="decision" value="deny">No thanks</button>
</form>
<p><a id="help" href="{help}">Need help?</a></p>
</body></html>
"""

_JS_REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Redirecting</title></head>
<body><p>Redirecting&hellip;</p>
<script>location.href = {target};</script>
</body></html>
"""

_PROXY_ERROR = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


def authorize_page(
    app: str, consumer_key: str, user: str, fields: dict[str, str]
) -> str:
    """The page at /auth/authorize; its form submits to /auth/approve with `fields`."""
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    return _AUTHORIZE.format(
        app=escape(app),
        app_id=escape(consumer_key.split("-", 1)[0]),
        user=escape(user),
        hidden=hidden,
        help=escape(HELP_URL),
    )


def js_redirect_page(target: str) -> str:
    """200 page that navigates with location.href (redirect_mode="js")."""
    literal = json.dumps(target).replace("</", "<\\/")
    return _JS_REDIRECT.format(target=literal)


def proxy_error_page(status: int, reason: str) -> str:
    return _PROXY_ERROR.format(status=status, reason=escape(reason))
