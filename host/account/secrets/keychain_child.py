"""``python -P -m pocket_companion.account.secrets.keychain_child``: the keychain helper.

Run only as its own process, by :mod:`.keyhelper`; nothing imports it. It claims its
pipes as the host does (:mod:`.stdio`): whatever keyring or a backend prints goes to
stderr and what it reads finds nothing. The request, ``{"op": "get"|"set"|"delete",
"account", "token"?}``, arrives on the private stdin (never in the arguments, which other
users can read) and the answer, one JSON line, leaves on the private stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pocket_companion.account.secrets.keyagent import TokenCache
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.errors import SecureStorageUnavailable
from pocket_companion.nativehost.stdio import claim_protocol_pipes


def answer(request: Any) -> dict[str, Any]:
    if not isinstance(request, dict) or not isinstance(request.get("account"), str):
        return {"error": "the keychain helper got no valid request"}
    op, account, token = request.get("op"), request["account"], request.get("token")
    store = KeyringTokenStore(cache=TokenCache.from_env())
    try:
        if op == "get":
            return {"token": store.get(account)}
        if op == "set" and isinstance(token, str):
            store.set(account, token)
        elif op == "delete":
            store.delete(account)
        else:
            return {"error": f"unknown keychain operation {op!r}"}
    except SecureStorageUnavailable as exc:
        return {"error": exc.message}
    return {}


def main() -> int:
    reader, writer = claim_protocol_pipes()
    try:
        request = json.loads(reader.readall() or b"null")
    except ValueError:
        request = None
    writer.write(json.dumps(answer(request)).encode() + b"\n")
    writer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
