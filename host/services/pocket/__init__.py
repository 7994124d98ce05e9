"""Pocket v3: the HTTP client (:mod:`.client`), the adapter (:mod:`.adapter`) and what the
rest of the program knows of it (:mod:`.spec`)."""
