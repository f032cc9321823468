"""Requests per second under gunicorn: the province dashboard API against the cheapest authenticated DRF endpoint.

Starts gunicorn (2 workers by default) on a free local port against the configured database and cache, with DEBUG
off, waits for it, then for each endpoint runs concurrent clients, each on one keep-alive connection (stdlib
http.client), for a few seconds. Prints one JSON line per endpoint (`name`, `requests_per_s`, `median_ms`) and a last
line with `ratio` (dashboard ÷ empty) and the goal of issue 13 (≥ 0.30).

Writes: a one-day API token named "benchmark_serving", revoked at the end; nothing else. The token rate
limit is lifted for the server it starts (NTM_API_TOKEN_RATE), or it would refuse requests after 3,000 an hour.
The "empty" endpoint is GET /api/v1/ping/: authentication, throttling and an empty answer, nothing else.

    manage.py benchmark_serving                       # as vpdp_tinh, on their province, as of today
    DJANGO_CONN_MAX_AGE=0 NTM_FIGURES_CACHE_SECONDS=0 manage.py benchmark_serving   # "before": neither
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ntm_portal.models import User
from ntm_portal.tokens import token_issue, token_revoke

GOAL = 0.30
EMPTY_ENDPOINT = ("ping", "/api/v1/ping/")


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _client(port: int, path: str, headers: dict, until: float, sample: Sample, lock: threading.Lock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (http.client.HTTPException, OSError):
                connection.close()  # reconnects on the next request
                errors += 1
                continue
            if response.status != 200:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
    finally:
        connection.close()
    with lock:
        sample.latencies.extend(latencies)
        sample.errors += errors


class Command(BaseCommand):
    help = "Requests/s of the province dashboard API and of an empty DRF endpoint under gunicorn (JSON lines)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="vpdp_tinh", help="a province coordinator (default: vpdp_tinh)")
        parser.add_argument("--as-of", default=None, help="the dashboard's as_of, YYYY-MM-DD (default: today)")
        parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per endpoint (default: 5)")
        parser.add_argument("--clients", type=int, default=4, help="concurrent connections (default: 4)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: 2)")
        parser.add_argument(
            "--worker-class", default="sync", help="gunicorn worker class (default: sync, as the Dockerfile runs it)"
        )
        parser.add_argument("--threads", type=int, default=1, help="threads per worker for --worker-class gthread")
        parser.add_argument(
            "--chdir", default=str(settings.BASE_DIR), help="the code gunicorn serves (another checkout to compare)"
        )

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).select_related("unit").first()
        if user is None or getattr(user, "unit", None) is None:
            raise CommandError(f"No user {options['username']!r} with a unit: run manage.py load_demo first.")
        province_pk = user.unit.province_id or user.unit.pk
        as_of = options["as_of"] or timezone.localdate().isoformat()
        datetime.date.fromisoformat(as_of)
        api_token, key = token_issue(user=user, name="benchmark_serving", days=1)
        headers = {"Authorization": f"Token {key}", "Accept": "application/json", "Connection": "keep-alive"}
        endpoints = [
            (f"{EMPTY_ENDPOINT[0]} (GET {EMPTY_ENDPOINT[1]}, an empty DRF answer)", EMPTY_ENDPOINT[1]),
            ("province dashboard API", f"/api/v1/dashboards/{province_pk}/?as_of={as_of}"),
        ]

        port = _free_port()
        server = self._start(port, options)
        try:
            self._wait(server, port, headers, endpoints[0][1])
            rates = []
            for name, path in endpoints:
                for _warm in range(options["workers"] * 3):  # every worker connected, imported, its cache warm
                    self._one(port, path, headers)
                sample = self._measure(port, path, headers, options["seconds"], options["clients"])
                if not sample.latencies:
                    raise CommandError(f"{path}: no successful request ({sample.errors} errors)")
                rate = len(sample.latencies) / options["seconds"]
                rates.append(rate)
                line = {
                    "name": name,
                    "path": path,
                    "requests_per_s": round(rate, 1),
                    "median_ms": round(1000 * statistics.median(sample.latencies), 1),
                    "requests": len(sample.latencies),
                    "errors": sample.errors,
                }
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            database = settings.DATABASES["default"]
            summary = {
                "ratio": round(rates[1] / rates[0], 3),
                "goal": GOAL,
                "met": rates[1] / rates[0] >= GOAL,
                "workers": options["workers"],
                "worker_class": options["worker_class"],
                "clients": options["clients"],
                "database": database["ENGINE"].rsplit(".", 1)[-1],
                "conn_max_age": database.get("CONN_MAX_AGE", 0),
                "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
                "figures_cache_seconds": settings.NTM_FIGURES_CACHE_SECONDS,
            }
            self.stdout.write(json.dumps(summary))
        finally:
            self._stop(server)
            token_revoke(user=user, token_id=api_token.pk)

    def _start(self, port: int, options) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
            "DJANGO_DEBUG": "false",  # DEBUG keeps every query of a request in memory
            "NTM_API_TOKEN_RATE": "100000000/hour",
        }
        if not env.get("DJANGO_SECRET_KEY") or env["DJANGO_SECRET_KEY"].startswith("dev-"):
            env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(options["workers"]),
            "--worker-class",
            options["worker_class"],
            "--threads",
            str(options["threads"]),
            "--chdir",
            options["chdir"],
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        log = open(Path(settings.VAR_DIR) / "benchmark-serving-gunicorn.log", "w")  # noqa: SIM115 - the child's
        # A process group of its own: stopping it stops its workers, and nothing else.
        return subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)

    def _wait(self, server: subprocess.Popen, port: int, headers: dict, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited ({server.returncode}): see var/benchmark-serving-gunicorn.log")
            try:
                if self._one(port, path, headers) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise CommandError("gunicorn did not answer in time")

    def _one(self, port: int, path: str, headers: dict) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def _measure(self, port: int, path: str, headers: dict, seconds: float, clients: int) -> Sample:
        sample, lock = Sample(), threading.Lock()
        until = time.perf_counter() + seconds
        threads = [
            threading.Thread(target=_client, args=(port, path, headers, until, sample, lock)) for _ in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sample

    def _stop(self, server: subprocess.Popen) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # the group started above: gunicorn and its workers
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
