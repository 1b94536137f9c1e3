"""Keyword search in memory: exactly what SQL ``LIKE`` finds, on hostile text, after writes."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from tests.core.workflow_helpers import PATHS, START, new_case, step
from xjwc_desktop.core.model import CaseStatus
from xjwc_desktop.core.queries.case_index import CaseIndex
from xjwc_desktop.core.queries.case_list import CaseFilter, case_rowids
from xjwc_desktop.core.queries.case_text import TextBlock, query_units
from xjwc_desktop.core.sync.apply import applying, delete_rows

# Texts written into cases (description, address, order number, case number): LIKE's own
# metacharacters, quotes, FTS5 syntax, NUL and control characters, emoji, widths and cases.
HOSTILE = [
    "100% 完成", "a_b 下划线", "back\\slash 反斜杠", "it's 引号", 'say "hi"', '"NEAR(垃圾 路)"',
    "垃圾 AND 路 OR NOT 井盖*", "x\x00hidden 被截断的尾巴", "\x01控制\x1f字符\x1e\t",
    "emoji 😀🚒 表情", "１２３全角数字 ４５", "123半角 45", "ＡＢＣ全角 ａｂｃ", "MiXeD CaSe abc",
    "Äpfel äpfel ÉCOLE école", "e\u0301 组合字符", "\u3000全角空格\u3000", "%%__\\\\",
    "'; DROP TABLE cases; --", "line\nbreak 换行", "NULL null", "𠀀𠀁 扩展B区汉字",
    "国伟路%_垃圾", "XJW2015%0101", "\x00开头就是NUL", "尾部NUL\x00",
]
QUERIES = [
    "%", "_", "\\", "%%", "__", "\\\\", "'", '"', "*", "NEAR", "near(", "AND", "and", "or",
    "abc", "ABC", "aBc", "ａｂｃ", "ＡＢＣ", "Äpfel", "äpfel", "ÄPFEL", "école", "ÉCOLE", "e\u0301",
    "\u0301", "１２３", "123", "45", "４５", "😀", "🚒", "😀🚒", "𠀀", "𠀁 扩",
    "hidden", "x", "被截断", "\x01", "\x1f", "\x1e", "控制\x1f字", "\t", "\n", "break",
    "100%", "100% 完", "a_b", "k\\s", "it's", "hi\"", "DROP TABLE", "--", "null", "NULL",
    "开头", "NUL", "尾部", "国伟路%_", "%_垃", "XJW2015%", "xjw2015%0", "XJW", "xjw", "2015",
    "垃", "垃圾", "路", "圾 AND", "全角空格", "\u3000", "换行", "完成", "巡查发现",
    "市民来电反映：",
    "不存在的内容", "Z", "0", "01", "2015-", "DLD-", "12345-",
]


def sql_positions(index: CaseIndex, text: str) -> set[int]:
    with index.engine.connect() as conn:
        rowids = case_rowids(conn, CaseFilter(text=text))
    return set(index.positions_of(rowids).tolist())


def ours(index: CaseIndex, text: str) -> set[int]:
    return set(index.text_positions(text.strip()).tolist())


def write_hostile(engine) -> list[int]:
    """Hostile texts into the first cases (every column), a number, a BLOB; their rowids."""
    with engine.begin() as conn:
        rowids = [r for (r,) in conn.exec_driver_sql(
            "SELECT rowid FROM cases ORDER BY rowid LIMIT ?", (len(HOSTILE) + 2,))]
        for i, text in enumerate(HOSTILE):
            other = HOSTILE[(i + 7) % len(HOSTILE)]
            conn.exec_driver_sql(
                "UPDATE cases SET description = ?, address = ?, external_no = ?, "
                "case_no = ? WHERE rowid = ?",
                (text, other, f"{other}#{i}", f"Q{i}{text}", rowids[i]))
        conn.exec_driver_sql("UPDATE cases SET external_no = 987654321, description = ? "
                             "WHERE rowid = ?", (b"\xe5\x9e\x83\xe5\x9c\xbe blob", rowids[-2]))
        conn.exec_driver_sql("UPDATE cases SET external_no = 3.25, address = '' "
                             "WHERE rowid = ?", (rowids[-1],))
    return rowids


@pytest.fixture
def hostile_index(demo_db) -> CaseIndex:
    write_hostile(demo_db.engine)
    index = CaseIndex.load(demo_db.engine)
    index.prefetch_text()
    return index


def test_the_search_finds_what_like_finds_on_hostile_text(hostile_index) -> None:
    index = hostile_index
    substrings = {t[i:i + k] for t in HOSTILE for k in (1, 2, 3, 5)
                  for i in range(0, len(t), 3)}
    queries = [q for q in sorted(set(QUERIES) | substrings) if q.strip()]
    assert len(queries) > 300
    for q in queries:
        assert ours(index, q) == sql_positions(index, q), repr(q)
    assert index.texts.loaded  # answered in memory, not by the SQL fallback


def test_what_like_cannot_see_is_not_found(hostile_index) -> None:
    index = hostile_index
    assert ours(index, "hidden") == set()  # after a NUL
    assert ours(index, "尾巴") == set()
    assert ours(index, "开头就是") == set()  # the whole text after a leading NUL
    assert ours(index, "blob") == set()  # a BLOB in a text column never matches LIKE
    assert len(ours(index, "87654")) == 1  # a number matches as its text
    assert len(ours(index, "3.25")) == 1
    assert len(ours(index, "abc")) == len(ours(index, "ABC")) > 0  # ASCII folds
    assert ours(index, "１２３") != ours(index, "123")
    assert ours(index, "x\x00y") == sql_positions(index, "x\x00y")  # NUL: asked of SQL
    for broken in ("\ud83d", "\ud83d\ude00"):  # lone surrogates: neither can take them
        with pytest.raises(UnicodeEncodeError):
            sql_positions(index, broken)
        with pytest.raises(UnicodeEncodeError):
            ours(index, broken)


def test_both_scans_agree_with_a_plain_search() -> None:
    texts = [("XJW1", "", "国伟路", "路边垃圾"), ("xjw2", "DLD-1", "淞沪路", "ＡＢＣ😀"),
             ("a", "b", "", "abab"), ("", "", "", ""), ("Äpfel", "１２３", "", "")] * 50
    block = TextBlock.from_rows(list(enumerate(texts, start=1)))
    for q in ["路", "垃圾", "xjw", "XJW1", "😀", "b", "ab", "aba", "ＡＢＣ", "a", "路边垃圾"]:
        expected = [i for i, t in enumerate(texts) if any(q.lower() in f.lower() for f in t)]
        assert expected
        unit = query_units(q)
        assert np.flatnonzero(block._dense(unit)).tolist() == expected, q
        at = block._sparse(unit, int(np.argmin(block.estimate()[unit])))
        found = np.unique(np.searchsorted(block.starts, at, side="right") - 1)
        assert found.tolist() == expected, q
        assert block.search(unit).tolist() == expected, q
    # ASCII letters fold, nothing else: as SQLite's LIKE without ICU.
    assert block.search(query_units("ÄPFEL")).size == 50
    assert block.search(query_units("äpfel")).size == 0
    assert block.search(query_units("123")).size == 0


def test_the_search_follows_every_kind_of_write(demo_db) -> None:
    engine = demo_db.engine
    index = CaseIndex.load(engine)
    index.prefetch_text()
    probes = ["垃圾", "新写入", "路", "XJW2016", "%", "被改", "😀"]
    for q in probes:
        assert ours(index, q) == sql_positions(index, q)
    rowids = index.cols["rowid"]
    with demo_db.write() as s:  # intake, then workflow steps, as the window does them
        made = new_case(s, description="新写入的案件 😀 100%", address="被改的地址")
        for i, (action, role, dept, note) in enumerate(PATHS[CaseStatus.DISPATCHED], 1):
            step(s, made.case_id, action, role, START + dt.timedelta(minutes=i),
                 department=dept, note=note)
    with engine.begin() as conn:
        new_rowid = conn.exec_driver_sql("SELECT rowid FROM cases WHERE id = ?",
                                         (made.case_id,)).scalar_one()
        conn.exec_driver_sql("UPDATE cases SET description = '被改：路边' WHERE rowid = ?",
                             (int(rowids[3]),))
        conn.exec_driver_sql("UPDATE cases SET deleted_at = '2016-01-01' WHERE rowid = ?",
                             (int(rowids[4]),))
    with applying(engine) as conn:  # the sync taking back a case the office refused
        case_id = conn.exec_driver_sql("SELECT id FROM cases WHERE rowid = ?",
                                       (int(rowids[5]),)).scalar_one()
        events = [e for (e,) in conn.exec_driver_sql(
            "SELECT id FROM case_events WHERE case_id = ?", (case_id,))]
        delete_rows(conn, "case_events", events)
        delete_rows(conn, "cases", [case_id])
    index.apply_changes([new_rowid, int(rowids[3]), int(rowids[4]), int(rowids[5])])
    for q in probes:
        assert ours(index, q) == sql_positions(index, q), q
    assert len(ours(index, "新写入")) == 1
    assert ours(index, "被改") == sql_positions(index, "被改") != set()
    with engine.begin() as conn:  # a bulk write outside the window (an import, a sync)
        conn.exec_driver_sql("UPDATE cases SET address = '批量' || address "
                             "WHERE rowid % 7 = 0")
    index.refresh()
    for q in [*probes, "批量"]:
        assert ours(index, q) == sql_positions(index, q), q
    assert index.texts.loaded


def test_writes_landing_while_the_texts_load_are_not_lost(demo_db) -> None:
    engine = demo_db.engine
    index = CaseIndex.load(engine)
    rowids = [int(r) for r in index.cols["rowid"][:3]]
    for i, rowid in enumerate(itertools.cycle(rowids)):
        if i == 12:
            break
        if i == 2:
            index.prefetch_text()  # loading in the background while writes arrive
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE cases SET description = ? WHERE rowid = ?",
                                 (f"第{i}次改写", rowid))
        index.apply_changes([rowid])
    for q in ["改写", "第1次", "第9次", "第10次", "第11次", "第3次"]:
        assert ours(index, q) == sql_positions(index, q), q


def test_closing_stops_a_load_and_leaves_no_connection_open(demo_db, monkeypatch) -> None:
    """A window closing while the texts load: the load stops (its helper process too) and
    no connection stays open on the file, so it is closed as it was found; searches after
    that still answer, through SQL."""
    from xjwc_desktop.core.queries import case_loader, case_text

    monkeypatch.setattr(case_text, "_CHUNK_ROWIDS", 1)  # thousands of queries: a long load
    monkeypatch.setattr(case_loader, "MIN_ROWIDS_FOR_HELPER", 0)  # with its helper process
    index = CaseIndex.load(demo_db.engine)
    index.prefetch_text()
    loader = index.texts._loader
    assert loader is not None
    index.texts.close()
    assert not loader.is_alive()
    assert not index.texts.loaded
    assert demo_db.engine.pool.checkedout() == 0
    index.texts.prefetch()
    assert index.texts._loader is None  # nothing starts again
    for q in ["路", "XJW2015"]:
        assert ours(index, q) == sql_positions(index, q), q
