"""Servers of a test's (or a fault script's) own, which it may stop, freeze and break: a Redis, a PostgreSQL, a
gunicorn, Celery.

Never the machine's: a Redis on a free port, started here and killed at the end. No Django import, so that
the scripts in tests/faults/ can use it before any settings exist.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
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


class _ChildProcess:
    """A server this run started in a session of its own, logging to `self.log`: stopping it kills it with every
    process it started (gunicorn's or Celery's workers)."""

    process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        if self.process:
            self.log.close()


class Gunicorn(_ChildProcess):
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
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            str(self.timeout),
            "--worker-class",
            "sync",
        ]
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


class Postgres:
    """A throwaway PostgreSQL cluster in `folder`, run as the postgres user when we are root (initdb refuses root)."""

    def __init__(self, folder: Path) -> None:
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        self.bin = Path(versions[-1]) if versions else Path(shutil.which("pg_ctl") or "pg_ctl").parent
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str, timeout: float = 60) -> None:
        subprocess.run([*self.as_postgres, *command], check=True, timeout=timeout, capture_output=True)

    def create(self) -> None:
        self.folder.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.folder}'\n"
            )
            conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")  # a throwaway cluster
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "ntm_faults")

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/ntm_faults"

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop("immediate")


class Celery(_ChildProcess):
    def __init__(self, kind: str, env: dict, folder: Path) -> None:
        self.kind = kind
        self.env = env
        self.log_path = folder / f"celery-{kind}.log"
        self.process: subprocess.Popen | None = None
        self.folder = folder

    def start(self) -> Celery:
        if self.kind == "worker":  # as docker-compose runs it
            command = ["worker", "--loglevel=INFO", "--concurrency=2"]
        else:
            command = ["beat", "--loglevel=INFO", "--schedule", str(self.folder / "celerybeat-schedule")]
        self.log = open(self.log_path, "w")  # noqa: SIM115 - the child's, closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *command],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        return self


def production_env(folder: Path, redis: RedisServer, postgres: Postgres, **extra: str) -> dict[str, str]:
    """The environment of the portal as docker-compose runs it (production settings), on our own servers, with its
    files in `folder` and plain HTTP on 127.0.0.1."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": postgres.url(),
        "CELERY_BROKER_URL": redis.url(0),
        "CACHE_URL": redis.url(1),
        "NTM_VAR_DIR": str(folder / "var"),
        "NTM_MEDIA_ROOT": str(folder / "media"),
        **extra,
    }
    for name in ("CELERY_RESULT_BACKEND", "NTM_TEST_RUN", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    return env
