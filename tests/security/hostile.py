"""Hostile spreadsheets, generated small on disk, and a child process that reads one and
reports what happened and how much memory it took."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NS = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def write_xlsx(path: Path, sheet: str | Iterable[str], shared: str | Iterable[str] | None = None
               ) -> Path:
    """A minimal workbook with one sheet; ``sheet``/``shared`` are the parts' XML, given
    whole or as pieces streamed into the zip (a big part never sits in memory)."""
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{_MAIN}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" '
             f'ContentType="{_MAIN}.worksheet+xml"/>'
             + (f'<Override PartName="/xl/sharedStrings.xml" '
                f'ContentType="{_MAIN}.sharedStrings+xml"/>' if shared is not None else "")
             + "</Types>")
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>")
    book = (f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{_REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>")
    book_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 f'relationships"><Relationship Id="rId1" Type="{_REL}/worksheet" '
                 'Target="worksheets/sheet1.xml"/>'
                 + (f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" '
                    'Target="sharedStrings.xml"/>' if shared is not None else "")
                 + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", book_rels)
        for name, part in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared)):
            if part is None:
                continue
            with zf.open(name, "w", force_zip64=True) as out:
                for piece in [part] if isinstance(part, str) else part:
                    out.write(piece.encode())
    return path


_PROBE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a regression fails, not the box
from xjwc_desktop.core.exchange.readers import FileRefused, read_table
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    table = read_table(sys.argv[1])
    out = {"rows": len(table.rows), "first": table.rows[:2]}
except FileRefused as exc:
    out = {"refused": str(exc)}
out["grew_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps(out, ensure_ascii=False, default=str))
"""


def read_in_child(path: Path) -> dict:
    """Read ``path`` as the importer does, in a child process (a crash must not take the
    test run down); its outcome and its peak memory growth in MB."""
    done = subprocess.run([sys.executable, "-c", _PROBE, str(path)], cwd=REPO,
                          capture_output=True, text=True, encoding="utf-8", timeout=600,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
