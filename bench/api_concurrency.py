"""API backend concurrency scaling: throughput at several concurrency levels against a local
endpoint with a fixed added latency, as a fraction of the ideal (concurrency / latency).

    python bench/api_concurrency.py [--latency 0.2] [--levels 1,4,16,64,128]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from servers import free_port, stop, wait_for  # noqa: E402
from xeval.models.registry import load_model  # noqa: E402
from xeval.types import GenerationRequest, GenerationSettings, Message  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--levels", default="1,4,16,64,128")
    parser.add_argument("--transports", default="aiohttp,openai", help="the openai backend's transports to compare")
    parser.add_argument("--rounds", type=int, default=16,
                        help="requests per level = rounds x concurrency (min 16); runs send 16 x concurrency a batch")
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("latency_server.py")),
                               "--port", str(port), "--latency", str(args.latency)])
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", server)
        print(f"fixed latency {args.latency * 1000:.0f} ms; ideal throughput = concurrency / latency")
        print("| transport | concurrency | requests | wall s | req/s | ideal req/s | fraction of ideal |")
        print("|---|---|---|---|---|---|---|")
        for transport, level in [(t, int(x)) for t in args.transports.split(",") for x in args.levels.split(",")]:
            model = load_model(f"openai:bench@http://127.0.0.1:{port}/v1", {"concurrency": level,
                                                                         "transport": transport})
            n = max(16, args.rounds * level)
            requests = [GenerationRequest(messages=(Message(role="user", content=f"질문 {i}"),),
                                          settings=GenerationSettings(max_tokens=8)) for i in range(n)]
            model.generate(requests[: min(n, level)])  # warm up connections
            start = time.perf_counter()
            completions = model.generate(requests)
            wall = time.perf_counter() - start
            model.close()
            assert all(c.error is None for c in completions), completions[0].error
            ideal = level / args.latency
            print(f"| {transport} | {level} | {n} | {wall:.2f} | {n / wall:.1f} | {ideal:.1f} "
                  f"| {n / wall / ideal:.3f} |")
    finally:
        stop(server)


if __name__ == "__main__":
    main()
