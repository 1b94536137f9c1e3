"""Row ids: UUIDv7 hex strings, unique across workstations and ordered by time."""

from __future__ import annotations

import random
import re
import time
import uuid

import numpy as np
import pytest

from xjwc_desktop.core.ids import is_uuid7, uuid7, uuid7_many, uuid7_timestamp_ms

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_uuid7_is_32_lowercase_hex_of_version_7_and_rfc_variant() -> None:
    for _ in range(200):
        value = uuid7()
        assert HEX32.fullmatch(value), value
        parsed = uuid.UUID(hex=value)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert is_uuid7(value)


def test_uuid7_carries_the_current_time() -> None:
    before = int(time.time() * 1000)
    value = uuid7()
    after = int(time.time() * 1000)
    assert before <= uuid7_timestamp_ms(value) <= after


@pytest.mark.parametrize(
    "ms", [0, 1, 1_446_307_200_000, 1_700_000_000_123, 2**48 - 1]
)
def test_timestamp_round_trip(ms: int) -> None:
    assert uuid7_timestamp_ms(uuid7(ms)) == ms
    assert uuid7_timestamp_ms(uuid7(ms, random.Random(7))) == ms


def test_ids_sort_in_time_order() -> None:
    start = 1_420_041_600_000  # 2015-01-01 00:00 +08:00
    stamps = [start + k * 37 for k in range(500)]
    rng = random.Random(99)
    ids = [uuid7(ms, rng) for ms in stamps]
    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)
    # Shuffled input: sorting the ids sorts by their timestamps.
    shuffled = ids[:]
    random.Random(1).shuffle(shuffled)
    assert [uuid7_timestamp_ms(i) for i in sorted(shuffled)] == stamps


def test_seeded_random_and_fixed_ms_are_deterministic() -> None:
    first = [uuid7(1_446_307_200_000 + k, random.Random(2015)) for k in range(5)]
    again = [uuid7(1_446_307_200_000 + k, random.Random(2015)) for k in range(5)]
    assert first == again
    seq_a = random.Random(2015)
    seq_b = random.Random(2015)
    assert [uuid7(5, seq_a) for _ in range(20)] == [uuid7(5, seq_b) for _ in range(20)]


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
def test_many_at_once_are_the_ids_one_by_one(n) -> None:
    """The demo's ids made in numpy are the ids uuid7 makes one call at a time, and the
    random stream goes on from the same place (what comes next is the same too)."""
    ms = np.random.default_rng(n).integers(0, 2**48, n)
    edges = [0, 2**48 - 1, 1_446_307_200_000, 2**48 + 5, -1]  # 48 bits kept, as uuid7 does
    ms[:min(n, len(edges))] = edges[:n]
    one_by_one, at_once = random.Random(7), random.Random(7)
    expected = [uuid7(int(m), one_by_one) for m in ms.tolist()]
    assert uuid7_many(ms, at_once) == expected
    assert at_once.getstate() == one_by_one.getstate()
    assert all(is_uuid7(i) for i in expected)


def test_different_seeds_give_different_ids_at_the_same_instant() -> None:
    ids = {uuid7(1_446_307_200_000, random.Random(seed)) for seed in range(100)}
    assert len(ids) == 100


def test_os_randomness_gives_distinct_ids_at_the_same_instant() -> None:
    ids = {uuid7(1_446_307_200_000) for _ in range(1000)}
    assert len(ids) == 1000


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "not-an-id",
        "0" * 31,
        "0" * 33,
        "g" * 32,
        "5f0c3e7a2b1d4c8e9a6f0b1c2d3e4f50",  # version 4 (fixed: xdist collects alike)
        "0189e3b6c0d01000800000000000000",  # 31 digits
        "0189e3b6-c0d0-7000-8000-000000000000",  # dashed form is not what we mint
        "{0189e3b6c0d07000800000000000000}",
        "0189e3b6c0d07abc0def0123456789ab",  # version nibble 7 but not the RFC variant
        None,
    ],
)
def test_is_uuid7_rejects_junk(junk) -> None:
    assert is_uuid7(junk) is False


def test_is_uuid7_rejects_version_1() -> None:
    assert is_uuid7(uuid.uuid1().hex) is False


def test_is_uuid7_accepts_a_hand_built_v7() -> None:
    assert is_uuid7("0189e3b6c0d07abc8def0123456789ab")
