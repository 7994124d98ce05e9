#!/bin/sh
# Pocket Companion's native messaging host, as browsers start it.
# Written by `pocket-companion install`: it runs the Python that installed it.
exec /opt/venv/bin/python -m pocket_companion.hostmain "$@"
