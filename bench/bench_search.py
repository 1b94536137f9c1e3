"""Keyword search over every case (issue #15: first search ≤ 100 ms, repeats ≤ 50 ms at 1M).

For each database: the case index is loaded, then the texts for keyword search (in the
background in the window; timed here, with the memory they take). Each query is then
searched as new (the index's cache of searches emptied first; median of ``--runs``) and
again as a repeat (the filter mask the list and map use, from the cache), beside the SQL
``LIKE`` the index used before (the baseline, run twice: the first read of a query's pages
and a second one), and checked to find exactly the same cases.

    .venv/bin/python bench/bench_search.py --db 100k.sqlite 1m.sqlite [3m.sqlite] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from bench_common import line, load_line, median_ms
from sqlalchemy import create_engine

from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.queries.case_list import CaseFilter

# What operators type: a case number and its prefix, an order number, a road, a compound,
# words of descriptions, single characters (the commonest is the worst case), Latin, digits.
QUERIES = ["XJW2016", "xjw20230", "DLD-2015", "12345-20150", "国伟路", "尚景园", "垃圾",
           "噪声扰民", "占用盲道", "路", "垃", "噪", "2", "0101", "😀", "不存在的词"]


def one_case_number(engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT case_no FROM cases ORDER BY rowid DESC "
                                    "LIMIT 1 OFFSET 1000").scalar()


def bench(path: Path, runs: int) -> list[tuple[float, float]]:
    engine = create_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    index = CaseIndex.load(engine)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    index.prefetch_text()
    index.texts.find("x")  # waits for the background load
    texts = time.perf_counter() - started
    block = index.texts._base
    print(f"{path.name}: {len(index):,} cases ({load_line()})")
    line("case index loaded", f"{loaded:.2f} s")
    line("texts for keyword search loaded (background)", f"{texts:.2f} s",
         f"{(block.units.nbytes + block.starts.nbytes + block.rowids.nbytes) / 2**20:,.0f} MB "
         f"in memory, {block.units.size:,} characters")
    figures = []
    for query in [*QUERIES, one_case_number(engine)]:
        def first(q=query):
            index._text_cache.clear()
            return index.text_positions(q)

        found = first()
        first_ms = median_ms(first, runs)[0]
        mask = index.mask(CaseFilter(text=query))
        repeat_ms = median_ms(lambda q=query: index.mask(CaseFilter(text=q)), runs)[0]
        like = []
        for _ in range(2):
            t0 = time.perf_counter()
            rowids = index._like_rowids(query)
            like.append((time.perf_counter() - t0) * 1000)
        pos = index.positions_of(rowids)
        same = np.array_equal(np.sort(pos[pos >= 0]), found) and int(mask.sum()) == found.size
        line(f"{query!r} ({found.size:,} cases)", f"{first_ms:7.1f} / {repeat_ms:5.1f} ms",
             f"LIKE {like[0]:,.0f} / {like[1]:,.0f} ms, same cases: {same}")
        assert same, query
        figures.append((first_ms, repeat_ms))
    firsts = [f for f, _ in figures]
    repeats = [r for _, r in figures]
    line("median over the queries: first / repeat",
         f"{statistics.median(firsts):7.1f} / {statistics.median(repeats):5.1f} ms",
         f"slowest first {max(firsts):.1f} ms, slowest repeat {max(repeats):.1f} ms")
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, nargs="+", required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("per query: first search / repeat (median of runs), then SQL LIKE (first / again)")
    for path in args.db:
        bench(path, args.runs)
        print()


if __name__ == "__main__":
    main()
