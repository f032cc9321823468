"""Servers of a test's (or the fault script's) own, which it may stop, freeze and break: a Redis, a gunicorn.

Never the machine's: a Redis on a free port, started here and killed at the end. No Django import, so that
tests/faults/run_faults.py can use it before any settings exist.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """redis-server on a port of its own, without persistence. `pause()` is SIGSTOP: the kernel still accepts
    connections, and nothing answers, as with a Redis that hangs or a half-open network path."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--maxmemory-policy", "noeviction"]  # as docker-compose runs it
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a stopped process dies of SIGKILL too, but be tidy
            self.process.kill()
            self.process.wait(timeout=10)


class Gunicorn:
    """The portal under gunicorn (sync workers, as docker-compose runs it) on a free port, with `env`."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, timeout: int = 60, log_path: Path) -> None:
        self.env = env
        self.workers = workers
        self.timeout = timeout
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        command = [
            sys.executable, "-m", "gunicorn", "ntm_portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers), "--timeout", str(self.timeout), "--worker-class", "sync",
        ]  # fmt: skip
        self.log = open(self.log_path, "w")  # noqa: SIM115 - the child's, closed in stop()
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=self.log, start_new_session=True
        )
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.base_url}/static/none", timeout=2)
            except urllib.error.HTTPError:
                return  # any answer, a 404 included, means it serves
            except OSError:
                time.sleep(0.2)
            else:
                return
        raise RuntimeError(f"gunicorn not ready after {timeout}s:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        if self.process:
            self.log.close()
