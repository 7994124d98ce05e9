"""One contract for every reading-list service, run against each adapter and the fake server
of its service (as keyring runs one suite over its backends). A new adapter joins by adding
a module to :mod:`tests.contract.remotes` with a ``REMOTE`` factory for its fake (a
:class:`~tests.contract.remotes.Remote`); every test then runs against it too.

What an adapter promises (``pocket_companion.services.base``): one push result per change,
in order, a failed change failing alone; adds that merge when the spec says so; pulls that
bring everything, then only what changed (deletions included) behind the cursor they give;
a look-up of saved URLs; refreshed or refused credentials; and the typed errors for a
refused login, a missing permission, a rate limit and a server that fails or cannot be
reached.
"""

from __future__ import annotations

import socket
from collections.abc import Collection
from typing import Any

import pytest
import requests
from pocket_companion import errors
from pocket_companion.services import SERVICES
from pocket_companion.services.base import (
    Change,
    Credentials,
    ReadingService,
    RemoteItem,
)
from pocket_companion.services.spec import CAPABILITIES, LOGINS

from tests.contract.remotes import Remote
from tests.fakepocket import Fault


def pulled(service: ReadingService, creds: Credentials, cursor: str | None,
           known: Collection[str] = ()) -> tuple[list[RemoteItem], str | None]:
    """Every item of a pull, and the cursor it ends with; only the last page has one."""
    pages = list(service.pull(creds, cursor, known))
    assert all(page.cursor is None for page in pages[:-1]) and pages[-1].cursor
    return [item for page in pages for item in page.items], pages[-1].cursor


def by_url(items: list[RemoteItem]) -> dict[str, RemoteItem]:
    return {item.url: item for item in items if item.status != "deleted"}


def test_the_spec_says_what_a_login_needs_and_what_the_service_can_do(remote: Remote) -> None:
    spec = SERVICES[remote.name]
    assert spec.name == remote.name and spec.login in LOGINS
    assert spec.capabilities <= CAPABILITIES
    assert spec.describe()["fields"] == [field.to_dict() for field in spec.fields]


def test_push_answers_each_change_in_order(remote: Remote) -> None:
    service, creds = remote.service(), remote.credentials()
    adds = [Change("add", f"https://contract.example/{n}", f"T{n}", ("a",)) for n in range(3)]
    results = service.push(creds, adds)
    assert [r.ok for r in results] == [True] * 3
    ids = [r.remote_id for r in results]
    assert len(set(ids)) == 3 and all(ids)
    changes = [Change("archive", "", remote_id=ids[0]),
               Change("tags_add", "", tags=("b",), remote_id=ids[1])]
    assert [r.ok for r in service.push(creds, changes)] == [True, True]
    stored = remote.items()
    assert stored["https://contract.example/0"]["status"] == "1"
    assert set(stored["https://contract.example/1"]["tags"]) == {"a", "b"}


def test_a_failed_change_fails_alone(remote: Remote) -> None:
    service, creds = remote.service(), remote.credentials()
    results = service.push(creds, [Change("add", "https://contract.example/ok"),
                                   Change("no_such_op", "", remote_id="1"),
                                   Change("add", "https://contract.example/ok2")])
    assert [r.ok for r in results] == [True, False, True] and results[1].error


def test_an_add_sent_twice_is_one_item_when_the_service_merges(remote: Remote) -> None:
    if not SERVICES[remote.name].re_add_merges:
        pytest.skip("this service makes a second copy: the sync engine never resends blindly")
    service, creds = remote.service(), remote.credentials()
    first = service.push(creds, [Change("add", "https://contract.example/twice")])
    second = service.push(creds, [Change("add", "https://contract.example/twice")])
    assert first[0].remote_id == second[0].remote_id
    assert list(remote.items()).count("https://contract.example/twice") == 1


def test_a_pull_brings_everything_then_only_what_changed(remote: Remote) -> None:
    service, creds = remote.service(), remote.credentials()
    for n in range(12):
        remote.seed(f"https://contract.example/p{n}", f"P{n}", archived=n % 2 == 1)
    remote.tick()
    items, cursor = pulled(service, creds, None)
    found = by_url(items)
    assert len(found) == 12
    assert found["https://contract.example/p1"].status == "archived"
    assert found["https://contract.example/p2"].title == "P2"
    assert all(item.remote_id for item in items)

    remote.tick()
    again, cursor = pulled(service, creds, cursor)
    assert again == []
    remote.change_elsewhere("https://contract.example/p2")
    remote.delete_elsewhere("https://contract.example/p3")
    remote.tick()
    delta, _ = pulled(service, creds, cursor, {item.remote_id for item in items})
    changed = {item.remote_id: item for item in delta}
    assert changed[found["https://contract.example/p2"].remote_id].status == "archived"
    assert changed[found["https://contract.example/p2"].remote_id].tags == ("elsewhere",)
    assert changed[found["https://contract.example/p3"].remote_id].status == "deleted"
    assert len(changed) == 2


def test_find_saved_names_the_urls_the_account_holds(remote: Remote) -> None:
    service, creds = remote.service(), remote.credentials()
    [result] = service.push(creds, [Change("add", "https://contract.example/known")])
    found = service.find_saved(creds, ["https://contract.example/known",
                                       "https://contract.example/unknown"], since=1.0)
    assert found == {"https://contract.example/known": result.remote_id}


def test_refused_credentials_are_refreshed_or_refused(remote: Remote) -> None:
    service, creds = remote.service(), remote.credentials()
    fresh = service.refresh(creds)
    assert fresh is None or (isinstance(fresh, Credentials) and fresh.secret)
    remote.revoke(creds)
    with pytest.raises(errors.NotAuthenticated):
        service.push(creds, [Change("add", "https://contract.example/refused")])
    with pytest.raises(errors.NotAuthenticated):
        list(service.pull(creds, None))


def test_a_rate_limit_says_when_to_come_back(remote: Remote) -> None:
    with remote.limited(2) as limited:
        service, creds = limited.service(), limited.credentials()
        for n in range(2):
            service.push(creds, [Change("add", f"https://contract.example/r{n}")])
        with pytest.raises(errors.RateLimited) as caught:
            service.push(creds, [Change("add", "https://contract.example/r2")])
        assert 0 < caught.value.retry_after <= 3600 and caught.value.retryable


def test_a_missing_permission_is_forbidden(remote: Remote) -> None:
    with remote.without_permission() as bare, pytest.raises(errors.Forbidden):
        bare.service().push(bare.credentials(), [Change("add", "https://contract.example/")])


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_failing_server_is_retryable(remote: Remote, status: int) -> None:
    service, creds = remote.service(), remote.credentials()
    remote.fail_next(status)
    with pytest.raises(errors.ServiceUnavailable) as caught:
        service.push(creds, [Change("add", "https://contract.example/failing")])
    assert caught.value.retryable
    remote.fail_next(status)
    with pytest.raises(errors.ServiceUnavailable):
        list(service.pull(creds, None))


def test_an_unreachable_server_was_not_sent_anything(remote: Remote) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    service = remote.service(f"http://127.0.0.1:{port}")
    with pytest.raises(errors.ServiceUnavailable) as caught:
        service.push(remote.credentials(), [Change("add", "https://contract.example/")])
    assert caught.value.sent is False


class Impatient(requests.Session):
    """A session that waits half a second for an answer (a server that hangs)."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = (2.0, 0.5)
        return super().send(request, **kwargs)


@pytest.mark.parametrize("fault", [Fault("slow", seconds=1.5, processed=True),
                                   Fault("reset_after_processing")],
                         ids=["timeout", "reset"])
def test_an_answer_lost_after_the_work_is_maybe_sent_and_found_after(remote: Remote,
                                                                     fault: Fault) -> None:
    service, creds = remote.service(session_factory=Impatient), remote.credentials()
    remote.inject(fault)
    with pytest.raises(errors.ServiceUnavailable) as caught:
        service.push(creds, [Change("add", "https://contract.example/lost-answer")])
    assert caught.value.sent and caught.value.retryable
    found = service.find_saved(creds, ["https://contract.example/lost-answer"], since=1.0)
    assert list(found) == ["https://contract.example/lost-answer"]


def test_a_proxy_error_page_is_retryable(remote: Remote) -> None:
    service, creds = remote.service(), remote.credentials()
    remote.inject(Fault("html_error", status=502))
    with pytest.raises(errors.ServiceUnavailable) as caught:
        service.push(creds, [Change("add", "https://contract.example/proxy")])
    assert caught.value.retryable
    assert service.push(creds, [Change("add", "https://contract.example/proxy")])[0].ok
    assert remote.copies("https://contract.example/proxy") == 1
