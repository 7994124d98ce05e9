#!/bin/sh
# Pocket Companion's native messaging host, as browsers start it.
# Written by `pocket-companion install`: it runs the Python that installed it,
# with -P so that nothing is imported from the folder it was started in.
cd / || exit 1
exec /opt/venv/bin/python -P -m pocket_companion.nativehost.host "$@"
