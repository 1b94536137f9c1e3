"""The office server and syncing: serve, server add-device/devices/revoke-device/amend-event,
sync."""

from __future__ import annotations

import sys

from xjwc_desktop.cli.options import add_db_option, db_path, print_json


def register(sub) -> None:
    serve = sub.add_parser("serve", help="运行街道办同步服务器（HTTP API）")
    serve.add_argument("--db", required=True,
                       help="服务器数据库：SQLite 文件路径（或 sqlite:///路径），"
                            "或 postgresql://用户@主机/库名")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（局域网用 0.0.0.0）")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--tls-cert", help="TLS 证书（PEM）；与 --tls-key 一起启用 HTTPS")
    serve.add_argument("--tls-key", help="TLS 私钥（PEM）")
    serve.add_argument("--workers", type=int, metavar="N",
                       help="服务器进程数（默认：PostgreSQL 为 CPU 核数，至多 4；SQLite 为 1）")
    serve.set_defaults(func=run_serve)

    server = sub.add_parser("server", help="服务器管理：登记、列出、吊销设备")
    actions = server.add_subparsers(dest="server_command", metavar="操作", required=True)
    add = actions.add_parser("add-device", help="登记设备，最后一行输出它的令牌（只显示这一次）")
    add.add_argument("name", help="设备名称，如“值班台1”“北区巡查平板”")
    add.add_argument("--role", required=True, choices=["admin", "operator", "inspector", "viewer"])
    add.add_argument("--zone", help="巡查员终端的巡查区：north（殷行路以北）或 south")
    add.add_argument("--db", required=True, help="服务器数据库（同 serve --db）")
    add.set_defaults(func=run_add_device)
    listing = actions.add_parser("devices", help="列出已登记的设备")
    listing.add_argument("--db", required=True)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_devices)
    revoke = actions.add_parser("revoke-device", help="吊销设备（其令牌立即失效）")
    revoke.add_argument("name")
    revoke.add_argument("--db", required=True)
    revoke.set_defaults(func=run_revoke)

    amend = actions.add_parser(
        "amend-event", help="更正一条案件历史（只能在服务器上由管理员进行，须写明原因）")
    amend.add_argument("event_id", help="案件历史的编号（case_events.id）")
    amend.add_argument("--reason", required=True, help="更正原因（记入该条历史）")
    what = amend.add_mutually_exclusive_group(required=True)
    what.add_argument("--note", help="更正后的说明文字")
    what.add_argument("--delete", action="store_true", help="标记删除这条历史")
    amend.add_argument("--db", required=True)
    amend.set_defaults(func=run_amend_event)

    sync = sub.add_parser("sync", help="与街道办服务器同步（先上传本机修改，再下载）")
    add_db_option(sync)
    sync.add_argument("--server", help="服务器地址，如 http://192.168.1.10:8765（首次必填，之后记住）")
    sync.add_argument("--token", help="设备令牌（只需给一次；也可用环境变量 XJWC_TOKEN）")
    sync.add_argument("--ca-cert", help="信任的服务器证书（自签名 HTTPS 时）")
    sync.add_argument("--verify", action="store_true", help="逐行核对全部数据并修复不一致（较慢）")
    sync.add_argument("--json", action="store_true", help="输出 JSON")
    sync.set_defaults(func=run_sync)


def _server_db(args):
    from xjwc_desktop.server.database import open_server_database

    return open_server_database(args.db)


def run_serve(args) -> int:
    from xjwc_desktop.server.run import serve

    serve(args.db, host=args.host, port=args.port, tls_cert=args.tls_cert,
          tls_key=args.tls_key, workers=args.workers)
    return 0


def run_add_device(args) -> int:
    from xjwc_desktop.server.devices import ROLES, add_device

    server = _server_db(args)
    try:
        device, token = add_device(server.engine, args.name, args.role, args.zone)
    finally:
        server.close()
    zone = f"，巡查区 {device.zone}" if device.zone else ""
    print(f"已登记设备“{device.name}”：{ROLES[device.role]}{zone}，"
          f"设备编号 {device.device_no:02d}。", file=sys.stderr)
    print("令牌只显示这一次，请在该设备上首次同步时使用（xjwc sync --token …）：", file=sys.stderr)
    print(token)
    return 0


def run_devices(args) -> int:
    from xjwc_desktop.server.devices import list_devices

    server = _server_db(args)
    try:
        rows = list_devices(server.engine)
    finally:
        server.close()
    if args.json:
        print_json([{**r, "created_at": str(r["created_at"]),
                     "last_seen_at": str(r["last_seen_at"] or "")} for r in rows])
        return 0
    for r in rows:
        state = "已吊销" if r["revoked"] else f"最近同步 {r['last_seen_at'] or '从未'}"
        print(f"{r['device_no']:02d}  {r['name']}  {r['role']}  {r['zone'] or '-'}  {state}")
    return 0


def run_revoke(args) -> int:
    from xjwc_desktop.server.devices import revoke_device

    server = _server_db(args)
    try:
        revoke_device(server.engine, args.name)
    finally:
        server.close()
    print(f"设备“{args.name}”已吊销，其令牌不再有效。")
    return 0


def run_amend_event(args) -> int:
    from xjwc_desktop.server.history_admin import amend_event

    server = _server_db(args)
    try:
        amend_event(server, args.event_id, reason=args.reason, note=args.note,
                    delete=args.delete)
    finally:
        server.close()
    print(f"案件历史“{args.event_id}”已更正，各工作站下次同步时收到。")
    return 0


def run_sync(args) -> int:
    from xjwc_desktop.core.sync.session import sync_path

    def progress(done, total, message):
        print(f"\r{message}", end="", file=sys.stderr, flush=True)

    report, created = sync_path(db_path(args), server_url=args.server, token=args.token,
                                ca_cert=args.ca_cert, verify=args.verify,
                                progress=None if args.json else progress)
    if not args.json:
        print(file=sys.stderr)
    if args.json:
        print_json({"created": created, "pushed": report.pushed, "pulled": report.pulled,
                    "conflicts": report.conflicts, "set_aside": report.set_aside,
                    "repaired": report.repaired, "seconds": round(report.seconds, 3)})
    else:
        if created:
            print(f"已从服务器快照创建数据库 {db_path(args)}。")
        print(f"同步完成：{report.summary()}。")
    return 0
