"""The seam between ``requests`` and :mod:`.guard`: connection classes that connect through
a :class:`~.guard.Guard` and hand their sockets to a :class:`~.guard.Deadline`.

urllib3 resolves and connects in ``HTTPConnection._new_conn``; the classes here replace
that one step, so every connection of a fetch (the first, each redirect's, a proxy's)
goes to an address the guard checked, and TLS still checks the certificate against the
host name. A proxy manager's connections go the same way (to the proxy, whose host the
fetch trusts); a SOCKS proxy's are left to its own classes.

Imported by the first fetch only (it loads ``requests`` and ``urllib3``).
"""

from __future__ import annotations

import socket
from typing import Any

from pocket_companion.articles.guard import Deadline, Guard
from requests.adapters import HTTPAdapter
from urllib3 import ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError


def guarded_adapter(guard: Guard, deadline: Deadline) -> HTTPAdapter:
    """A transport adapter for one fetch: its connections are checked by ``guard`` and
    shut down at ``deadline``."""
    return _Adapter(_pools(guard, deadline))


class _Adapter(HTTPAdapter):
    def __init__(self, pools: dict[str, type[HTTPConnectionPool]]) -> None:
        self.pools = pools  # before HTTPAdapter's own __init__, which makes the pool manager
        super().__init__(pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self.pools

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is ProxyManager:  # not SOCKS: its pools are its transport
            manager.pool_classes_by_scheme = self.pools
        return manager


def _pools(guard: Guard, deadline: Deadline) -> dict[str, type[HTTPConnectionPool]]:
    """Connection pools whose connections go through ``guard`` and ``deadline``."""

    class Plain(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, guard, deadline)

    class Secure(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, guard, deadline)

        def connect(self) -> None:
            super().connect()
            if self.sock is not None:  # the TLS socket took over the plain one's descriptor
                deadline.watch(self.sock)

    class PlainPool(HTTPConnectionPool):
        ConnectionCls = Plain

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = Secure

    return {"http": PlainPool, "https": SecurePool}


def _connect(conn: HTTPConnection, guard: Guard, deadline: Deadline) -> socket.socket:
    """What ``HTTPConnection._new_conn`` does, to an address ``guard`` checked."""
    timeout = conn.timeout if isinstance(conn.timeout, int | float) else None
    try:
        sock = guard.connect(conn.host, conn.port or 0, timeout, conn.source_address,
                             conn.socket_options)
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, f"connecting to {conn.host} timed out") from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"no connection to {conn.host}: {exc}") from exc
    deadline.watch(sock)
    return sock
