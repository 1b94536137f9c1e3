"""Which cases an export covers: the operator's filter, or the cases they selected.

Exports accept any object with a ``where()`` method returning SQL over ``cases c`` and its
named parameters, so the case list's own filter (``queries.case_list.CaseFilter``) can be
passed as it is; :class:`CaseSelection` is the same idea with every filter the exports
offer, plus an explicit list of cases.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Protocol


class SqlFilter(Protocol):
    def where(self) -> tuple[str, dict]:
        """A boolean SQL expression over ``cases c`` and its named parameters."""
        ...


@dataclass(frozen=True)
class CaseSelection:
    """The cases to export (empty = all live cases).

    Values are the stable codes (``hotline``, ``E0101``, department ``chengguan``, zone
    ``north``); the dates are report dates, both ends included. ``case_ids`` holds case ids
    or case numbers (案卷号): the operator's selection, combined with the other filters.
    """

    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    zone: str | None = None
    departments: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    case_ids: tuple[str, ...] | None = None

    def where(self) -> tuple[str, dict]:
        parts, params = ["c.deleted_at IS NULL"], {}

        def one_of(column: str, name: str, values: tuple[str, ...]) -> str:
            keys = [f"sel_{name}{i}" for i in range(len(values))]
            params.update(zip(keys, values, strict=True))
            return f"{column} IN ({', '.join(':' + k for k in keys)})"

        for name, column, values in (("status", "c.status", self.statuses),
                                     ("source", "c.source", self.sources),
                                     ("category", "c.category_code", self.categories)):
            if values:
                parts.append(one_of(column, name, values))
        if self.zone:
            parts.append("c.zone_code = :sel_zone")
            params["sel_zone"] = self.zone
        if self.departments:
            parts.append("c.department_id IN (SELECT id FROM departments WHERE "
                         + one_of("code", "dept", self.departments) + ")")
        if self.date_from:
            parts.append("c.reported_at >= :sel_from")
            params["sel_from"] = self.date_from.isoformat()
        if self.date_to:
            # Stored times carry seconds and fractions: "before the next day" includes
            # the whole last day, whatever the text form.
            parts.append("c.reported_at < :sel_to")
            params["sel_to"] = (self.date_to + dt.timedelta(days=1)).isoformat()
        if self.case_ids is not None:
            # One JSON parameter instead of one per id: a selection of 100,000 rows would
            # exceed SQLite's limit on bound parameters.
            params["sel_ids"] = json.dumps(list(self.case_ids))
            parts.append("(c.id IN (SELECT value FROM json_each(:sel_ids)) OR "
                         "c.case_no IN (SELECT value FROM json_each(:sel_ids)))")
        return " AND ".join(parts), params


ALL = CaseSelection()
