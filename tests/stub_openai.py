"""A stub OpenAI-compatible server for tests (127.0.0.1 only; run as a script, stopped by PID).

Every ``/v1/chat/completions`` and ``/v1/completions`` request is answered at once with
``--reply``; ``/v1/models`` lists one model. ``--basic-auth USER:PASSWORD`` answers 401 to any
request that does not carry exactly those credentials as HTTP basic auth. ``--log FILE`` appends
one JSON line per request: its path and the kind of Authorization header it came with.
``--die-after N`` ends the process abruptly (no reply, no goodbye: as a crash or an out-of-memory
kill does) on the request after the N-th completion it answered.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def make_handler(reply: str, basic_auth: str | None, log: str | None,
                 die_after: int | None = None) -> type[BaseHTTPRequestHandler]:
    expected = f"Basic {base64.b64encode(basic_auth.encode()).decode()}" if basic_auth else None
    answered = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return None

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            authorization = self.headers.get("Authorization") or ""
            if log:
                with open(log, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"path": self.path, "auth": authorization.split(" ")[0],
                                             "authorized": expected is None or authorization == expected,
                                             "fields": sorted(body)}) + "\n")
            if expected is not None and authorization != expected:
                self._send(401, {"error": {"message": "unauthorized"}})
                return
            path = self.path.split("?")[0]
            if path.endswith("completions") and die_after is not None:
                with lock:
                    answered[0] += 1
                    if answered[0] > die_after:
                        os._exit(1)
            if path.endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})
            elif path.endswith("/chat/completions"):
                self._send(200, {"id": "x", "object": "chat.completion", "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
            elif path.endswith("/completions"):
                self._send(200, {"id": "x", "object": "text_completion", "choices": [
                    {"index": 0, "finish_reason": "stop", "text": reply}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
            else:
                self._send(404, {"error": {"message": f"no {path}"}})

        do_GET = do_POST = _handle

    return Handler


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--reply", default="Rating: [[7]]")
    parser.add_argument("--basic-auth", default=None, help="USER:PASSWORD required on every request")
    parser.add_argument("--log", default=None)
    parser.add_argument("--die-after", type=int, default=None, help="crash on the request after N completions")
    args = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", args.port),
                        make_handler(args.reply, args.basic_auth, args.log, args.die_after)).serve_forever()
