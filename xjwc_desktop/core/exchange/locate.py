"""Placing rows that have an address but no coordinates.

The rule is the intake's (``workflow.intake.locate_address``): the longest compound name
or alias found in the address wins. Here the compounds are read once per import instead
of once per row, since a file may hold a hundred thousand addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class Place:
    lon: float
    lat: float
    name: str  # the name or alias that matched
    compound_id: str


class AddressLocator:
    def __init__(self, conn: Connection) -> None:
        names = []
        for cid, name, aliases, lon, lat in conn.exec_driver_sql(
                "SELECT id, name, aliases, lon, lat FROM compounds WHERE deleted_at IS NULL"):
            for n in [name, *(aliases or "").split("/")]:
                if n:
                    names.append(Place(lon, lat, n, cid))
        # Longest first, so the first hit is the longest (as in locate_address).
        self._names = sorted(names, key=lambda p: -len(p.name))
        self._cache: dict[str, Place | None] = {}

    def locate(self, address: str | None) -> Place | None:
        if not address:
            return None
        if address not in self._cache:
            self._cache[address] = next((p for p in self._names if p.name in address), None)
        return self._cache[address]
