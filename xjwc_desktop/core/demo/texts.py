"""Wording of demo cases: what a caller or an inspector would write."""

from __future__ import annotations

import numpy as np

from xjwc_desktop.core.model import CaseSource

DETAILS = {
    "暴露垃圾": ["路边堆放生活垃圾", "绿化带内有暴露垃圾", "小区门口垃圾袋散落"],
    "道路不洁": ["人行道油污明显", "车行道有泥浆", "路面落叶杂物未清扫"],
    "积存垃圾渣土": ["空地积存建筑渣土", "装修垃圾堆放多日"],
    "乱张贴": ["电线杆上张贴小广告", "墙面乱涂写办证电话", "公交站亭张贴广告"],
    "违规户外广告": ["店招未经审批", "人行道上摆放广告牌"],
    "违法搭建": ["别墅花园内新搭阳光房", "屋顶加建彩钢板房", "底楼私自扩建"],
    "施工扰民": ["夜间施工噪声大", "工地超时作业"],
    "无证设摊": ["路口有流动水果摊", "人行道上无证设摊", "早市摊贩占用人行道"],
    "占道经营": ["店铺出店经营", "餐饮店门前占道堆物"],
    "非机动车乱停放": ["共享单车堆放占用盲道", "电瓶车停放堵塞通道"],
    "机动车乱停放": ["车辆停放在人行道上", "消防通道被私家车占用"],
    "噪声扰民": ["洗车店高压水枪噪声扰民", "商铺音响声音过大", "夜间经营噪声"],
    "群租": ["住宅隔断群租", "一套房内居住十余人"],
    "无照经营": ["居民楼内无照经营", "无照餐饮摊点"],
    "安全隐患": ["楼道堆放杂物存在消防隐患", "飞线充电存在安全隐患"],
    "道路积水": ["雨后路口积水", "下水道堵塞积水"],
    "井盖缺损": ["窨井盖缺失", "井盖破损下沉"],
    "路灯损坏": ["路灯不亮", "路灯灯杆倾斜"],
    "道路破损": ["人行道板松动", "路面出现坑洼"],
    "交通护栏损坏": ["隔离护栏倾倒", "护栏缺失一段"],
    "垃圾箱破损": ["垃圾箱破损", "垃圾箱满溢"],
    "绿化损坏": ["绿地被毁种菜", "绿化带被踩踏"],
    "行道树倒伏": ["大风后行道树倒伏", "树枝折断挡路"],
    "小区设施损坏": ["小区门禁损坏", "小区道路破损"],
    "消防设施缺损": ["消火栓损坏", "灭火器缺失"],
}

PREFIX = {
    CaseSource.PATROL: "巡查发现：",
    CaseSource.HOTLINE: "市民来电反映：",
    CaseSource.DISTRICT_GRID: "区网格中心转派：",
    CaseSource.DALIANDONG: "大联动平台推送：",
    CaseSource.WECHAT: "微信平台居民反映：",
}


def describe(
    rng: np.random.Generator, sources: np.ndarray, categories: np.ndarray, places: np.ndarray
) -> list[str]:
    """One sentence per case, e.g. ``市民来电反映：国伟路附近洗车店高压水枪噪声扰民``."""
    picks = rng.integers(0, 1 << 30, sources.size)
    # Few distinct sources, categories and places: look each up once, then add strings
    # column-wise (a million f-strings one by one cost seconds).
    prefix = {s: PREFIX[CaseSource(s)] for s in set(sources.tolist())}
    spots = {p: p.removesuffix("沿线") + "附近" for p in set(places.tolist())}
    options = {c: DETAILS.get(c, [c]) for c in set(categories.tolist())}
    head = np.array([prefix[s] for s in sources.tolist()], dtype=object)
    spot = np.array([spots[p] for p in places.tolist()], dtype=object)
    detail = np.array([options[c][k % len(options[c])]
                       for c, k in zip(categories.tolist(), picks.tolist(), strict=True)],
                      dtype=object)
    return (head + spot + detail).tolist()
