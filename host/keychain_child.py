"""``python -m pocket_companion.keychain_child get|set|delete ACCOUNT``: the keychain helper.

Run only as its own process, by :mod:`.keyhelper`; nothing imports it. It claims its
pipes as the host does (:mod:`.stdio`): whatever keyring or a backend prints goes to
stderr and what it reads finds nothing, while the token to store arrives on the private
stdin (never in the arguments) and the answer, one JSON line, leaves on the private stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .errors import SecureStorageUnavailable
from .keyagent import TokenCache
from .keychain import KeyringTokenStore
from .stdio import claim_protocol_pipes


def answer(op: str, account: str, token_in: bytes) -> dict[str, Any]:
    store = KeyringTokenStore(cache=TokenCache.from_env())
    try:
        if op == "get":
            return {"token": store.get(account)}
        if op == "set":
            store.set(account, token_in.decode("utf-8").rstrip("\n"))
        elif op == "delete":
            store.delete(account)
        else:
            return {"error": f"unknown keychain operation {op!r}"}
    except SecureStorageUnavailable as exc:
        return {"error": exc.message}
    return {}


def main() -> int:
    reader, writer = claim_protocol_pipes()
    op, account = sys.argv[1:3]
    writer.write(json.dumps(answer(op, account, reader.readall() if op == "set" else b""))
                 .encode() + b"\n")
    writer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
