"""案件办理绩效 on the dashboard: closure and rework rates, per department, and inspectors'
daily finds against their target.

The rates are those of :func:`xjwc_desktop.core.metrics.compute_metrics` (cases registered
in the period; DOMAIN.md's formulas). The dashboard needs only the rates SQL can count, so
it runs the metrics package's own count expressions in one GROUP BY and derives the rates
through :class:`MetricRow`: the same definitions and formulas, without the working-time
pass over every case's timestamps that the full metrics need (seconds at a million cases).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from xjwc_desktop.core.metrics.groups import describe
from xjwc_desktop.core.metrics.row import MetricRow
from xjwc_desktop.core.model import Inspector
from xjwc_desktop.core.reporting.aggregates import DEPARTMENTS, INSPECTOR_DAYS, direct_counts
from xjwc_desktop.core.reporting.case_figures import Read
from xjwc_desktop.core.stats import Period

# Rates that follow from the SQL counts alone (no work calendar needed).
SQL_RATES = ("closure_rate", "closure_on_time_rate", "handling_rate",
             "handling_on_time_rate", "rework_rate")
_COUNT_NAMES = ("registered", "to_close", "closed", "closed_on_time", "dispatched",
                "handled", "handled_on_time", "reworked")


def _row(key: str | None, label: str, counts: dict[str, int]) -> dict[str, Any]:
    metric = MetricRow(key=key, label=label, registered=counts["registered"],
                       to_dispatch=counts["to_close"], dispatched=counts["dispatched"],
                       to_handle=counts["dispatched"], handled=counts["handled"],
                       handled_on_time=counts["handled_on_time"], reworked=counts["reworked"],
                       to_close=counts["to_close"], closed=counts["closed"],
                       closed_on_time=counts["closed_on_time"])
    return {"key": key, "label": label,
            **{name: getattr(metric, name) for name in (*_COUNT_NAMES, "to_handle")},
            **{name: getattr(metric, name) for name in SQL_RATES}}


def department_performance(conn: Connection, period: Period,
                           read: Read = direct_counts) -> dict[str, Any]:
    """The period's totals and one row per department (key: department code).

    Cases not dispatched yet form the row with key None (（未派遣）). Each row carries the
    counts and :data:`SQL_RATES` (0..1, None when nothing to divide by). The counts are the
    metrics package's own SQL over its own population (cases registered in the period, see
    :data:`.aggregates.DEPARTMENTS`): what keeps these rates equal to compute_metrics.
    """
    names = list(DEPARTMENTS.counts)
    counts = {key or None: dict(zip(names, values, strict=True))
              for (key,), values in read(conn, DEPARTMENTS, period).items()}
    labels = describe(conn, "department", counts)
    total = {n: sum(c[n] for c in counts.values()) for n in names}
    departments = [_row(*labels[k], c) for k, c in counts.items()]
    departments.sort(key=lambda r: (r["key"] is None, r["key"] or ""))
    return {"total": _row(None, "合计", total), "departments": departments}


def inspector_days(conn: Connection, period: Period,
                   read: Read = direct_counts) -> list[dict[str, Any]]:
    """Each active inspector's patrol finds in the period: per day on duty against the target.

    With no duty roster in the data, a day on duty is a day with at least one find (as in
    ``xjwc stats``); days below target count those days with fewer finds than the target.
    """
    found: dict[str, list[int]] = {}
    for (inspector_id, _day), (n,) in read(conn, INSPECTOR_DAYS, period).items():
        found.setdefault(inspector_id, []).append(n)
    out = []
    for insp in conn.execute(select(Inspector.id, Inspector.code, Inspector.name,
                                    Inspector.zone_code, Inspector.daily_target)
                             .where(Inspector.deleted_at.is_(None), Inspector.active.is_(True))
                             .order_by(Inspector.code)):
        days = found.get(insp.id, [])
        out.append({
            "code": insp.code, "name": insp.name,
            "zone": insp.zone_code.value, "zone_label": insp.zone_code.label,
            "target_per_day": insp.daily_target, "found": sum(days), "days": len(days),
            "per_day": round(sum(days) / len(days), 2) if days else 0.0,
            "lowest_day": min(days, default=0),
            "days_below_target": sum(n < insp.daily_target for n in days),
        })
    return out
