"""``python -m pocket_companion.hostmain``, as launchers written by release 0.1 start the host:
the host of :mod:`pocket_companion.nativehost.host` (run ``pocket-companion install`` again to
write today's launcher)."""

import sys

from pocket_companion.nativehost.host import main

if __name__ == "__main__":
    sys.exit(main())
