"""The domain model (SQLAlchemy 2.0 typed ORM)."""

from xjwc_desktop.core.model.base import Base, SyncedMixin
from xjwc_desktop.core.model.case_touches import CaseTouch
from xjwc_desktop.core.model.cases import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    Category,
)
from xjwc_desktop.core.model.dashboard_cache import (
    DashboardDirtyMonth,
    DashboardDirtyPlaceMonth,
    DashboardMonthCategory,
    DashboardMonthCube,
    DashboardMonthDepartment,
    DashboardMonthGrid,
    DashboardMonthInspectorDay,
    DashboardMonthPlaces,
)
from xjwc_desktop.core.model.enums import (
    CaseSource,
    CaseStatus,
    CategoryKind,
    StructureStatus,
    TimeLimitUnit,
    ZoneCode,
)
from xjwc_desktop.core.model.meta import LocalMeta
from xjwc_desktop.core.model.org import Department, Inspector
from xjwc_desktop.core.model.places import Compound, PatrolZone, UnitGrid
from xjwc_desktop.core.model.structures import BikeStation, CensusRecord, IllegalStructure
from xjwc_desktop.core.model.sync import (
    SyncApplying,
    SyncChange,
    SyncConflict,
    SyncDevice,
    SyncOutbox,
    SyncRow,
    SyncTableCount,
)

__all__ = [
    "Base",
    "BikeStation",
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseNote",
    "CaseSource",
    "CaseTouch",
    "CaseStatus",
    "Category",
    "CategoryKind",
    "CensusRecord",
    "Compound",
    "DashboardDirtyMonth",
    "DashboardDirtyPlaceMonth",
    "DashboardMonthCategory",
    "DashboardMonthCube",
    "DashboardMonthDepartment",
    "DashboardMonthGrid",
    "DashboardMonthInspectorDay",
    "DashboardMonthPlaces",
    "Department",
    "IllegalStructure",
    "Inspector",
    "LocalMeta",
    "PatrolZone",
    "StructureStatus",
    "SyncApplying",
    "SyncChange",
    "SyncConflict",
    "SyncDevice",
    "SyncOutbox",
    "SyncRow",
    "SyncTableCount",
    "SyncedMixin",
    "TimeLimitUnit",
    "UnitGrid",
    "ZoneCode",
]
