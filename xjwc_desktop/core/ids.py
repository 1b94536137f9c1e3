"""Globally unique, time-ordered row ids (UUIDv7 layout, RFC 9562).

Every workstation mints ids on its own while offline, so ids must never collide across
machines; time ordering keeps B-tree inserts local, which matters at a million cases.
Python 3.11 has no ``uuid.uuid7`` yet, hence this small implementation.
"""

from __future__ import annotations

import os
import random
import time
import uuid

import numpy as np


def uuid7(unix_ms: int | None = None, rand: random.Random | None = None) -> str:
    """Return a UUIDv7 as a 32-digit lower-case hex string.

    ``unix_ms`` and ``rand`` exist for deterministic demo data; normal callers pass neither
    and get the current time and OS randomness.
    """
    ms = int(time.time() * 1000) if unix_ms is None else int(unix_ms)
    rnd = int.from_bytes(os.urandom(10), "big") if rand is None else rand.getrandbits(80)
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | rnd
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return f"{value:032x}"


def uuid7_many(unix_ms: np.ndarray, rand: random.Random) -> list[str]:
    """:func:`uuid7` of each of ``unix_ms`` with ``rand``, in numpy: the same ids, and
    ``rand`` left in the same state, as one call per value in order (a million demo ids
    one by one cost seconds)."""
    ms = np.asarray(unix_ms, np.int64).ravel()
    n = ms.size
    if n == 0:
        return []
    # getrandbits(80) draws three 32-bit words, the first the least significant, and keeps
    # the top 16 bits of the third; getrandbits(96 * n) draws the same words in the same
    # order, whole.
    words = np.frombuffer(rand.getrandbits(96 * n).to_bytes(12 * n, "little"),
                          "<u4").reshape(n, 3)
    # The 16 bytes of each id, big-endian: 48 bits of time, then the random bits with the
    # version (7) and the RFC 4122 variant set, as uuid7 sets them.
    raw = np.concatenate([
        ms.astype(">u8").view(np.uint8).reshape(n, 8)[:, 2:],
        ((words[:, 2] >> 16) & 0x0FFF | 0x7000).astype(">u2").view(np.uint8).reshape(n, 2),
        (words[:, 1] & 0x3FFF_FFFF | 0x8000_0000).astype(">u4").view(np.uint8).reshape(n, 4),
        words[:, 0].astype(">u4").view(np.uint8).reshape(n, 4)], axis=1)
    text = raw.tobytes().hex()
    return [text[k:k + 32] for k in range(0, 32 * n, 32)]


def uuid7_timestamp_ms(hex_id: str) -> int:
    """The creation time (Unix milliseconds) encoded in a UUIDv7 hex string."""
    return int(hex_id[:12], 16)


def is_uuid7(hex_id: str) -> bool:
    """True if ``hex_id`` is a well-formed version-7 id as minted by :func:`uuid7`."""
    try:
        u = uuid.UUID(hex=hex_id)
    except (ValueError, TypeError):
        return False
    return len(hex_id) == 32 and u.version == 7
