"""Keyword search over the live cases in memory: the same answers as SQL ``LIKE``, in ms.

The case list's text filter looks for the query anywhere in the case number, the order
number (``external_no``), the address or the description: ``col LIKE '%q%' ESCAPE '\\'``
over a million rows, which reads the whole table (2.6 s the first time). Here those four
texts of every case sit in one numpy array of UTF-16 code units (about 90 MB for a million
cases), fields separated by a 0, and a query is a scan of that array: the query's rarest
code unit is looked for in cache-sized chunks and the rest of the query is checked only
where it was found — or, for a query whose every unit is common, the whole query is
compared at every position and OR-ed per field. Any query of one or more characters is
served the same way, Chinese or Latin (an FTS5 trigram index serves 3 or more only, and
costs a gigabyte and half a minute to build at this size).

Exactly ``LIKE``'s semantics, which the tests check on hostile text:

* ASCII letters match either case; nothing else is folded (``Ä`` ≠ ``ä``, ``Ａ`` ≠ ``ａ``,
  full-width digits ≠ ASCII digits) — SQLite without ICU;
* ``LIKE`` reads a text only up to its first NUL character, so that is all that is indexed;
  a query holding a NUL is left to SQL (its pattern is cut there too, with odd meaning);
* a BLOB in a text column never matches; a number matches as its text;
* ``%``, ``_`` and ``\\`` in a query are literal (the list escapes them).

UTF-16 keeps one array element per character for Chinese, and a character beyond the BMP
(an emoji) is two surrogates that only ever match the same pair, so a substring of code
units is a substring of characters. A 0 unit is never part of a query, so no match spans
two fields or two cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.queries.case_loader import fetch_range_rows

FIELDS = ("case_no", "external_no", "address", "description")
_CHUNK_ROWIDS = 1 << 16  # rowids per query: one string per field (see case_loader)
_SCAN = 1 << 21  # code units compared per step (4 MB: stays in the cache)
_SAMPLE = 61  # every 61st unit is counted to guess which query unit is rarest
# A found unit costs about 240 times what comparing one unit costs (a gather, a binary
# search); comparing a whole query everywhere costs its length plus 1.5 passes (reduceat).
_COST_PER_HIT = 240


def _fast(column: str) -> str:
    # Blobs never match LIKE; NULL is an empty field. group_concat turns numbers into the
    # same text LIKE compares.
    return f"iif(typeof({column}) = 'blob', '', ifnull({column}, ''))"


def _exact(column: str) -> str:
    # length() counts up to the first NUL: the part of the text LIKE sees.
    return (f"iif(typeof({column}) = 'blob', '', "
            f"ifnull(substr({column}, 1, length({column})), ''))")


def _range_sql(expr) -> str:
    """Per range: the rowids, and every case's four texts, each text and each case closed by
    a NUL character (SQL assembles them: cheaper than joining them in Python)."""
    texts = " || char(0) || ".join(expr(c) for c in FIELDS)
    return (f"SELECT group_concat(rowid), group_concat({texts}, char(0)) FROM cases "
            "WHERE deleted_at IS NULL AND rowid BETWEEN ? AND ?")


def fold_ascii(units: np.ndarray) -> np.ndarray:
    """ASCII capitals to small letters, in place (what SQLite's LIKE ignores)."""
    units += ((units - 65) < 26).astype(np.uint16) * np.uint16(32)  # uint16 wraps below 65
    return units


def query_units(text: str) -> np.ndarray:
    """``text`` as folded UTF-16 code units (a lone surrogate, which SQL cannot take
    either, raises ``UnicodeEncodeError``)."""
    return fold_ascii(np.frombuffer(text.encode("utf-16-le"), np.uint16).copy())


@dataclass
class TextBlock:
    """The four texts of each of ``rowids`` as code units: case ``i`` starts at
    ``starts[i]``, each of its texts followed by a 0."""

    rowids: np.ndarray  # int64
    units: np.ndarray  # uint16
    starts: np.ndarray  # int64
    _estimate: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_text(cls, rowids: np.ndarray, text: str) -> TextBlock:
        """From the cases' texts joined by NUL characters, case after case (the texts
        themselves without NUL)."""
        return cls.from_pieces([np.asarray(rowids, np.int64)], [text])

    @classmethod
    def from_pieces(cls, rowids: list[np.ndarray], texts: list[str]) -> TextBlock:
        """From consecutive pieces, each as :meth:`from_text` takes it: each piece is
        encoded alone (encoding a million cases' texts at once held the GIL, and stood the
        window still, for a fifth of a second) and the code units put together by numpy."""
        n = sum(part.size for part in rowids)
        if n == 0:
            return cls(np.zeros(0, np.int64), np.zeros(1, np.uint16), np.zeros(0, np.int64))
        units = fold_ascii(np.concatenate([
            np.frombuffer((text + "\0").encode("utf-16-le", "surrogatepass"), np.uint16)
            for part, text in zip(rowids, texts, strict=True) if part.size]))
        rowids = np.concatenate(rowids)
        ends = np.flatnonzero(units == 0)
        if ends.size != len(FIELDS) * n:
            raise ValueError("case texts hold NUL characters")
        starts = np.r_[0, ends[len(FIELDS) - 1:-1:len(FIELDS)] + 1]
        return cls(np.asarray(rowids, np.int64), units, starts)

    @classmethod
    def from_rows(cls, rows: list[tuple[int, tuple[str, ...]]]) -> TextBlock:
        """From ``(rowid, (case_no, external_no, address, description))`` pairs."""
        rowids = np.array([r for r, _ in rows], np.int64)
        return cls.from_text(rowids, "\0".join("\0".join(texts) for _, texts in rows))

    def __len__(self) -> int:
        return int(self.rowids.size)

    def estimate(self) -> np.ndarray:
        """Roughly how often each code unit occurs (counted on a sample)."""
        if self._estimate is None:
            self._estimate = np.bincount(self.units[::_SAMPLE], minlength=1 << 16) * _SAMPLE
        return self._estimate

    def search(self, query: np.ndarray) -> np.ndarray:
        """Indices (into ``rowids``) of the cases with ``query`` in one of their texts."""
        n = len(self)
        if n == 0 or query.size == 0 or query.size > self.units.size:
            return np.zeros(0, np.int64)
        counts = self.estimate()[query]
        anchor = int(np.argmin(counts))
        if counts[anchor] * _COST_PER_HIT > self.units.size * (query.size + 1.5):
            return np.flatnonzero(self._dense(query))
        at = self._sparse(query, anchor, np.argsort(counts, kind="stable"))
        hit = np.zeros(n, dtype=bool)
        hit[np.searchsorted(self.starts, at, side="right") - 1] = True
        return np.flatnonzero(hit)

    def _sparse(self, query: np.ndarray, anchor: int,
                order: np.ndarray | None = None) -> np.ndarray:
        """Start positions of ``query``: where its rarest unit is, then checked unit by unit,
        rarest first (``order``), so that the candidates shrink as early as they can."""
        units, size = self.units, query.size
        found = []
        buffer = np.empty(_SCAN, dtype=bool)
        for lo in range(0, units.size, _SCAN):
            part = units[lo:lo + _SCAN]
            hits = np.flatnonzero(np.equal(part, query[anchor], out=buffer[:part.size]))
            if hits.size:
                found.append(hits + (lo - anchor))
        at = np.concatenate(found) if found else np.zeros(0, np.int64)
        at = at[(at >= 0) & (at <= units.size - size)]
        for k in (range(size) if order is None else order.tolist()):
            if k != anchor and at.size:
                at = at[units[at + k] == query[k]]
        return at

    def _dense(self, query: np.ndarray) -> np.ndarray:
        """Per case, whether ``query`` starts somewhere in it (every position compared)."""
        units, size = self.units, query.size
        total = units.size - size + 1
        match = np.zeros(units.size, dtype=bool)
        scratch = np.empty(_SCAN, dtype=bool)
        for lo in range(0, total, _SCAN):
            hi = min(total, lo + _SCAN)
            out = match[lo:hi]
            np.equal(units[lo:hi], query[0], out=out)
            for k in range(1, size):
                step = np.equal(units[lo + k:hi + k], query[k], out=scratch[:hi - lo])
                np.logical_and(out, step, out=out)
        return np.logical_or.reduceat(match, self.starts)


def load_block(conn: Connection, stop: Callable[[], bool] | None = None) -> TextBlock:
    """The texts of every live case (about a second for a million, on both cores); raises
    :class:`LoadStopped` once ``stop()`` says so."""
    top = conn.exec_driver_sql("SELECT max(rowid) FROM cases").scalar() or 0
    ranges = [(lo, lo + _CHUNK_ROWIDS - 1) for lo in range(1, top + 1, _CHUNK_ROWIDS)]
    rowids, texts = [], []
    for (lo, hi), (ids, text) in fetch_range_rows(conn, _range_sql(_fast), [], ranges, stop):
        if not ids:
            continue
        part = np.fromstring(ids, dtype=np.int64, sep=",")
        if text.count("\0") != len(FIELDS) * part.size - 1:
            # A NUL inside a text: read this range again with each text cut there.
            part_ids, text = conn.exec_driver_sql(_range_sql(_exact), (lo, hi)).one()
            part = np.fromstring(part_ids, dtype=np.int64, sep=",")
        rowids.append(part)
        texts.append(text)
    return TextBlock.from_pieces(rowids, texts)


def read_texts(conn: Connection, rowids: list[int]) -> dict[int, tuple[str, ...]]:
    """The four texts (as ``LIKE`` sees them) of those of ``rowids`` that are live cases."""
    out: dict[int, tuple[str, ...]] = {}
    exprs = ", ".join(_exact(c) for c in FIELDS)
    for start in range(0, len(rowids), 500):
        part = rowids[start:start + 500]
        marks = ",".join("?" * len(part))
        for rowid, *texts in conn.exec_driver_sql(
                f"SELECT rowid, {exprs} FROM cases WHERE deleted_at IS NULL "
                f"AND rowid IN ({marks})", tuple(part)):
            out[int(rowid)] = tuple(str(t) for t in texts)
    return out


def like_semantics(conn: Connection) -> bool:
    """Whether this SQLite's LIKE folds ASCII letters and nothing else (no ICU, no
    ``case_sensitive_like``): what :class:`TextBlock` implements."""
    return tuple(conn.exec_driver_sql("SELECT 'A' LIKE 'a', 'Ä' LIKE 'ä'").one()) == (1, 0)
