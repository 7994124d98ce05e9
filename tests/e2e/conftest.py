"""What both browser modules share: one fake Pocket server and one site of test pages each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import web_pages
from tests.fakepocket import FakePocket


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePocket]:
    with FakePocket() as server:
        yield server


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with web_pages() as base:
        yield base
