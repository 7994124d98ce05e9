"""A stand-in system browser: ``python record_url.py LOG URL`` appends URL to LOG, so a
test can see which pages were handed to "the browser"."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    log, url = sys.argv[1], sys.argv[2]
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(url + "\n")
