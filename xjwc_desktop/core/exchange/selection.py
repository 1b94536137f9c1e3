"""Which cases an export covers: the operator's filter, or the cases they selected.

Exports accept any object with a ``where()`` method returning SQL over ``cases c`` and its
named parameters, so the case list's own filter (``queries.case_list.CaseFilter``) can be
passed as it is; :class:`CaseSelection` is the same idea with every filter the exports
offer, plus an explicit list of cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from xjwc_desktop.core.queries.case_list import CaseFilter


class SqlFilter(Protocol):
    def where(self) -> tuple[str, dict]:
        """A boolean SQL expression over ``cases c`` and its named parameters."""
        ...


@dataclass(frozen=True)
class CaseSelection(CaseFilter):
    """The cases to export (empty = all live cases): the case list's filter, plus
    ``case_ids`` — case ids or case numbers (案卷号), the operator's selection, combined with
    the other filters. Values are the stable codes (``hotline``, ``E0101``, department
    ``chengguan``, zone ``north``); the dates are report dates, both ends included.
    """

    case_ids: tuple[str, ...] | None = None

    def where(self) -> tuple[str, dict]:
        sql, params = super().where()
        if self.case_ids is None:
            return sql, params
        # One JSON parameter instead of one per id: a selection of 100,000 rows would
        # exceed SQLite's limit on bound parameters.
        params["sel_ids"] = json.dumps(list(self.case_ids))
        return (sql + " AND (c.id IN (SELECT value FROM json_each(:sel_ids)) OR "
                "c.case_no IN (SELECT value FROM json_each(:sel_ids)))"), params


ALL = CaseSelection()
