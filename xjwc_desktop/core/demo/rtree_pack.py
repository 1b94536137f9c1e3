"""Filling the case R*Tree of a new demo database in one pass: nodes packed by numpy.

Inserting a million points into SQLite's R*Tree one by one costs 12–20 s here (each insert
walks the tree, splits nodes and re-inserts entries); that was the biggest single part of
``xjwc demo --cases 1000000``. A tree built from all points at once by Sort-Tile-Recursive
packing (sort by longitude into vertical slices, each slice by latitude, 51 points a leaf,
then the same one level up) takes under a second in numpy, and its full, non-overlapping
leaves make bounding-box queries cheaper too.

The nodes are written into the R*Tree's own tables in SQLite's on-disk format (rtree.c):
a node is a blob of ``4 + 24 * 51`` bytes — the tree depth (root only) and the cell count,
big-endian 16-bit, then per cell a big-endian 64-bit id (the case's rowid in a leaf, the
child node's number above) and ``min_lon, max_lon, min_lat, max_lat`` as big-endian 32-bit
floats, rounded outwards exactly as SQLite rounds them; ``_rowid`` maps each case to its
leaf and ``_parent`` each node to its parent; node 1 is the root. Only for an empty tree of
that shape (the demo's, before its cases go in); ``rtreecheck()`` verifies the result in
the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

from xjwc_desktop.core.demo.bulk import Rows, insert, to_rows

MAX_CELLS = 51  # RTREE_MAXCELLS
CELL = np.dtype([("id", ">i8"), ("x0", ">f4"), ("x1", ">f4"), ("y0", ">f4"), ("y1", ">f4")])
BOX = np.dtype([("x0", "f4"), ("x1", "f4"), ("y0", "f4"), ("y1", "f4")])
NODE_BYTES = 4 + CELL.itemsize * MAX_CELLS
_TOWARDS, _AWAY = 1.0 - 1.0 / 8388608.0, 1.0 + 1.0 / 8388608.0


def _down(values: np.ndarray) -> np.ndarray:
    """SQLite's rtreeValueDown: the largest float32 not above each value (as it computes it)."""
    f = values.astype(np.float32)
    over = f.astype(np.float64) > values
    scaled = values * np.where(values < 0, _AWAY, _TOWARDS)
    return np.where(over, scaled.astype(np.float32), f)


def _up(values: np.ndarray) -> np.ndarray:
    """SQLite's rtreeValueUp."""
    f = values.astype(np.float32)
    under = f.astype(np.float64) < values
    scaled = values * np.where(values < 0, _TOWARDS, _AWAY)
    return np.where(under, scaled.astype(np.float32), f)


def _tiles(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sort-Tile-Recursive order of the boxes centred at ``x, y``: groups of 51 in a row
    of the result are close together."""
    n = x.size
    leaves = math.ceil(n / MAX_CELLS)
    per_slice = math.ceil(math.sqrt(leaves)) * MAX_CELLS
    by_x = np.argsort(x, kind="stable")
    slice_of = np.empty(n, np.int64)
    slice_of[by_x] = np.arange(n) // per_slice
    return np.lexsort((y, slice_of))


def _level(ids: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One level of nodes over items with ``ids`` and boxes ``box`` (fields x0 x1 y0 y1):
    the node blobs ``(nodes, NODE_BYTES)`` (depth 0), each node's box, and each item's
    node (index in this level)."""
    n = ids.size
    order = _tiles((box["x0"].astype(np.float64) + box["x1"]) / 2,
                   (box["y0"].astype(np.float64) + box["y1"]) / 2)
    nodes = math.ceil(n / MAX_CELLS)
    cells = np.zeros(nodes * MAX_CELLS, CELL)
    cells["id"][:n] = ids[order]
    for k in ("x0", "x1", "y0", "y1"):
        cells[k][:n] = box[k][order]
    blobs = np.zeros((nodes, NODE_BYTES), np.uint8)
    blobs[:, 4:] = cells.view(np.uint8).reshape(nodes, -1)
    counts = np.full(nodes, MAX_CELLS, np.int64)
    counts[-1] = n - (nodes - 1) * MAX_CELLS
    blobs[:, 2], blobs[:, 3] = counts >> 8, counts & 0xFF
    starts = np.arange(nodes) * MAX_CELLS
    sorted_box = {k: box[k][order].astype(np.float32) for k in ("x0", "x1", "y0", "y1")}
    node_box = np.zeros(nodes, BOX)
    node_box["x0"] = np.minimum.reduceat(sorted_box["x0"], starts)
    node_box["y0"] = np.minimum.reduceat(sorted_box["y0"], starts)
    node_box["x1"] = np.maximum.reduceat(sorted_box["x1"], starts)
    node_box["y1"] = np.maximum.reduceat(sorted_box["y1"], starts)
    node_of = np.empty(n, np.int64)
    node_of[order] = np.arange(n) // MAX_CELLS
    return blobs, node_box, node_of


@dataclass
class PackedTree:
    """The rows of a packed tree's three tables, ready to insert."""

    nodes: Rows  # nodeno, data
    leaves: Rows  # rowid (the case's), nodeno
    parents: Rows  # nodeno, parentnode


def pack(rowids: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> PackedTree:
    """The tree of these points, packed (numpy; touches no database, so the demo packs it
    beside the insert of its last cases)."""
    n = int(rowids.size)
    if n == 0:
        return PackedTree(to_rows({"nodeno": [1], "data": [bytes(NODE_BYTES)]}),
                          to_rows({"rowid": [], "nodeno": []}),
                          to_rows({"nodeno": [], "parentnode": []}))
    # Level sizes first, so that nodes can be numbered from the root (node 1) down.
    counts = [math.ceil(n / MAX_CELLS)]
    while counts[-1] > 1:
        counts.append(math.ceil(counts[-1] / MAX_CELLS))
    first = [0] * len(counts)
    number = 1
    for k in range(len(counts) - 1, -1, -1):
        first[k] = number
        number += counts[k]
    box = np.zeros(n, BOX)
    box["x0"], box["x1"], box["y0"], box["y1"] = _down(lon), _up(lon), _down(lat), _up(lat)
    ids = np.asarray(rowids, np.int64)
    node_no: list[np.ndarray] = []
    node_data: list[bytes] = []
    children: list[np.ndarray] = []
    parents: list[np.ndarray] = []
    leaves = (ids, ids)
    for k in range(len(counts)):
        blobs, box, node_of = _level(ids, box)
        if k == 0:
            leaves = (ids, first[0] + node_of)
        else:
            children.append(ids)
            parents.append(first[k] + node_of)
        if k == len(counts) - 1:
            blobs[0, 0], blobs[0, 1] = k >> 8, k & 0xFF  # the root holds the depth
        node_no.append(np.arange(first[k], first[k] + counts[k]))
        node_data.extend(map(bytes, blobs))
        ids = first[k] + np.arange(counts[k])  # the next level holds these nodes
    return PackedTree(
        to_rows({"nodeno": np.concatenate(node_no), "data": node_data}),
        to_rows({"rowid": leaves[0], "nodeno": leaves[1]}),
        to_rows({"nodeno": np.concatenate([np.zeros(0, np.int64), *children]),
                 "parentnode": np.concatenate([np.zeros(0, np.int64), *parents])}))


def write(conn: Connection, tree: PackedTree) -> bool:
    """Replace the content of ``case_rtree`` by ``tree``. False (nothing done) if the
    tree's nodes are not of the size this packer writes."""
    size = conn.exec_driver_sql(
        "SELECT length(data) FROM case_rtree_node WHERE nodeno = 1").scalar()
    if size != NODE_BYTES:
        return False
    for suffix in ("node", "rowid", "parent"):
        conn.exec_driver_sql(f"DELETE FROM case_rtree_{suffix}")
    insert(conn, "case_rtree_node", tree.nodes)
    insert(conn, "case_rtree_rowid", tree.leaves)
    insert(conn, "case_rtree_parent", tree.parents)
    return True


def fill_case_rtree(conn: Connection, rowids: np.ndarray, lon: np.ndarray,
                    lat: np.ndarray) -> bool:
    """Replace the content of ``case_rtree`` by one packed tree of these points. False
    (nothing done) if the tree's nodes are not of the size this packer writes."""
    return write(conn, pack(rowids, lon, lat))
