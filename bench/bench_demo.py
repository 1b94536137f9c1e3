"""``xjwc demo --cases N`` (issue #15: ≤ 25 s at 1,000,000), beside the demo of the code
before each pass in the same run: ``BASELINE_COMMIT`` (before issue #15) and
``PREVIOUS_COMMIT`` (main before the demo pass of session 10), each exported from git into
the work folder. Runs are interleaved (ours, previous, baseline, then the other way round)
so that the machine's load falls on all alike; each run prints its phases, timed from the
progress lines the demo writes. Ours and the previous pass also count the dashboard's month
caches; the baseline left them for the first dashboard (14–27 s more at 1M).

    .venv/bin/python bench/bench_demo.py [--cases 100000 1000000] [--runs 2] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import SEED_CASES, line, load_line

BASELINE_COMMIT = "dafb080"  # main before issue #15
PREVIOUS_COMMIT = "60ede0f"  # main before the demo pass (session 10)
ROOT = Path(__file__).resolve().parents[1]


def exported(work: Path, commit: str) -> Path:
    folder = work / f"src-{commit}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def make(source: Path, target: Path, cases: int) -> tuple[float, float, list[tuple[str, float]]]:
    """(wall seconds, CPU seconds of the demo process, [(phase, seconds)])."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    phases: list[tuple[str, float]] = []
    label, since = "start-up, reference data", started
    with subprocess.Popen([sys.executable, "-m", "xjwc_desktop", "demo", "--db", str(target),
                           "--cases", str(cases - SEED_CASES)], cwd=source,
                          env={**os.environ, "PYTHONPATH": str(source)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        for message in proc.stderr:  # one progress line as each phase begins
            now = time.perf_counter()
            phases.append((label, now - since))
            label, since = message.strip().rstrip("…")[:14], now
    wall = time.perf_counter() - started
    phases.append((label, wall - (since - started)))
    if proc.returncode:
        raise SystemExit(f"xjwc demo failed in {source}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path,
                        default=Path(os.environ.get("XJWC_BENCH_DIR",
                                                    tempfile.gettempdir())) / "xjwc-bench")
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=1, help="runs of each, interleaved")
    parser.add_argument("--only", choices=["ours"], help="no baselines")
    parser.add_argument("--no-baseline", action="store_true",
                        help=f"ours and the previous pass, without {BASELINE_COMMIT}")
    parser.add_argument("--keep", action="store_true", help="keep the databases made")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sources = {"ours": ROOT}
    if args.only is None:
        sources[f"previous ({PREVIOUS_COMMIT})"] = exported(args.workdir, PREVIOUS_COMMIT)
        if not args.no_baseline:
            sources[f"baseline ({BASELINE_COMMIT})"] = exported(args.workdir,
                                                               BASELINE_COMMIT)
    for cases in args.cases:
        print(f"xjwc demo, {cases:,} cases ({load_line()})")
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in sources}
        for run in range(args.runs):
            order = list(sources) if run % 2 == 0 else list(reversed(sources))
            for name in order:
                target = args.workdir / f"bench-demo-{cases}-{name.split()[0]}.sqlite"
                wall, cpu, phases = make(sources[name], target, cases)
                results[name].append((wall, cpu))
                size = target.stat().st_size / 2**20
                line(f"run {run + 1}: {name} ({size:,.0f} MB)", f"{wall:.1f} s (CPU {cpu:.1f})",
                     load_line())
                print("      " + "; ".join(f"{p} {s:.1f} s" for p, s in phases), flush=True)
                if not (args.keep and name == "ours"):
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{target}{suffix}").unlink(missing_ok=True)
        ours = statistics.median(w for w, _c in results["ours"])
        for name, got in results.items():
            wall = statistics.median(w for w, _c in got)
            cpu = statistics.median(c for _w, c in got)
            versus = "" if name == "ours" else f"{wall / ours:.2f}× ours"
            line(f"median of {len(got)}: {name}", f"{wall:.1f} s (CPU {cpu:.1f})", versus)
        print(f"  ({load_line()} at the end)")


if __name__ == "__main__":
    main()
