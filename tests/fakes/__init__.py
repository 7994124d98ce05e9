"""Fake servers of the reading-list services (one module each) on a shared base."""
