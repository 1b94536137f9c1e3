"""Closed vocabularies of the domain, stored as stable English codes, shown in Chinese."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese label (``.label``)."""

    label: str

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def from_text(cls, text: str):
        """Accept the code (``hotline``) or the Chinese label (``12345热线``)."""
        for member in cls:
            if text in (member.value, member.label):
                return member
        choices = "、".join(f"{m.label}({m.value})" for m in cls)
        raise ValueError(f"未知的{cls.__doc__.split(':')[0]}“{text}”，可选：{choices}")


class CaseSource(LabelledEnum):
    """案件来源: the channel a case came in through."""

    PATROL = "patrol", "网格巡查"
    HOTLINE = "hotline", "12345热线"
    DISTRICT_GRID = "district_grid", "区网格"
    DALIANDONG = "daliandong", "大联动"
    WECHAT = "wechat", "微信"


class CaseStatus(LabelledEnum):
    """案件状态: the step of the closed loop a case stands at."""

    REPORTED = "reported", "受理"
    REGISTERED = "registered", "立案"
    DISPATCHED = "dispatched", "派遣"
    HANDLED = "handled", "处置"
    VERIFIED = "verified", "核查"
    CLOSED = "closed", "结案"
    VOIDED = "voided", "作废"
    SUSPENDED = "suspended", "挂账"


class CategoryKind(LabelledEnum):
    """案件类型: 事件 (events) or 部件 (components)."""

    EVENT = "event", "事件"
    COMPONENT = "component", "部件"


class TimeLimitUnit(LabelledEnum):
    """时限单位: working hours or working days."""

    WORKING_HOURS = "working_hours", "工作时"
    WORKING_DAYS = "working_days", "工作日"


class StructureStatus(LabelledEnum):
    """违建状态: where the illegal structure stands in its handling."""

    STANDING = "standing", "在建/存量"
    RECTIFYING = "rectifying", "整改中"
    DEMOLISHED = "demolished", "已拆除"


class ZoneCode(LabelledEnum):
    """巡查区: the two patrol areas split at 殷行路."""

    NORTH = "north", "殷行路以北"
    SOUTH = "south", "殷行路以南"
