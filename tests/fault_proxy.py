"""A small HTTP proxy that injects API faults in front of a real server (loopback only).

Each request is forwarded to the upstream server, or answered with one injected fault, at
``rate``: HTTP 429 with and without Retry-After, 500/502/503, a connection reset, a reply
slower than the client's timeout, a truncated JSON body, a malformed JSON body, and a reply
with no choices. The count of each fault is kept in ``injected``. ``--refuse PATH`` answers
every request to that path with 404, as a chat-only API answers ``/v1/completions``. Run as a
script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from collections import Counter

FAULTS = ["429_retry_after", "429", "500", "502", "503", "reset", "timeout", "truncated", "malformed",
          "empty_choices"]


class FaultProxy:
    def __init__(self, upstream_port: int, rate: float, seed: int, timeout_delay: float,
                 refuse: tuple[str, ...] = ()) -> None:
        self.refuse = tuple(r.encode() for r in refuse)
        self.upstream_port = upstream_port
        self.rate = rate
        self.random = random.Random(seed)
        self.timeout_delay = timeout_delay
        self.injected: Counter[str] = Counter()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                path = head.split(b" ", 2)[1]
                fault = None
                if path.split(b"?")[0] in self.refuse:
                    reply = (b'{"error": {"message": "This is a chat model and not supported in the '
                             b'v1/completions endpoint.", "type": "invalid_request_error"}}')
                    self.injected["refused"] += 1
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                                 + f"Content-Length: {len(reply)}\r\n\r\n".encode() + reply)
                    await writer.drain()
                    continue
                if b"/models" not in path and self.random.random() < self.rate:
                    fault = FAULTS[sum(self.injected.values()) % len(FAULTS)]  # every kind in turn
                    self.injected[fault] += 1
                if fault == "reset":
                    writer.transport.abort()
                    return
                if fault == "timeout":
                    await asyncio.sleep(self.timeout_delay)
                    writer.transport.abort()
                    return
                status, reply, headers = await self.answer(fault, head, body)
                extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
                             f"Content-Length: {len(reply)}\r\n\r\n".encode() + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def answer(self, fault: str | None, head: bytes, body: bytes) -> tuple[str, bytes, dict[str, str]]:
        if fault == "429_retry_after":
            return "429 Too Many Requests", b'{"error": {"message": "slow down"}}', {"Retry-After": "0.2"}
        if fault in {"429", "500", "502", "503"}:
            return f"{fault} Injected", b'{"error": {"message": "injected"}}', {}
        status, reply = await self.forward(head, body)
        if fault == "truncated":
            return status, reply[: len(reply) // 2], {}
        if fault == "malformed":
            return status, b'{"id": "x", "choices": [{"index": 0, "message": {"content": "oops"', {}
        if fault == "empty_choices":
            data = json.loads(reply)
            data["choices"] = []
            return status, json.dumps(data).encode(), {}
        return status, reply, {}

    async def forward(self, head: bytes, body: bytes) -> tuple[str, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        lines = [ln for ln in head.decode("latin-1").split("\r\n") if ln and not ln.lower().startswith("connection:")]
        writer.write(("\r\n".join(lines) + "\r\nConnection: close\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        response = await reader.read()
        writer.close()
        header, _, payload = response.partition(b"\r\n\r\n")
        status = header.split(b"\r\n")[0].split(b" ", 1)[1].decode()
        if b"transfer-encoding: chunked" in header.lower():
            payload = _dechunk(payload)
        return status, payload


def _dechunk(data: bytes) -> bytes:
    out, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


async def main(port: int, upstream: int, rate: float, seed: int, timeout_delay: float, report: str,
               refuse: tuple[str, ...] = ()) -> None:
    proxy = FaultProxy(upstream, rate, seed, timeout_delay, refuse)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", port)

    async def dump() -> None:
        while True:
            await asyncio.sleep(0.5)
            with open(report, "w") as handle:
                json.dump(dict(proxy.injected), handle)

    async with server:
        await asyncio.gather(server.serve_forever(), dump())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout-delay", type=float, default=5.0)
    parser.add_argument("--report", required=True)
    parser.add_argument("--refuse", action="append", default=[], help="answer this path with 404 (repeatable)")
    args = parser.parse_args()
    asyncio.run(main(args.port, args.upstream, args.rate, args.seed, args.timeout_delay, args.report,
                     tuple(args.refuse)))
