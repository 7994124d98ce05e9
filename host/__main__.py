"""``python -m pocket_companion``: the CLI."""

import sys

from .cli import main

sys.exit(main())
