"""Secrets, only in the OS keychain: ``keychain`` (the store), ``keyhelper`` and
``keychain_child`` (the helper process that loads keyring), ``keyagent`` and
``keyagent_server`` (the per-session agent that keeps a keychain read in memory)."""
