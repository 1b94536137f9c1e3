"""Issue #14: texts are refused over their column's length before anything is written,
the same limits the office server applies (and PostgreSQL's VARCHAR)."""

from __future__ import annotations

import sqlite3

from xjwc_desktop.cli import main


def test_the_cli_refuses_a_4000_character_address_with_a_clear_message(demo_db_path, capsys):
    def counts():
        with sqlite3.connect(demo_db_path) as con:
            return [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("cases", "case_events", "sync_outbox")]

    before = counts()
    code = main(["case", "new", "--db", str(demo_db_path), "--source", "微信",
                 "--category", "暴露垃圾", "--lon", "121.5046", "--lat", "31.3268",
                 "--address", "长" * 4000])
    assert code == 2
    err = capsys.readouterr().err
    assert "过长" in err
    assert "最多 200 个" in err
    assert "cases.address" in err
    assert counts() == before  # nothing written


def test_a_text_at_its_limit_is_taken(demo_db_path, capsys):
    assert main(["case", "new", "--db", str(demo_db_path), "--source", "微信",
                 "--category", "暴露垃圾", "--lon", "121.5046", "--lat", "31.3268",
                 "--address", "长" * 200, "--json"]) == 0
