"""What the benchmarks share: demo databases made once, aligned figures, the machine's load."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SEED_CASES = 15_789  # the demo's own cases (the work report's figures)


def demo(path: Path, total_cases: int) -> Path:
    """A ``xjwc demo`` database of ``total_cases`` cases at ``path``, made once."""
    if not path.exists():
        print(f"… making {path.name} ({total_cases:,} cases, once)", flush=True)
        subprocess.run([sys.executable, "-m", "xjwc_desktop", "demo", "--db", str(path),
                        "--cases", str(max(0, total_cases - SEED_CASES))], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores"


def line(label: str, value: str, baseline: str = "") -> None:
    print(f"  {label:<52} {value:>16}   {baseline}", flush=True)


def median_ms(fn, runs: int) -> tuple[float, float, float]:
    """(median, min, max) milliseconds of ``runs`` calls of ``fn``."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2], times[0], times[-1]
