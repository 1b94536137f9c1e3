"""``xjwc case …``: the closed loop from scripts, with the same rules as the GUI."""

from __future__ import annotations

import sys

from xjwc_desktop.cli.options import add_db_option, opened_database, print_json
from xjwc_desktop.core import clock
from xjwc_desktop.core.workflow.rules import Action, Role

STEP_LABELS = {"report": "受理", **{a.value: a.label for a in Action}}


def register(sub) -> None:
    case = sub.add_parser("case", help="案件办理：受理、各办理环节、查看")
    verbs = case.add_subparsers(dest="verb", metavar="操作", required=True)

    new = verbs.add_parser("new", help="受理一件新案件")
    add_db_option(new)
    new.add_argument("--source", required=True,
                     help="来源：网格巡查、12345热线、区网格、大联动、微信")
    new.add_argument("--category", required=True, help="类别（小类名称或代码），如 暴露垃圾")
    new.add_argument("--lon", type=float, help="经度（WGS84）")
    new.add_argument("--lat", type=float, help="纬度（WGS84）")
    new.add_argument("--address", help="地址（无坐标时按已知小区/地点定位）")
    new.add_argument("--description", help="问题描述")
    new.add_argument("--reporter", help="反映人")
    new.add_argument("--phone", help="联系电话")
    new.add_argument("--inspector", help="发现的巡查员（工号或姓名）")
    new.add_argument("--external-no", help="外部工单号（12345、区网格……）")
    new.add_argument("--json", action="store_true")
    new.set_defaults(func=run_new)

    step = verbs.add_parser("act", help="对案件执行一个办理环节")
    add_db_option(step)
    step.add_argument("id", help="案件 id 或案卷号")
    step.add_argument("action", choices=[a.value for a in Action], metavar="ACTION",
                      help="环节：" + "，".join(f"{a.value}={a.label}" for a in Action))
    step.add_argument("--as", dest="role", required=True,
                      help="角色：" + "、".join(r.label for r in Role))
    step.add_argument("--actor", help="经办人姓名")
    step.add_argument("--dept", help="处置部门（派遣、改派时）")
    step.add_argument("--note", help="说明（作废、回退、返工、挂账、延期、督办须填写）")
    amount = step.add_mutually_exclusive_group()
    amount.add_argument("--hours", type=float, help="延期工作时数")
    amount.add_argument("--days", type=float, help="延期工作日数")
    step.add_argument("--json", action="store_true")
    step.set_defaults(func=run_act)

    show = verbs.add_parser("show", help="查看案件、时限红绿灯与办理经过")
    add_db_option(show)
    show.add_argument("id", help="案件 id 或案卷号")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    dup = verbs.add_parser("duplicate", help="确认为重复案件：作废并关联到原案件")
    add_db_option(dup)
    dup.add_argument("id", help="重复的案件")
    dup.add_argument("--of", dest="original", required=True, help="原案件")
    dup.add_argument("--as", dest="role", required=True, help="角色")
    dup.set_defaults(func=run_duplicate)

    note = verbs.add_parser("note", help="给案件加内部备注")
    add_db_option(note)
    note.add_argument("id")
    note.add_argument("text")
    note.add_argument("--author")
    note.set_defaults(func=run_note)

    photo = verbs.add_parser("photo", help="给案件附加照片（复制到数据库旁的 .files 文件夹）")
    add_db_option(photo)
    photo.add_argument("id")
    photo.add_argument("file")
    photo.set_defaults(func=run_photo)

    due = verbs.add_parser("due", help="超期（红灯）与临期（黄灯）案件")
    add_db_option(due)
    due.add_argument("--json", action="store_true")
    due.add_argument("--limit", type=int, default=100)
    due.set_defaults(func=run_due)


def _role(text: str) -> Role:
    from xjwc_desktop.core.workflow import WorkflowError

    try:
        return Role.from_text(text)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from exc


def _print_case(session, case_ref: str, as_json: bool) -> None:
    from xjwc_desktop.core.workflow import case_as_dict, find_case

    data = case_as_dict(session, find_case(session, case_ref))
    if as_json:
        print_json(data)
        return
    d = data["deadline"]
    print(f"{data['case_no']}  {data['status_label']}  {data['source_label']}  "
          f"{data['category_name']}  {data['address'] or ''}")
    if d["deadline_at"]:
        print(f"  处置时限 {d['deadline_at'][:16]}  已用 {d['used_working_hours']} / "
              f"{d['allowed_working_hours']} 工作时  {d['light_label']}")
    for h in data["history"]:
        step = STEP_LABELS.get(h["action"], h["action"])
        print(f"  {h['seq']:>2}. {h['at'][:16]}  {step}（{h['role']}）"
              f"{'：' + h['note'] if h['note'] else ''}")


def run_new(args) -> int:
    from xjwc_desktop.core.workflow import create_case

    with opened_database(args) as db:
        with db.write() as s:
            made = create_case(
                s, source=args.source, category=args.category, lon=args.lon, lat=args.lat,
                address=args.address, description=args.description,
                reporter_name=args.reporter, reporter_phone=args.phone,
                inspector=args.inspector, external_no=args.external_no,
                workstation_id=db.workstation_id)
        with db.write() as s:
            if args.json:
                from xjwc_desktop.core.workflow import case_as_dict, find_case

                data = case_as_dict(s, find_case(s, made.case_id))
                data["possible_duplicates"] = [
                    {"case_id": d.case_id, "case_no": d.case_no, "distance_m": d.distance_m}
                    for d in made.duplicates]
                print_json(data)
            else:
                print(f"已受理 {made.case_no}（id {made.case_id}，{made.grid_code}）")
        for d in made.duplicates:
            print(f"注意：{d.distance_m:.0f} 米内有同类未结案件 {d.case_no}，可能重复"
                  f"（xjwc case duplicate {made.case_no} --of {d.case_no}）", file=sys.stderr)
    return 0


def run_act(args) -> int:
    from xjwc_desktop.core.workflow import Actor, act

    hours = args.hours if args.hours is not None else (
        args.days * 8 if args.days is not None else None)
    with opened_database(args) as db:
        with db.write() as s:
            result = act(s, args.id, Action(args.action), Actor(_role(args.role), args.actor),
                         workstation_id=db.workstation_id, department=args.dept,
                         note=args.note, hours=hours, at=clock.now())
        with db.write() as s:
            if args.json:
                _print_case(s, result.case_id, True)
            else:
                print(f"{result.case_no}：{result.action.label}，"
                      f"{result.from_status.label} → {result.to_status.label}")
    return 0


def run_show(args) -> int:
    with opened_database(args) as db, db.write() as s:
        _print_case(s, args.id, args.json)
    return 0


def run_duplicate(args) -> int:
    from xjwc_desktop.core.workflow import Actor, link_duplicate

    with opened_database(args) as db:
        with db.write() as s:
            result = link_duplicate(s, args.id, args.original, Actor(_role(args.role)),
                                    workstation_id=db.workstation_id)
        print(f"{result.case_no} 已作为重复案件作废，并入 {args.original}")
    return 0


def run_due(args) -> int:
    from xjwc_desktop.core.workflow.deadlines import due_cases

    with opened_database(args) as db, db.write() as s:
        rows = due_cases(s, clock.now(), limit=args.limit)
    if args.json:
        print_json([{"case_id": r.case_id, "case_no": r.case_no, "status": r.status.value,
                    "deadline_at": r.deadline_at.isoformat(sep=" "),
                    "used_percent": round(r.used_fraction * 100, 1), "light": r.light.value}
                    for r in rows])
    else:
        for r in rows:
            print(f"{r.light.label}  {r.case_no}  {r.status.label}  "
                  f"时限 {r.deadline_at:%Y-%m-%d %H:%M}  已用 {r.used_fraction:.0%}")
    return 0


def run_note(args) -> int:
    from xjwc_desktop.core.workflow.attachments import add_note

    with opened_database(args) as db, db.write() as s:
        add_note(s, args.id, args.text, author=args.author, workstation_id=db.workstation_id)
    print("备注已保存")
    return 0


def run_photo(args) -> int:
    from pathlib import Path

    from xjwc_desktop.core.workflow.attachments import attach_photo, files_folder

    with opened_database(args) as db, db.write() as s:
        row = attach_photo(s, args.id, Path(args.file), files_folder(db.path),
                           workstation_id=db.workstation_id)
    print(f"照片已附加：{row.original_name}（{row.sha256[:12]}）")
    return 0
