"""One row of metrics: the counts of one group, the rates derived from them, and formatting."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

# (attribute, Chinese term) in the order reports show them.
COUNT_FIELDS: tuple[tuple[str, str], ...] = (
    ("registered", "立案数"),
    ("registered_on_time", "按时立案数"),
    ("voided", "作废数"),
    ("suspended", "挂账数"),
    ("to_dispatch", "应派遣数"),
    ("dispatched", "派遣数"),
    ("dispatched_on_time", "按时派遣数"),
    ("to_handle", "应处置数"),
    ("handled", "处置数"),
    ("handled_on_time", "按时处置数"),
    ("reworked", "返工数"),
    ("to_close", "应结案数"),
    ("closed", "结案数"),
    ("closed_on_time", "按期结案数"),
)
RATE_FIELDS: tuple[tuple[str, str], ...] = (
    ("closure_rate", "结案率"),
    ("closure_on_time_rate", "按期结案率"),
    ("handling_rate", "处置率"),
    ("handling_on_time_rate", "按时处置率"),
    ("rework_rate", "返工率"),
    ("dispatch_on_time_rate", "按时派遣率"),
    ("dispatch_accuracy_rate", "准确派遣率"),
    ("register_on_time_rate", "按时立案率"),
    ("register_accuracy_rate", "准确立案率"),
)
MEAN_HANDLING_LABEL = "平均处置时长(工作时)"
FIELD_LABELS: dict[str, str] = {
    "key": "分组", "label": "名称", **dict(COUNT_FIELDS), **dict(RATE_FIELDS),
    "mean_handling_hours": MEAN_HANDLING_LABEL,
}


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator`` as a float; None when there is nothing to divide by."""
    return None if not denominator else numerator / denominator


def percent(x: float | None) -> str:
    """A rate the way reports print it: ``0.937242`` → ``"93.72%"``; None → ``"—"``."""
    return "—" if x is None else f"{x * 100:.2f}%"


@dataclass(frozen=True)
class MetricRow:
    """The metrics of one group (or of everything, ``key`` None) for one period.

    Counts are stored; rates are derived from them (so they can never disagree) and are
    None when their denominator is zero.
    """

    key: str | None
    label: str
    registered: int = 0
    registered_on_time: int = 0
    voided: int = 0
    suspended: int = 0
    to_dispatch: int = 0
    dispatched: int = 0
    dispatched_on_time: int = 0
    to_handle: int = 0
    handled: int = 0
    handled_on_time: int = 0
    reworked: int = 0
    to_close: int = 0
    closed: int = 0
    closed_on_time: int = 0
    mean_handling_hours: float | None = None

    @property
    def closure_rate(self) -> float | None:
        """结案率 = 结案数 / 应结案数"""
        return ratio(self.closed, self.to_close)

    @property
    def closure_on_time_rate(self) -> float | None:
        """按期结案率 = 按期结案数 / 应结案数"""
        return ratio(self.closed_on_time, self.to_close)

    @property
    def handling_rate(self) -> float | None:
        """处置率 = 处置数 / 应处置数"""
        return ratio(self.handled, self.to_handle)

    @property
    def handling_on_time_rate(self) -> float | None:
        """按时处置率 = 按时处置数 / 应处置数"""
        return ratio(self.handled_on_time, self.to_handle)

    @property
    def rework_rate(self) -> float | None:
        """返工率 = 返工数 / 处置数"""
        return ratio(self.reworked, self.handled)

    @property
    def dispatch_on_time_rate(self) -> float | None:
        """按时派遣率 = 按时派遣数 / 应派遣数"""
        return ratio(self.dispatched_on_time, self.to_dispatch)

    @property
    def dispatch_accuracy_rate(self) -> float | None:
        """准确派遣率 = (派遣数 − 返工数) / 应派遣数"""
        return ratio(self.dispatched - self.reworked, self.to_dispatch)

    @property
    def register_on_time_rate(self) -> float | None:
        """按时立案率 = 按时立案数 / 立案数"""
        return ratio(self.registered_on_time, self.registered)

    @property
    def register_accuracy_rate(self) -> float | None:
        """准确立案率 = (立案数 − 作废数) / 立案数"""
        return ratio(self.registered - self.voided, self.registered)

    def rates(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name, _ in RATE_FIELDS}

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: key, label, every count, every rate (0..1 or None)."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(self.rates())
        return out
