"""The README's newcomer path on the command line: serve, enroll, sync a new workstation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from xjwc_desktop.server.process import ServeProcess

pytestmark = pytest.mark.slow


def xjwc(*args, env=None, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "xjwc_desktop", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"xjwc {' '.join(args)} failed:\n{done.stderr}")
    return done


@pytest.fixture
def office(demo_template, tmp_path):
    path = tmp_path / "office.sqlite"
    shutil.copyfile(demo_template, path)
    path.chmod(0o644)
    return path


def test_serve_enroll_and_sync_a_new_workstation(office, tmp_path):
    added = xjwc("server", "add-device", "值班台1", "--role", "operator", "--db", str(office))
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("xjwc_")
    assert "设备编号 01" in added.stderr
    listed = xjwc("server", "devices", "--db", str(office), "--json")
    assert json.loads(listed.stdout)[0]["name"] == "值班台1"

    server = ServeProcess(str(office)).start()
    ws = tmp_path / "ws.sqlite"
    try:
        first = xjwc("sync", "--db", str(ws), "--server", server.url, "--token", token, "--json")
        report = json.loads(first.stdout)
        assert report["created"] is True
        stats = json.loads(xjwc("stats", "--db", str(ws), "--json").stdout)
        assert stats["cases"]["by_source"]["hotline"]["count"] == 125  # the office's data
        new = xjwc("case", "new", "--db", str(ws), "--source", "微信", "--category", "暴露垃圾",
                   "--lon", "121.5046", "--lat", "31.3268", "--description", "命令行受理")
        assert "XJW" in new.stdout
        # Later syncs need neither the server nor the token again.
        again = json.loads(xjwc("sync", "--db", str(ws), "--json").stdout)
        assert again["pushed"] == 2
        assert again["created"] is False
    finally:
        server.stop()
    # Offline: a clear message and exit code 4, the local change kept.
    new = xjwc("case", "new", "--db", str(ws), "--source", "微信", "--category", "暴露垃圾",
               "--lon", "121.5046", "--lat", "31.3268", "--description", "离线受理")
    offline = xjwc("sync", "--db", str(ws), check=False)
    assert offline.returncode == 4
    assert "无法连接服务器" in offline.stderr
    assert "本机的修改已保存" in offline.stderr


def test_a_new_workstation_needs_a_token(tmp_path):
    done = xjwc("sync", "--db", str(tmp_path / "ws.sqlite"), "--server",
                "http://127.0.0.1:9", check=False, env={"XJWC_TOKEN": ""})
    assert done.returncode == 2
    assert "设备令牌" in done.stderr
    assert not (tmp_path / "ws.sqlite").exists()


def test_the_token_from_the_environment(office, tmp_path):
    token = xjwc("server", "add-device", "巡查平板", "--role", "inspector", "--zone", "south",
                 "--db", str(office)).stdout.strip().splitlines()[-1]
    server = ServeProcess(str(office)).start()
    try:
        done = xjwc("sync", "--db", str(tmp_path / "p.sqlite"), "--server", server.url,
                    env={"XJWC_TOKEN": token})
        assert "已从服务器快照创建数据库" in done.stdout
    finally:
        server.stop()


def test_enrolling_needs_a_zone_for_inspectors_and_a_known_role(office):
    done = xjwc("server", "add-device", "平板", "--role", "inspector", "--db", str(office),
                check=False)
    assert done.returncode == 2
    assert "巡查区" in done.stderr
