#!/bin/sh
# Pocket Companion's native messaging host, as browsers start it.
# Written by `pocket-companion install`: it runs the Python that installed it,
# with -P so that nothing is imported from the folder it was started in.
# The browser runs in a Flatpak sandbox; the host runs outside it.
exec flatpak-spawn --host --directory=/ --env='POCKET_COMPANION_HOME=/home/me/pc data' /opt/venv/bin/python -P -m pocket_companion.nativehost.host "$@"
