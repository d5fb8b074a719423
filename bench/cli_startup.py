"""CLI start-up: `xeval --help` and `xeval tasks` wall time, against a bare `python -c pass`.

    python bench/cli_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = wall([sys.executable, "-c", "pass"], args.repeat)
    print(f"baseline `python -c pass`: {base * 1000:.0f} ms (median of {args.repeat})")
    print("| command | median ms | ratio to bare python |")
    print("|---|---|---|")
    for label, command in [("xeval --help", ["-m", "xeval", "--help"]), ("xeval tasks", ["-m", "xeval", "tasks"])]:
        t = wall([sys.executable, *command], args.repeat)
        print(f"| {label} | {t * 1000:.0f} | {t / base:.1f}x |")


if __name__ == "__main__":
    main()
