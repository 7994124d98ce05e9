"""A faithful fake Pocket v3 server for tests (see /work/shared/docs/pocket-v3-protocol.md)."""

from .fake import FakePocket
from .faults import Fault

__all__ = ["FakePocket", "Fault"]
