"""Registers the Pocket Companion host with browsers and explains failures."""
