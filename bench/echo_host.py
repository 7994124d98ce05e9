"""Baseline hosts: the least a stdlib Python native messaging host can do.

``echo``: answer every frame with an empty ``ok`` reply.
``post``: for each frame, one raw ``requests.post`` to ``/v3/add`` of the server named in
``BENCH_SERVER`` (consumer key and token in ``BENCH_KEY`` / ``BENCH_TOKEN``), then answer.
"""

import json
import os
import struct
import sys


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "echo"
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(4)
        if len(header) < 4:
            return
        (length,) = struct.unpack("=I", header)
        request = json.loads(stdin.read(length))
        data = {}
        if mode == "post":
            import requests

            answer = requests.post(
                os.environ["BENCH_SERVER"] + "/v3/add",
                json={"consumer_key": os.environ["BENCH_KEY"],
                      "access_token": os.environ["BENCH_TOKEN"],
                      "url": request["params"]["url"]},
                headers={"X-Accept": "application/json"}, timeout=10)
            data = {"status": answer.status_code}
        body = json.dumps({"id": request["id"], "ok": True, "data": data}).encode()
        stdout.write(struct.pack("=I", len(body)) + body)
        stdout.flush()


if __name__ == "__main__":
    main()
