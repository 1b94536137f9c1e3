"""The figures of the street office's 2016 work report that the demo data reproduces.

Source: shared/seed (2016年新江湾城街道社代会工作报告), summarised in shared/docs/DOMAIN.md.
"""

from __future__ import annotations

import datetime as dt

from xjwc_desktop.core.model import CaseSource

# 网格中心 intake, January to October 2015.
CASE_PERIOD = (dt.date(2015, 1, 1), dt.date(2015, 10, 31))
CASES_BY_SOURCE = {
    CaseSource.HOTLINE: 125,
    CaseSource.DISTRICT_GRID: 49,
    CaseSource.DALIANDONG: 1910,
    CaseSource.WECHAT: 49,
}
PATROL_DAILY_TARGET = 6  # cases found per inspector per day, at least

# 违法搭建整治, 2013-2015.
DEMOLISHED_PERIOD = (dt.date(2013, 1, 1), dt.date(2015, 12, 31))
DEMOLISHED_COUNT = 103
DEMOLISHED_AREA_M2 = 6054.14

# 无证建筑普查 (from 2015-09).
CENSUS_RESIDENTIAL = (1540, 37777.87)
CENSUS_NON_RESIDENTIAL = (46, 326642.00)
CENSUS_TOTAL = (1586, 364419.87)

# 公益自行车.
BIKE_STATIONS = 10
BIKES = 300
