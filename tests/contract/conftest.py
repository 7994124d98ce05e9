"""The contract suites' fixture: each service's fake server, driven through its Remote."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract import remotes
from tests.contract.remotes import Remote
from tests.support.clock import Clock

REMOTES = remotes.load()


@pytest.fixture(params=sorted(REMOTES))
def remote(request: pytest.FixtureRequest) -> Iterator[Remote]:
    made = REMOTES[request.param]()
    yield made
    made.stop()


@pytest.fixture
def clock() -> Clock:
    """Real time: the fakes' tokens expire by the wall clock, as the adapters judge them."""
    return Clock()
