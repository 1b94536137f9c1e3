"""考核指标 (assessment metrics) of the closed loop, exactly per DOMAIN.md's formulas.

Counts are SQL aggregates (``SUM(CASE ...)`` with ``GROUP BY``), portable SQLAlchemy Core,
so they run inside the database engine at any size; the figures that need the work calendar
(working minutes skip nights, weekends and holidays, count 调休 days) are computed with
numpy over the population's timestamps, vectorised.

Population (考核对象)
    Live cases (``deleted_at IS NULL``) whose 立案 time ``registered_at`` lies in the period.
    挂账 (suspended: ``status = 'suspended'`` now) cases leave the assessment: they count in
    立案数 and 挂账数 but in none of the 应… denominators; a case resumed (恢复) is assessed
    again. A case voided after registration (``status = 'voided'``) is treated the same way.

Counts (MetricRow attribute in brackets)
    立案数 (registered)            registered in the period.
    按时立案数 (registered_on_time)  of those, registered within ``register_limit_minutes``
                                  (default 60) working minutes of ``reported_at`` (受理).
    作废数 (voided)                 ``status = 'voided'`` with ``reported_at`` in the period
                                  (不予立案/作废 cases are never registered).
    挂账数 (suspended)              registered in the period and now 挂账.
    应派遣数 (to_dispatch)          registered in the period, not 挂账 (nor voided).
    派遣数 (dispatched)             of 应派遣, ``dispatched_at`` set.
    按时派遣数 (dispatched_on_time)  of 派遣数, dispatched within ``dispatch_limit_minutes``
                                  (default 60) working minutes of ``registered_at``.
    应处置数 (to_handle)            of 应派遣, dispatched (= 派遣数).
    处置数 (handled)                of 应处置, ``handled_at`` set (处置反馈).
    按时处置数 (handled_on_time)     of 处置数, ``handled_at <= deadline_at`` (the deadline
                                  already includes approved extensions, 延期).
    返工数 (reworked)               of 处置数, ``rework_count > 0``.
    应结案数 (to_close)             registered in the period, not 挂账 (= 应派遣数).
    结案数 (closed)                 of 应结案, ``status = 'closed'``.
    按期结案数 (closed_on_time)      of 结案数, ``handled_at <= deadline_at``.
    平均处置时长 (mean_handling_hours)  mean working hours from ``dispatched_at`` to
                                  ``handled_at`` over the 处置数 cases (None if none).

Rates (floats, 0..1; None when the denominator is zero)
    结案率 = 结案数 / 应结案数               按期结案率 = 按期结案数 / 应结案数
    处置率 = 处置数 / 应处置数               按时处置率 = 按时处置数 / 应处置数
    返工率 = 返工数 / 处置数
    按时派遣率 = 按时派遣数 / 应派遣数        准确派遣率 = (派遣数 − 返工数) / 应派遣数
    按时立案率 = 按时立案数 / 立案数          准确立案率 = (立案数 − 作废数) / 立案数
:func:`percent` prints a rate as reports do: ``percent(911 / 972) == "93.72%"``.

Grouping (``by``): ``month`` (of 立案; 作废 by month of 受理), ``zone`` (殷行路以北/以南),
``department``, ``category`` (小类), ``inspector``, ``source``; None for the total.
"""

from xjwc_desktop.core.metrics.compute import (
    DEFAULT_DISPATCH_LIMIT_MINUTES,
    DEFAULT_REGISTER_LIMIT_MINUTES,
    compute_metrics,
)
from xjwc_desktop.core.metrics.groups import DIMENSIONS
from xjwc_desktop.core.metrics.row import (
    COUNT_FIELDS,
    FIELD_LABELS,
    RATE_FIELDS,
    MetricRow,
    percent,
    ratio,
)

__all__ = [
    "COUNT_FIELDS",
    "DEFAULT_DISPATCH_LIMIT_MINUTES",
    "DEFAULT_REGISTER_LIMIT_MINUTES",
    "DIMENSIONS",
    "FIELD_LABELS",
    "RATE_FIELDS",
    "MetricRow",
    "compute_metrics",
    "percent",
    "ratio",
]
