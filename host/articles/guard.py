"""Where a background fetch may connect, and for how long.

A page saved from the web must not make the host reach this computer or the local
network (SSRF): a redirect to ``http://127.0.0.1:631/`` or ``http://169.254.169.254/``
would otherwise make the host fetch, and keep a copy of, whatever answers there. The
:class:`Guard` resolves each host name itself, checks every address, and connects to the
address it checked (a second lookup by the HTTP library could answer differently: DNS
rebinding). Addresses that are not public are allowed only for the host the saved URL
names itself (the person saved ``http://192.168.1.5/wiki`` on purpose) and for a proxy
the environment sets.

A :class:`Deadline` bounds a whole fetch: connect and read timeouts bound each wait, but
a server that sends a byte every few seconds never trips them. At the deadline every
socket of the fetch is shut down, which ends any read in progress.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]  # (host, port) -> IP addresses, best first
MAX_TRIED = 3  # addresses tried per connection (IPv6 then IPv4, say) before giving up
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives, in its order of preference."""
    found: list[str] = []
    for _family, _kind, _proto, _name, sockaddr in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def is_public(address: Address) -> bool:
    """Whether ``address`` is on the public internet: not loopback, private, link-local,
    shared (CGNAT), reserved, documentation or multicast, including IPv4 inside IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not address.is_multicast


def host_key(host: str) -> str:
    """A host name as compared here (and as connections name it): lower case, no
    trailing dot, no IPv6 brackets, international names in their ASCII form."""
    key = host.strip("[]").rstrip(".").lower()
    if key.isascii():
        return key
    import idna

    try:
        return idna.encode(key, uts46=True).decode("ascii")
    except idna.IDNAError:
        return key


class Refused(OSError):
    """A connection the guard would not make; ``reason`` is for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Guard:
    """Checks and makes the connections of one fetch (see the module's text).

    ``resolver`` and ``public`` are injected by tests (a name that resolves to a test
    server, a loopback address that counts as public); the host uses the defaults.
    """

    def __init__(self, saved_host: str, resolver: Resolver = system_resolver,
                 public: Callable[[Address], bool] = is_public) -> None:
        self.trusted = {host_key(saved_host)}
        self.resolver, self.public = resolver, public
        self.refused: str | None = None  # why the last refused connection was refused

    def trust(self, host: str) -> None:
        """Allow any address for ``host`` (a proxy the environment names)."""
        self.trusted.add(host_key(host))

    def allowed(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` a connection may use, best first; :class:`Refused`
        when it resolves only to addresses it may not reach."""
        addresses = self.resolver(host_key(host), port)
        if host_key(host) in self.trusted:
            return list(addresses)
        usable = [text for text in addresses if self.public(ipaddress.ip_address(text))]
        if addresses and not usable:
            self.refused = f"{host} is on this computer or the local network"
            raise Refused(self.refused)
        return usable

    def connect(self, host: str, port: int, timeout: float | None,
                source: tuple[str, int] | None = None,
                options: Sequence[tuple[int, int, int | bytes]] | None = None) -> socket.socket:
        """A socket connected to an allowed address of ``host`` (the checked one)."""
        addresses = self.allowed(host, port)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
        error: OSError | None = None
        for address in addresses[:MAX_TRIED]:
            try:
                sock = socket.create_connection((address, port), timeout, source)
            except OSError as exc:
                error = exc
                continue
            for option in options or ():
                sock.setsockopt(*option)
            return sock
        assert error is not None
        raise error


class Deadline:
    """The end of one fetch: :meth:`watch` the sockets it opens; when the time is up,
    they are shut down (a read in progress ends at once) and :attr:`expired` is set."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.end = clock() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.0, self.end - self.clock())

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def cancel(self) -> None:
        """The fetch is over: no shutting down any more, nothing kept."""
        self._timer.cancel()
        with self._lock:
            self._sockets = []


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown: on a TLS socket, SSLSocket.shutdown would also drop
    # its TLS state under the feet of the thread that is reading.
    with contextlib.suppress(OSError):  # already closed, or never connected
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
