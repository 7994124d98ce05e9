"""The native messaging side of the host: what a browser starts, and everything a first
``hello`` loads.

The start-up rules hold for this package and for the few modules outside it that ``hello``
needs (the list is ``[tool.ruff.lint.per-file-ignores]`` in ``pyproject.toml``, whose rule
TID253 enforces them, and ``tests/test_host.py`` checks what is really loaded):

- no :mod:`typing`, :mod:`pathlib` or :mod:`logging` at module level (records are
  :class:`~pocket_companion.nativehost.records.Record`, annotation-only imports sit under a
  hand-rolled ``TYPE_CHECKING = False``, the logger is :func:`pocket_companion.logs.get_logger`);
- nothing that reaches the network, the keychain or SQLite: those load in the handler that
  first needs them.

``host`` reads frames (``stdio``, ``framing``), checks the caller (``caller``), turns each
request into a call (``dispatch``, ``params``) and answers every one exactly once.
"""
