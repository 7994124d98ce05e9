#!/bin/sh
# Pocket Companion's native messaging host, as browsers start it.
# Written by `pocket-companion install`: it runs the Python that installed it.
# The browser runs in a Flatpak sandbox; the host runs outside it.
exec flatpak-spawn --host --env='POCKET_COMPANION_HOME=/home/me/pc data' /opt/venv/bin/python -m pocket_companion.hostmain "$@"
