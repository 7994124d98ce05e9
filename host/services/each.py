"""Pushing to a service that takes one change per request: up to :data:`WORKERS` requests
at once, the changes of one item in their order (an archive, then a re-add), a change the
server refuses failing alone, and an error of the whole service (a refused login, a rate
limit, a server down) stopping the rest: :class:`~.base.Interrupted` then carries what was
answered, so nothing answered is sent twice."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from pocket_companion.errors import CompanionError, ServiceUnavailable
from pocket_companion.services.base import Change, ChangeResult, Interrupted
from pocket_companion.services.http import Refused

WORKERS = 4
One = Callable[[Change], ChangeResult]


def _chains(changes: Sequence[Change]) -> list[list[int]]:
    """Indexes of the changes, one list per item, each in its order."""
    chains: dict[str, list[int]] = {}
    for index, change in enumerate(changes):
        chains.setdefault(change.remote_id or change.url, []).append(index)
    return list(chains.values())


def _worst(errors: list[CompanionError]) -> CompanionError:
    """The error to report for the changes left: one that may have reached the server, so
    that its adds are looked up before they are sent again."""
    sent = [e for e in errors if isinstance(e, ServiceUnavailable) and e.sent]
    return (sent or errors)[0]


def push_each(changes: Sequence[Change], one: One, workers: int = WORKERS
              ) -> list[ChangeResult]:
    """One result per change, in order (see the module's text)."""
    answered: dict[int, ChangeResult] = {}
    errors: list[CompanionError] = []
    stop = threading.Event()

    def run(chain: list[int]) -> None:
        for index in chain:
            if stop.is_set():
                return
            try:
                answered[index] = one(changes[index])
            except Refused as exc:
                answered[index] = ChangeResult(False, error=exc.message)
            except CompanionError as exc:
                errors.append(exc)
                stop.set()
                return

    chains = _chains(changes)
    if len(chains) == 1 or workers == 1:
        for chain in chains:
            run(chain)
    else:
        with ThreadPoolExecutor(min(workers, len(chains)), "push") as pool:
            list(pool.map(run, chains))
    if errors and answered:
        raise Interrupted(answered, _worst(errors))
    if errors:
        raise _worst(errors)
    return [answered[index] for index in range(len(changes))]
