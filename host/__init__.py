"""Pocket Companion: the native messaging host, its core and its CLI."""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
