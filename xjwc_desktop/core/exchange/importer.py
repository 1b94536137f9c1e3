"""Importing a file: read it, check every row, then write all of it in one transaction.

By default a file with any bad row is refused whole and the database is not touched at all
(the check runs on a read-only connection, so not even the file's header changes); with
``skip_bad`` the good rows go in and the bad ones are listed. Rows already in the database
are reported, never added twice, and are no reason to refuse. Rows that cannot be placed
on the map are listed and written to ``<file>.未定位.csv`` beside the input (same columns
plus 行号 and 原因): add coordinates or a known address there and import that file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xjwc_desktop.core import clock
from xjwc_desktop.core.changes import NOTHING, Changes
from xjwc_desktop.core.exchange.atomic import atomic_output
from xjwc_desktop.core.exchange.csv_export import quote
from xjwc_desktop.core.exchange.kinds import KINDS, kind_names
from xjwc_desktop.core.exchange.mapping import parse_overrides
from xjwc_desktop.core.exchange.parsing import text
from xjwc_desktop.core.exchange.plan import ImportPlan, RowNote, plan_import
from xjwc_desktop.core.exchange.progress import Progress
from xjwc_desktop.core.exchange.readers import FileRefused, RawTable, read_table
from xjwc_desktop.core.exchange.snapshot import read_only
from xjwc_desktop.core.exchange.sqltext import neutralise
from xjwc_desktop.core.exchange.write import apply_plan
from xjwc_desktop.core.storage.database import Database, open_database


@dataclass
class ImportReport:
    """What an import did (or, refused or dry-run, would do)."""

    kind_label: str
    file: Path
    description: str
    columns: str
    rows: int
    importable: int = 0  # rows that passed every check (what a dry run would add)
    added: int = 0  # rows written (0 when refused or dry run)
    already: list[RowNote] = field(default_factory=list)
    bad: list[RowNote] = field(default_factory=list)
    unlocated: list[RowNote] = field(default_factory=list)
    placed_by_address: int = 0
    refused: bool = False
    dry_run: bool = False
    unlocated_file: Path | None = None
    table: str = ""  # where the rows went

    @property
    def changes(self) -> Changes:
        """An import adds many rows: the views reload what they show from that table."""
        return Changes.of_everything(self.table) if self.added else NOTHING

    def lines(self, limit: int = 50) -> list[str]:
        """The report in Chinese, as the CLI prints it."""
        head = (f"{self.kind_label}：{self.file.name}（{self.description}），数据 {self.rows:,} 行")
        out = [head, f"列对应：{self.columns}"]
        if self.refused:
            out.append(f"导入被拒绝：{len(self.bad):,} 行有错误，整个文件未导入，数据库未改动。"
                       "改正后重新导入，或加 --skip-bad 只导入正确的行。")
        elif self.dry_run:
            out.append(f"试运行（未写入）：可导入 {self.importable:,} 行。")
        elif self.added:
            out.append(f"已导入 {self.added:,} 行。")
        else:
            out.append("没有新的行可导入。")
        if self.placed_by_address and not self.refused:
            out.append(f"其中 {self.placed_by_address:,} 行没有坐标，按地址定位到已知小区。")
        if self.already:
            out.append(f"已在库中（未重复导入）：{len(self.already):,} 行")
        for title, notes in (("错误", self.bad), ("未定位（未导入）", self.unlocated)):
            if notes:
                out.append(f"{title} {len(notes):,} 行：")
                out += [f"  第 {n.row} 行{f'（{n.key}）' if n.key else ''}：{n.reason}"
                        for n in notes[:limit]]
                if len(notes) > limit:
                    out.append(f"  ……另有 {len(notes) - limit:,} 行")
        if self.unlocated_file:
            out.append(f"未定位的行已写入“{self.unlocated_file}”，补充坐标或地址后可再导入。")
        return out


def _report(plan: ImportPlan, path: Path, dry_run: bool, skip_bad: bool) -> ImportReport:
    return ImportReport(
        plan.kind.label, path, plan.description, plan.column_map.describe(plan.kind),
        plan.rows_total, importable=len(plan.good), already=list(plan.already), bad=plan.bad,
        unlocated=plan.unlocated, placed_by_address=plan.placed_by_address,
        refused=bool(plan.bad) and not skip_bad, dry_run=dry_run)


def _kind(name: str):
    if name not in KINDS:
        raise FileRefused(f"未知的导入类型“{name}”，可选：{kind_names()}。")
    return KINDS[name]


def import_file(db: str | os.PathLike[str] | Database, kind: str, path: str | os.PathLike[str],
                *, crs: str = "wgs84", mapping: str | dict | None = None,
                dry_run: bool = False, skip_bad: bool = False,
                unlocated_path: str | os.PathLike[str] | None = None,
                now: dt.datetime | None = None,
                progress: Progress | None = None,
                read: Callable[[Path], RawTable] = read_table) -> ImportReport:
    """Import ``path`` as ``kind`` into ``db`` (a path, or a database the GUI has open).

    ``mapping`` is ``"列名=字段,..."`` or a dict {header: field or None} (see
    :func:`.mapping.parse_overrides`). File-level problems (unreadable, wrong type, no
    header, missing columns) raise :class:`.readers.FileRefused`; row-level problems are
    in the report. ``read`` reads the file (the GUI reads it in a child process, see
    :mod:`.isolated`).
    """
    spec = _kind(kind)
    path = Path(path)
    now = now or clock.now()
    overrides = parse_overrides(mapping, spec)
    report = progress or (lambda *_: None)
    report(0, 0, f"读取文件 {path.name}")
    table = read(path)
    if isinstance(db, Database):
        with db.engine.connect() as conn:
            plan = plan_import(conn, spec, table, crs=crs, overrides=overrides, now=now,
                               progress=progress)
    else:
        with read_only(db) as conn:
            plan = plan_import(conn, spec, table, crs=crs, overrides=overrides, now=now,
                               progress=progress)
    result = _report(plan, path, dry_run, skip_bad)
    result.table = spec.table
    if result.refused or dry_run:
        return result
    if plan.good:
        own = not isinstance(db, Database)
        database = open_database(db) if own else db
        try:
            with database.engine.begin() as conn:
                raced = apply_plan(conn, plan, workstation_id=database.workstation_id,
                                   now=now, file_name=path.name, progress=progress)
        finally:
            if own:
                database.close()
        result.added = len(plan.good) - len(raced)
        result.already += raced
    if plan.unlocated:
        result.unlocated_file = _write_unlocated(plan, path, unlocated_path)
    return result


def _write_unlocated(plan: ImportPlan, path: Path, target: str | os.PathLike | None) -> Path:
    out = Path(target) if target else path.with_name(f"{path.stem}.未定位.csv")
    headers = ["行号", "原因", *plan.column_map.headers]
    lines = [",".join(quote(h) for h in headers)]
    for note, cells in zip(plan.unlocated, plan.unlocated_cells, strict=True):
        # The cells go back to a spreadsheet: guarded like every CSV export (and the
        # guard's apostrophe is dropped again when the file is imported).
        values = [str(note.row), note.reason,
                  *(neutralise("" if c is None else text(c)) for c in cells)]
        lines.append(",".join(quote(v) for v in values))
    with atomic_output(out) as tmp:
        tmp.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return out
