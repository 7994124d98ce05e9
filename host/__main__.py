"""``python -m pocket_companion``: the CLI."""

import sys

from pocket_companion.cli import main

sys.exit(main())
