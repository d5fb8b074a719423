"""A local OpenAI-compatible endpoint with a fixed added latency, for throughput benchmarks.

Serves /v1/chat/completions and /v1/models on 127.0.0.1; every reply waits ``latency``
seconds (asyncio, so replies overlap freely) and returns a short fixed answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

REPLY = "서울입니다."


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float,
                 reply: str = REPLY) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            if path.endswith("/models"):
                payload = {"object": "list", "data": [{"id": "bench", "object": "model"}]}
            else:
                request = json.loads(body or b"{}")
                await asyncio.sleep(latency)
                payload = {"id": "x", "object": "chat.completion", "created": int(time.time()),
                           "model": request.get("model", "bench"),
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": reply}}],
                           "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}
            data = json.dumps(payload).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()


async def serve(port: int, latency: float, reply: str = REPLY) -> None:
    server = await asyncio.start_server(lambda r, w: handle(r, w, latency, reply), "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--reply", default=REPLY, help="the answer every request gets")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.latency, args.reply))
