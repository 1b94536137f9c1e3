"""Foundation figures: ``xjwc demo --cases N`` and the first ``xjwc screenshot``.

Prints our times beside baselines measured in the same run:
- generation: the same kind of case rows written the ordinary way, SQLAlchemy ORM
  ``session.add_all`` + commit, on a sample, as rows per second and extrapolated to N;
- screenshot: the same window on the small seed database, so the cost of scale shows.

Usage: python bench/bench_foundation.py [--cases 1000000] [--orm-sample 20000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run_cli(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "xjwc_desktop", *args], cwd=ROOT,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"xjwc {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return elapsed, proc.stderr


def orm_baseline(folder: Path, n: int) -> float:
    """Rows/s for ORM inserts of cases into a fresh database (indexes, R*Tree, FKs on)."""
    from xjwc_desktop.core.geo.mapdata import load_map_data
    from xjwc_desktop.core.model import Case, CaseSource, CaseStatus
    from xjwc_desktop.core.storage.database import open_database
    from xjwc_desktop.core.storage.reference import install_reference_data

    db = open_database(folder / "orm.sqlite", create=True)
    maps = load_map_data()
    rnd = random.Random(1)
    x0, y0, x1, y1 = maps.boundary.bounds
    with db.write() as s:
        install_reference_data(s, db.workstation_id)
    start = dt.datetime(2016, 1, 1, 8)
    started = time.perf_counter()
    with db.write() as s:
        for i in range(n):
            lon, lat = rnd.uniform(x0, x1), rnd.uniform(y0, y1)
            s.add(Case(case_no=f"B{i:09d}", source=CaseSource.PATROL, category_code="E0101",
                       status=CaseStatus.CLOSED, lon=lon, lat=lat, address="殷行路沿线",
                       description="巡查发现：路边堆放生活垃圾", zone_code=maps.zone_at(lon, lat),
                       grid_code=maps.grid_at(lon, lat),
                       reported_at=start + dt.timedelta(minutes=7 * i),
                       written_by=db.workstation_id))
    elapsed = time.perf_counter() - started
    db.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--orm-sample", type=int, default=20_000)
    parser.add_argument("--keep", help="keep the generated databases in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        seed_db, big_db = folder / "seed.sqlite", folder / f"demo_{args.cases}.sqlite"
        for p in (seed_db, big_db):
            p.unlink(missing_ok=True)
        t_seed, _ = run_cli("demo", "--db", str(seed_db))
        t_big, _ = run_cli("demo", "--db", str(big_db), "--cases", str(args.cases))
        rate_orm = orm_baseline(folder, args.orm_sample)
        extra = args.cases
        ours_rate = extra / max(t_big - t_seed, 1e-9)
        t_shot_seed, _ = run_cli("screenshot", "--db", str(seed_db),
                                 "--out", str(folder / "seed.png"))
        t_shot_big, _ = run_cli("screenshot", "--db", str(big_db),
                                "--out", str(folder / "big.png"))
        size_mb = big_db.stat().st_size / 1e6

    print(f"xjwc demo (seed data only, ~16k cases + history)     {t_seed:7.1f} s")
    print(f"xjwc demo --cases {args.cases:,}                      {t_big:7.1f} s   "
          f"({ours_rate:,.0f} scale cases/s, file {size_mb:,.0f} MB)")
    print(f"  baseline: ORM add_all of {args.orm_sample:,} cases        {rate_orm:10,.0f} rows/s "
          f"-> {args.cases / rate_orm:,.0f} s for {args.cases:,}")
    print(f"first xjwc screenshot, seed database (process start to PNG)  {t_shot_seed:5.2f} s")
    print(f"first xjwc screenshot, {args.cases:,}-case database          {t_shot_big:5.2f} s")


if __name__ == "__main__":
    main()
