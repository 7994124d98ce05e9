"""Import and export through the real host, as the reading-list page uses them: a file in
pieces (with progress events), an export in replies under the size limit that join into
the same file the CLI writes, and bad pieces refused with a clear error."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.frames import REPO, HostProcess
from tests.support.hostio import host_env

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


@pytest.fixture
def host(tmp_path: Path) -> Any:
    process = HostProcess(host_env(tmp_path))
    yield process
    process.close()


def upload(host: HostProcess, name: str, data: bytes, piece: int) -> str:
    began = host.request("import_begin", {"name": name, "size": len(data)})
    assert began["ok"], began
    token = began["data"]["upload"]
    for offset in range(0, len(data), piece):
        sent = host.request("import_chunk", {"upload": token, "offset": offset,
                                             "data": base64.b64encode(
                                                 data[offset:offset + piece]).decode()})
        assert sent["data"] == {"received": min(offset + piece, len(data))}
    return str(token)


def finish(host: HostProcess, token: str, **params: Any) -> tuple[list[Any], Any]:
    host.send({"id": "finish", "action": "import_finish",
               "params": {"upload": token, **params}})
    events = []
    while "event" in (message := host.read()):
        events.append(message["data"])
    return events, message


def big_zip(folder: Path, rows: int) -> bytes:
    lines = "".join(f"Page {i},https://zip.example/{i},{1600000000 + i},a|b,unread\n"
                    for i in range(rows))
    path = folder / "pocket.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pocket/part_000000.csv", "title,url,time_added,tags,status\n" + lines)
    return path.read_bytes()


def test_a_file_sent_in_pieces_is_imported_with_progress(host: HostProcess,
                                                         tmp_path: Path) -> None:
    data = big_zip(tmp_path, 2500)
    token = upload(host, "pocket.zip", data, 4096)
    events, reply = finish(host, token, dry_run=True)
    assert reply["data"]["added"] == 2500 and reply["data"]["dry_run"]
    assert host.request("list", {"limit": 1})["data"]["total"] == 0
    assert not (tmp_path / "home" / "uploads" / token).exists()  # gone once finished
    events, reply = finish(host, upload(host, "pocket.zip", data, 65536))
    assert [event["rows"] for event in events] == [1000, 2000, 2500]
    assert all(event["stage"] == "importing" for event in events)
    assert reply["data"]["added"] == 2500
    assert host.request("list", {"limit": 1})["data"]["total"] == 2500


def test_an_upload_is_private_and_its_pieces_go_in_order(host: HostProcess,
                                                         tmp_path: Path) -> None:
    began = host.request("import_begin", {"name": "../../etc/passwd", "size": 10})["data"]
    folder = tmp_path / "home" / "uploads" / began["upload"]
    [stored] = folder.iterdir()
    assert stored.name == "passwd"  # only the name, never a path
    assert folder.stat().st_mode & 0o777 == 0o700 and stored.stat().st_mode & 0o777 == 0o600
    chunk = {"upload": began["upload"], "data": base64.b64encode(b"abc").decode()}
    assert host.request("import_chunk", {**chunk, "offset": 5})["error"]["code"] == \
        "invalid_params"
    bad = host.request("import_chunk", {**chunk, "offset": 0, "data": "not base64!"})
    assert bad["error"]["code"] == "invalid_params"
    unknown = host.request("import_finish", {"upload": "x" * 24})
    assert unknown["error"]["code"] == "not_found"
    assert host.request("import_finish", {"upload": "../x"})["error"]["code"] == \
        "invalid_params"


def test_an_export_comes_in_replies_that_join_into_the_cli_file(host: HostProcess,
                                                               tmp_path: Path) -> None:
    finish(host, upload(host, "pocket.zip", big_zip(tmp_path, 15000), 256 * 1024))
    for kind in ("netscape", "csv", "json"):
        parts, after, replies = [], None, 0
        while True:
            params = {"format": kind, **({"after": after} if after else {})}
            reply = host.request("export", params)
            assert reply["ok"], reply
            parts.append(reply["data"]["data"])
            replies += 1
            after = reply["data"].get("next")
            if after is None:
                break
        env = host_env(tmp_path)
        cli = subprocess.run([sys.executable, "-m", "pocket_companion", "export", "--format",
                              kind], env=env, cwd=REPO, capture_output=True, timeout=120)
        joined, written = "".join(parts), cli.stdout.decode("utf-8")
        if kind == "json":  # the time of the export differs
            assert json.loads(joined)["items"] == json.loads(written)["items"]
            assert len(json.loads(joined)["items"]) == 15000
        else:
            assert joined == written
        assert replies > 1  # 15,000 pages do not fit in one reply


def test_an_export_filters_as_the_list_does(host: HostProcess, tmp_path: Path) -> None:
    finish(host, upload(host, "instapaper.csv", (FIXTURES / "instapaper.csv").read_bytes(), 1000))
    reply = host.request("export", {"format": "csv", "status": "archived"})["data"]
    assert reply["count"] == 1 and "Archived, with a comma" in reply["data"]
    assert host.request("export", {"format": "csv", "after": "nonsense"})["error"]["code"] == \
        "invalid_params"
