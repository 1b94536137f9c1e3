"""``xjwc demo --cases N`` (issue #15: ≤ 25 s at 1,000,000), beside the demo of the code
before each pass in the same run: ``PREVIOUS_COMMIT`` (main before the second demo pass),
``SESSION10_COMMIT`` (main before the first demo pass, session 10) and ``BASELINE_COMMIT``
(before issue #15), each exported from git into the work folder. Runs are interleaved
(ours, previous, …, then the other way round) so that the machine's load falls on all
alike; each run prints its phases, timed from the progress lines the demo writes. All but
the baseline also count the dashboard's month caches; the baseline left them for the first
dashboard (14–27 s more at 1M).

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
SESSION10_COMMIT = "60ede0f"  # main before the first demo pass (session 10)
PREVIOUS_COMMIT = "907d707"  # main before the second demo pass
ROOT = Path(__file__).resolve().parents[1]


def exported(work: Path, commit: str) -> Path:
    folder = work / f"src-{commit}"
    if not folder.exists():
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a running process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # no /proc here, or the process is gone
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Phase = tuple[str, float, float]  # name, wall seconds, CPU seconds


def make(source: Path, target: Path, cases: int) -> tuple[float, float, list[Phase]]:
    """(wall seconds, CPU seconds of the demo process, [(phase, wall, CPU)]); a phase's CPU
    is read from /proc as its progress line arrives (steadier than wall under load)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    phases: list[Phase] = []
    label, since, cpu_since = "start-up, reference data", started, 0.0
    with subprocess.Popen([sys.executable, "-m", "xjwc_desktop", "demo", "--db", str(target),
                           "--cases", str(cases - SEED_CASES)], cwd=source,
                          env={**os.environ, "PYTHONPATH": str(source)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        for message in proc.stderr:  # one progress line as each phase begins
            now, cpu_now = time.perf_counter(), process_cpu(proc.pid)
            phases.append((label, now - since, cpu_now - cpu_since))
            label, since, cpu_since = message.strip().rstrip("…")[:14], now, cpu_now
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"xjwc demo failed in {source}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    phases.append((label, wall - (since - started), cpu - cpu_since))
    return wall, cpu, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path,
                        default=Path(os.environ.get("XJWC_BENCH_DIR",
                                                    tempfile.gettempdir())) / "xjwc-bench")
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=1, help="runs of each, interleaved")
    parser.add_argument("--only", choices=["ours"], help="no baselines")
    parser.add_argument("--no-baseline", action="store_true",
                        help=f"ours and {PREVIOUS_COMMIT} only, without the older commits")
    parser.add_argument("--keep", action="store_true", help="keep the databases made")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sources = {"ours": ROOT}
    if args.only is None:
        sources[f"previous ({PREVIOUS_COMMIT})"] = exported(args.workdir, PREVIOUS_COMMIT)
        if not args.no_baseline:
            sources[f"session 10 ({SESSION10_COMMIT})"] = exported(args.workdir,
                                                                  SESSION10_COMMIT)
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
                print("      " + "; ".join(f"{p} {w:.1f} s (CPU {c:.1f})" for p, w, c in phases),
                      flush=True)
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
