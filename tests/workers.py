"""A real Celery worker process for tests: started once per session, consuming a queue of its own.

Tests that must break a worker (kill it mid-task, run a faulty app) start their own with the options below.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


class WorkerProcess:
    def __init__(
        self,
        *,
        queue: str | None = None,
        app: str = "config",
        pool: str = "solo",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        """`queue`: consume an existing worker's queue (to replace a killed one); `app`: a module whose Celery app to
        run (a test may wrap the real one); `pool`: "solo" runs tasks in the worker process, "prefork" in a child."""
        self.queue = queue or f"ntm-test-{uuid.uuid4().hex[:8]}"
        self.app = app
        self.pool = pool
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / f"{self.queue}-{uuid.uuid4().hex[:4]}.log"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        # The worker must use the test database the session created, not the development one.
        db = connection.settings_dict
        if db["ENGINE"].endswith("sqlite3"):
            env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
        else:
            host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
            env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"
        # Report builds this worker queues (beat's monthly task, retries) stay on its own queue, and it writes
        # files where the test process reads them.
        env["NTM_REPORTS_QUEUE"] = self.queue
        env["NTM_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            self.app,
            "worker",
            f"--pool={self.pool}",
            "--concurrency=1",
            "--loglevel=INFO",
            "-Q",
            self.queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        env = self.environment()
        self.media_root = env["NTM_MEDIA_ROOT"]
        self.log = open(self.log_path, "w")  # noqa: SIM115 - kept open for the worker's lifetime
        # A session of its own, so that stop() takes a prefork pool's children with it.
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=self.log, stderr=self.log, start_new_session=True
        )

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine would: no shutdown, no requeue, no acknowledgement."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=20)  # reaped, so its pid is gone rather than a zombie
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def result(self, async_result, timeout: float = 60):
        """The task's return value; if none comes in time, a failure that shows what the worker logged."""
        try:
            return async_result.get(timeout=timeout)
        except CeleryTimeoutError:
            raise AssertionError(f"no result in {timeout} s; the worker's log:\n{self.log_text()[-3000:]}") from None

    def stop(self) -> None:
        """At the end of a test, when the worker has nothing left to do: killed, not shut down warm, which waits ~4 s
        for the last poll of the consumer's loop."""
        if self.process:
            # The whole group, even when kill() took the main process already: a prefork pool's children outlive it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        if not self.log.closed:
            self.log.close()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            if "ready." in self.log_path.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log_path.read_text()[-3000:]}")
