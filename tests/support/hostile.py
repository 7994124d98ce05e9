"""A hostile "Pocket server" for the login window: its authorize page tries, one trick at a
time, what the security review (finding 5) tried against the window, and reports what its
script could see to ``/report``. A second server on another port is "another origin": it
records every request it gets, so a test sees whether the window ever loaded it.

The tricks: ``schemes`` (a page-wide link to a custom URL scheme, for a real click, and a
script that tries the same), ``popups`` (``window.open`` without a click), ``foreign`` (the
page sends itself to another origin), ``iframe`` (a frame from another origin), ``bridge``
(page script looks for pywebview's bridge to Python) and ``crash`` (pop-ups with unknown
schemes between navigations, which crashed the window process).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REPORT = """
function report(key, value) { fetch("/report?" + key + "=" + encodeURIComponent(value)); }
"""

PAGES = {
    "schemes": """<a id="all" href="evilscheme://payload-user-click"
 style="position:fixed;inset:0;display:block;font-size:40px;background:#fee">evil link</a>
<a id="smb" href="smb://192.0.2.1/share/x.desktop">smb</a>
<script>%(report)s
setTimeout(function () { location.href = "evilscheme://payload-script"; }, 100);
setTimeout(function () { report("done", "schemes"); }, 600);
</script>""",
    "popups": """<script>%(report)s
for (var i = 0; i < 4; i++) { window.open("%(foreign)s/popup" + i); }
window.open("evilscheme://popup");
setTimeout(function () { report("done", "popups"); }, 600);
</script>""",
    "foreign": """<script>%(report)s
setTimeout(function () { location.href = "%(foreign)s/elsewhere?request_token=x"; }, 100);
</script>""",
    "iframe": """<iframe src="%(foreign)s/framed"></iframe>
<iframe srcdoc="<p>inline</p>"></iframe>
<script>%(report)s setTimeout(function () { report("done", "iframe"); }, 1500);</script>""",
    "bridge": """<script>%(report)s
setTimeout(function () {
  report("qt", typeof qt);
  report("pywebview", typeof window.pywebview);
  try {
    new QWebChannel(qt.webChannelTransport, function (channel) {
      var external = channel.objects.external;
      report("external", typeof external);
      if (external) { external.call("__class__.__class__", "[]", "x"); }
    });
  } catch (e) { report("error", e.name); }
  setTimeout(function () { report("done", "bridge"); }, 500);
}, 1500);
</script>""",
    "crash": """<script>%(report)s
var round = parseInt(new URLSearchParams(location.search).get("round") || "0", 10);
window.open("evilscheme://a"); window.open("evilscheme://b");
window.open("%(foreign)s/popup"); window.open("mailto:x@example.org");
if (round < 6) {
  setTimeout(function () {
    location.href = "/auth/authorize?request_token=x&round=" + (round + 1);
  }, 50);
} else { report("done", "crash"); }
</script>""",
}

FOREIGN_PAGE = """<!doctype html><title>foreign</title><p>another origin</p>
<script>fetch("%(home)s/report?foreign-ran=" + encodeURIComponent(location.href),
{mode: "no-cors"});</script>"""


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/v3/oauth/request":
            self._send(200, json.dumps({"code": "REQCODE-1234", "state": None}),
                       "application/json")
        else:  # /v3/oauth/authorize: never approved
            self._send(403, "Forbidden", "text/plain",
                       {"X-Error-Code": "158", "X-Error": "User rejected code."})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.seen.append(self.path)
        if parts.path == "/report":
            self.server.reports.extend(parse_qsl(parts.query))
            self._send(204, "", "text/plain")
        elif self.server.trick is None:
            self._send(200, FOREIGN_PAGE % {"home": self.server.home}, "text/html")
        else:
            values = {"report": REPORT, "foreign": self.server.foreign}
            body = "<!doctype html><title>Authorize</title>" + PAGES[self.server.trick] % values
            self._send(200, body, "text/html")

    def _send(self, status: int, body: str, kind: str,
              headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in {"Content-Type": kind, **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, trick: str | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.trick = trick
        self.seen: list[str] = []
        self.reports: list[tuple[str, str]] = []
        self.home = self.foreign = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def report(self, key: str) -> list[str]:
        return [value for name, value in self.reports if name == key]


@contextmanager
def hostile(trick: str) -> Iterator[tuple[Site, Site]]:
    """The hostile server (serving ``trick``) and the other origin, both running."""
    server, other = Site(trick), Site(None)
    server.foreign, other.home = other.origin, server.origin
    threads = [threading.Thread(target=site.serve_forever, daemon=True)
               for site in (server, other)]
    for thread in threads:
        thread.start()
    try:
        yield server, other
    finally:
        for site in (server, other):
            site.shutdown()
            site.server_close()
