"""``xjwc demo --cases N`` (issue #15: ≤ 25 s at 1,000,000), beside the demo of the code
before this work (``BASELINE_COMMIT``, exported from git into the work folder) in the same
run. Ours now also counts the dashboard's month caches; the baseline left them for the first
dashboard (14–27 s more at 1M, printed by bench_dashboard's cache costs).

    .venv/bin/python bench/bench_demo.py [--cases 100000 1000000 3000000] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import SEED_CASES, line, load_line

BASELINE_COMMIT = "dafb080"  # main before issue #15
ROOT = Path(__file__).resolve().parents[1]


def baseline_source(work: Path) -> Path:
    folder = work / f"src-{BASELINE_COMMIT}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_COMMIT],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def make(source: Path, target: Path, cases: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the demo process)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xjwc_desktop", "demo", "--db", str(target),
                    "--cases", str(cases - SEED_CASES)], check=True, cwd=source,
                   env={**os.environ, "PYTHONPATH": str(source)}, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path,
                        default=Path(os.environ.get("XJWC_BENCH_DIR",
                                                    tempfile.gettempdir())) / "xjwc-bench")
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases made")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    old = None if args.no_baseline else baseline_source(args.workdir)
    for cases in args.cases:
        target = args.workdir / f"bench-demo-{cases}.sqlite"
        print(f"xjwc demo, {cases:,} cases ({load_line()})")
        wall, cpu = make(ROOT, target, cases)
        size = target.stat().st_size / 2**20
        baseline = ""
        if old is not None:
            b_wall, b_cpu = make(old, args.workdir / f"bench-demo-{cases}-base.sqlite", cases)
            (args.workdir / f"bench-demo-{cases}-base.sqlite").unlink()
            baseline = f"baseline {b_wall:.1f} s (CPU {b_cpu:.1f} s), {b_wall / wall:.1f}× ours"
        line(f"ours, with its month caches ({size:,.0f} MB)", f"{wall:.1f} s (CPU {cpu:.1f})",
             baseline)
        if not args.keep:
            target.unlink()
        print(f"  ({load_line()} at the end)")


if __name__ == "__main__":
    main()
