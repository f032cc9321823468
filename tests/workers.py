"""A real Celery worker process for tests: started once per session, consuming a queue of its own."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


class WorkerProcess:
    def __init__(self) -> None:
        self.queue = f"ntm-test-{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / f"{self.queue}.log"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = "ntm_portal.settings.test"
        # The worker must use the test database the session created, not the development one.
        db = connection.settings_dict
        if db["ENGINE"].endswith("sqlite3"):
            env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
        else:
            host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
            env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"
        return env

    def start(self) -> None:
        command = [
            sys.executable, "-m", "celery", "-A", "ntm_portal", "worker", "--pool=solo", "--loglevel=INFO",
            "-Q", self.queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.log = open(self.log_path, "w")  # noqa: SIM115 - kept open for the worker's lifetime
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.environment(), stdout=self.log, stderr=self.log)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
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
