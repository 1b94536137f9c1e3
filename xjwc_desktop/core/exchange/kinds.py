"""What each kind of import file holds: its fields, their Chinese header aliases, its key.

Files come from other systems (the 12345 hotline platform, the district grid system, the
census team's spreadsheets), each with its own headers. A column is recognised by any of
its field's aliases (spaces, case and full-width brackets ignored); the user can map the
rest with ``--mapping 列名=字段``. The key field identifies a row across imports: a row
whose key is already in the database is reported as already there, never added twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from xjwc_desktop.core.model import CaseSource


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # how messages and the mapping name it
    kind: str  # text, datetime, date, number, int, bool, status, source
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class ImportKind:
    name: str  # as typed on the command line
    label: str
    table: str
    key: str
    fields: tuple[Field, ...]
    source: CaseSource | None = None  # for work orders that become cases

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


F = Field
LON = F("lon", "经度", "number", ("经度", "lon", "lng", "long", "longitude", "x", "x坐标",
                                 "经度(wgs84)", "gps经度", "经度坐标"))
LAT = F("lat", "纬度", "number", ("纬度", "lat", "latitude", "y", "y坐标", "纬度(wgs84)",
                                 "gps纬度", "纬度坐标"))
# Our own CSV/XLSX exports carry GCJ-02 beside WGS84; used only when WGS84 is absent.
LON_GCJ = F("lon_gcj02", "经度(GCJ-02)", "number", ("经度(gcj-02)", "经度(gcj02)", "高德经度"))
LAT_GCJ = F("lat_gcj02", "纬度(GCJ-02)", "number", ("纬度(gcj-02)", "纬度(gcj02)", "高德纬度"))
ADDRESS = F("address", "地址", "text", ("地址", "事发地址", "发生地址", "诉求地址", "问题地址",
                                      "案发地址", "位置", "地点", "详细地址", "所在位置"),
            max_length=200)
NOTE = F("note", "备注", "text", ("备注", "说明", "情况说明"), max_length=4000)

ORDER_FIELDS = (
    F("external_no", "工单编号", "text", ("工单编号", "工单号", "编号", "外部工单号", "案件编号",
                                        "诉求编号", "受理编号", "流水号", "单号"),
      required=True, max_length=40),
    F("reported_at", "来电时间", "datetime", ("来电时间", "受理时间", "上报时间", "登记时间",
                                            "发现时间", "派单时间", "诉求时间", "接单时间",
                                            "创建时间", "反映时间"), required=True),
    F("category", "类别", "text", ("诉求类别", "类别", "问题类别", "案件类别", "小类", "问题小类",
                                  "诉求分类", "分类", "事项类别"), required=True),
    F("description", "诉求内容", "text", ("诉求内容", "问题描述", "内容", "反映内容", "工单内容",
                                        "描述", "诉求描述", "事件描述", "问题内容"),
      max_length=4000),
    ADDRESS, LON, LAT, LON_GCJ, LAT_GCJ,
    F("reporter_name", "来电人", "text", ("来电人", "联系人", "反映人", "市民姓名", "姓名",
                                        "诉求人"), max_length=60),
    F("reporter_phone", "联系电话", "text", ("联系电话", "来电号码", "电话", "手机", "联系方式",
                                           "手机号码"), max_length=30),
    F("source", "来源", "source", ("来源", "案件来源", "渠道")),
)

BUILDING_FIELDS = (
    ADDRESS, LON, LAT,
    F("area_m2", "面积", "number", ("面积", "面积(㎡)", "面积(m2)", "面积(平方米)", "建筑面积",
                                    "占地面积", "违建面积"), required=True),
    F("residential", "是否住宅", "bool", ("是否住宅", "住宅", "性质", "类型", "建筑性质",
                                        "住宅/非住宅"), required=True),
    NOTE,
)

KINDS: dict[str, ImportKind] = {k.name: k for k in (
    ImportKind("12345", "12345热线工单", "cases", "external_no", ORDER_FIELDS,
               CaseSource.HOTLINE),
    ImportKind("grid", "区网格工单", "cases", "external_no", ORDER_FIELDS,
               CaseSource.DISTRICT_GRID),
    ImportKind("structures", "违法搭建", "illegal_structures", "code", (
        F("code", "违建编号", "text", ("违建编号", "编号", "违法建筑编号", "序号编码", "代码"),
          required=True, max_length=24),
        F("found_on", "发现日期", "date", ("发现日期", "发现时间", "登记日期", "排查日期"),
          required=True),
        F("status", "状态", "status", ("状态", "处置状态", "拆除状态", "整治状态")),
        F("demolished_on", "拆除日期", "date", ("拆除日期", "拆除时间", "完成日期")),
        F("handled_by", "拆除方式", "text", ("拆除方式", "处置方式", "责任方", "处置单位"),
          max_length=60),
        *BUILDING_FIELDS)),
    ImportKind("census", "无证建筑普查", "census_records", "code", (
        F("code", "普查编号", "text", ("普查编号", "编号", "登记编号", "代码"), required=True,
          max_length=24),
        F("surveyed_on", "调查日期", "date", ("调查日期", "普查日期", "登记日期", "调查时间"),
          required=True),
        F("use", "用途", "text", ("用途", "使用用途", "实际用途"), max_length=30),
        *BUILDING_FIELDS)),
    ImportKind("bikes", "公益自行车站点", "bike_stations", "code", (
        F("code", "站点编号", "text", ("站点编号", "编号", "站点代码", "代码"), required=True,
          max_length=20),
        F("name", "站点名称", "text", ("站点名称", "名称", "站点", "站名"), required=True,
          max_length=60),
        LON, LAT, ADDRESS,
        F("capacity", "车桩数", "int", ("车桩数", "桩位数", "锁桩数", "容量", "车位数"),
          required=True),
        F("bikes", "自行车数", "int", ("自行车数", "车辆数", "在站车辆", "车数", "自行车数量"),
          required=True),
        F("operator", "运营单位", "text", ("运营单位", "运营商", "运营方"), max_length=60),
    )),
)}


def kind_names() -> str:
    return "、".join(f"{k.name}（{k.label}）" for k in KINDS.values())
