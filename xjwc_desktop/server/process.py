"""``xjwc serve`` in a child process, as an office runs it: for tests that kill a server
mid-request or need several server processes, and for benchmarks that measure them.

The child runs the command line itself (``xjwc serve --db URL --port 0 [--workers N]``);
the port it took and its worker processes are read from its JSON log lines on standard
error, which are kept (a full pipe would stall the server).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

POLL_S = 0.02  # how often to look, not how long to wait
# Runs the command line; ``setup`` (Python) first, for a benchmark's baseline.
RUN = "import sys\n{setup}\nfrom xjwc_desktop.cli import main\nsys.exit(main())\n"


class ServeProcess:
    """``xjwc serve`` on a free port of 127.0.0.1 in its own process (group)."""

    def __init__(self, db_url: str, *, workers: int = 1, setup: str = "") -> None:
        self.db_url = db_url
        self.workers = workers
        self.setup = setup
        self.port: int | None = None
        self.url = ""
        self.proc: subprocess.Popen | None = None
        self.log: list[str] = []  # its standard error, line by line
        self.worker_pids: set[int] = set()
        self._changed = threading.Condition()

    def start(self, timeout: float = 60) -> ServeProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", RUN.format(setup=self.setup), "serve", "--db", self.db_url,
             "--port", "0", "--workers", str(self.workers)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", start_new_session=True)
        threading.Thread(target=self._read_log, daemon=True).start()
        with self._changed:
            if not self._changed.wait_for(self._ready, timeout) or self.proc.poll() is not None:
                self.kill()
                raise RuntimeError("server did not start:\n" + "".join(self.log))
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_for_answer(timeout)
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            return True
        workers_up = self.workers == 1 or len(self.worker_pids) >= self.workers
        return self.port is not None and workers_up

    def _wait_for_answer(self, timeout: float) -> None:
        """Until ``/health`` answers (the socket is bound before the app listens on it)."""
        for _ in range(int(timeout / POLL_S)):
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=timeout):
                    return
            except OSError:
                time.sleep(POLL_S)
        self.kill()
        raise RuntimeError("server did not answer:\n" + "".join(self.log))

    def _read_log(self) -> None:
        for line in self.proc.stderr:
            self.log.append(line)
            entry = _json(line)
            with self._changed:
                if entry.get("event") == "starting" and self.port is None:
                    self.port = int(entry["port"])
                elif entry.get("event") == "worker started":
                    self.worker_pids.add(int(entry["pid"]))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()  # the process ended

    def entries(self, event: str) -> list[dict]:
        """Its log entries of one kind (``push``, ``request``, ...)."""
        found = (_json(line) for line in list(self.log))
        return [e for e in found if e.get("event") == event]

    def pids(self) -> list[int]:
        """Every process of this server (the supervisor first)."""
        return [self.proc.pid, *sorted(self.worker_pids)]

    def kill(self) -> None:
        """SIGKILL to the whole server at once (its workers too), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _json(line: str) -> dict:
    try:
        entry = json.loads(line)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}
