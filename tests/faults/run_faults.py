"""The fault run of issue 17: the portal as production runs it, while Redis hangs and while PostgreSQL is stopped.

    .venv/bin/python tests/faults/run_faults.py          (as root or as a user who may run PostgreSQL's initdb)

Starts servers of its own, never the machine's: a Redis (redis-server on a free port) and a PostgreSQL (a throwaway
cluster made by initdb in a temporary folder, on a free port), migrates and loads a small demo, then runs gunicorn
(sync workers, production settings as docker-compose runs them), a Celery worker and Celery beat, and measures:

(a) Redis frozen (SIGSTOP) for 60 s while a client asks for pages without pause (home, dashboard, commune list, an
    API list) and /healthz is probed: the share of pages answered 2xx (goal >= 95 %), /healthz answering 503 within
    3 s; a report asked for during the freeze is built (done, a PDF) within 2 minutes of Redis resuming (SIGCONT);
(b) PostgreSQL stopped for 45 s while a report is being built: the API answers JSON 503 meanwhile, and the report
    ends done, in exactly one file, within 2 minutes of the database being back.

Prints a table and, last, the same figures as one JSON line; exits 1 when a goal is missed. Bounded in time (the
set-up and each wait have deadlines) and cleans its servers up on every exit path. Not collected by pytest (its
name does not start with test_); CI's PostgreSQL + Redis leg runs it after the test suite (.ci/run).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.faults.measure import Answer, Results, begin, end, logger  # noqa: E402 - needs the path above
from tests.servers import Celery, Gunicorn, Postgres, RedisServer, production_env  # noqa: E402

PAGES = ["/", "/dashboard/", "/communes/", "/api/v1/communes/"]
REDIS_OUTAGE_SECONDS = 60
DATABASE_OUTAGE_SECONDS = 45
RECOVERY_GOAL_SECONDS = 120
HEALTHZ_GOAL_SECONDS = 3.0
PAGES_GOAL_PERCENT = 95.0
USER = "vpdp_tinh"  # the demo's province coordinator

log = logger("faults")


class Browser:
    """A signed-in user's requests: the session cookie and a CSRF token for writes."""

    def __init__(self, base_url: str, session_key: str) -> None:
        self.base_url = base_url
        self.csrf = secrets.token_hex(16)
        self.headers = {"Cookie": f"sessionid={session_key}; csrftoken={self.csrf}", "X-CSRFToken": self.csrf}

    def request(self, path: str, data: dict | None = None, timeout: float = 30) -> Answer:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, headers=self.headers)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, response.read(), seconds=time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), seconds=time.monotonic() - started)
        except OSError:  # no answer at all (timed out, connection reset)
            return Answer(0, seconds=time.monotonic() - started)


def wait_for_job(browser: Browser, job_id: int, condition, timeout: float, poll: float = 0.5) -> tuple[dict, float]:
    started = time.monotonic()
    last: dict = {}
    while time.monotonic() - started < timeout:
        answer = browser.request(f"/api/v1/reports/{job_id}/", timeout=10)
        if answer.status == 200:
            last = answer.json()
            if condition(last):
                return last, time.monotonic() - started
        time.sleep(poll)
    return last, time.monotonic() - started


def job_files(media: Path, job_id: int) -> list[Path]:
    return sorted(p for p in (media / "reports").rglob(f"*-{job_id}.pdf*") if p.is_file())


def redis_outage(browser: Browser, redis: RedisServer, unit_id: int, results: Results) -> None:
    log(f"(a) Redis frozen (SIGSTOP) for {REDIS_OUTAGE_SECONDS} s while pages are asked for")
    pages: list[tuple[float, Answer]] = []  # (asked at, answer)
    probes: list[tuple[float, float, Answer]] = []  # (asked at, answered at, answer)
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            for path in PAGES:
                pages.append((time.monotonic(), browser.request(path)))

    def prober() -> None:
        while not stop.wait(3):
            asked = time.monotonic()
            answer = browser.request("/healthz", timeout=10)
            probes.append((asked, time.monotonic(), answer))

    redis.pause()
    frozen_at = time.monotonic()
    threads = [threading.Thread(target=client), threading.Thread(target=prober)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    report = browser.request("/api/v1/reports/", data={"unit_id": unit_id})
    time.sleep(max(0.0, REDIS_OUTAGE_SECONDS - (time.monotonic() - frozen_at)))
    redis.resume()
    resumed_at = time.monotonic()
    stop.set()
    for thread in threads:
        thread.join(timeout=40)

    during = [a for asked, a in pages if asked < resumed_at]  # not those asked once Redis was back
    ok = sum(1 for a in during if 200 <= a.status < 300)
    percent = 100.0 * ok / len(during) if during else 0.0
    slowest = max((a.seconds for a in during), default=0.0)
    median = sorted(a.seconds for a in during)[len(during) // 2] if during else 0.0
    results.figures["redis_pages"] = {
        "requests": len(during),
        "ok": ok,
        "percent_2xx": round(percent, 1),
        "median_s": round(median, 3),
        "slowest_s": round(slowest, 2),
    }
    results.goal(
        "pages 2xx while Redis is frozen", f"{ok}/{len(during)} = {percent:.1f} %", percent >= PAGES_GOAL_PERCENT
    )
    # Probes asked and answered while Redis was frozen (the first seconds may race the freeze).
    counted = [a for asked, answered, a in probes if asked >= frozen_at + 2 and answered < resumed_at]
    healthz_ok = bool(counted) and all(a.status == 503 and a.seconds < HEALTHZ_GOAL_SECONDS for a in counted)
    healthz_slowest = max((a.seconds for a in counted), default=0.0)
    statuses = sorted({a.status for a in counted})
    bodies = {json.dumps(a.json(), sort_keys=True) for a in counted}
    results.figures["redis_healthz"] = {
        "probes": len(counted),
        "statuses": statuses,
        "slowest_s": round(healthz_slowest, 2),
        "bodies": sorted(bodies),
    }
    results.goal(
        "/healthz 503 within 3 s while Redis is frozen",
        f"{len(counted)} probes, HTTP {statuses}, slowest {healthz_slowest:.2f} s",
        healthz_ok,
    )

    job_id = (report.json() or {}).get("id")
    results.figures["redis_report_request"] = {"status": report.status, "seconds": round(report.seconds, 2)}
    results.goal(
        "report asked for while Redis is frozen",
        f"HTTP {report.status} in {report.seconds:.2f} s",
        report.status == 201 and report.seconds < HEALTHZ_GOAL_SECONDS,
    )
    if not job_id:
        results.goal("report built after Redis resumed", "no job", False)
        return
    job, _waited = wait_for_job(browser, job_id, lambda j: j["status"] in ("done", "failed"), RECOVERY_GOAL_SECONDS)
    after = time.monotonic() - resumed_at
    pdf = browser.request(f"/api/v1/reports/{job_id}/download/") if job.get("status") == "done" else Answer(0)
    built = job.get("status") == "done" and pdf.status == 200 and pdf.body.startswith(b"%PDF")
    results.figures["redis_report_built_after_s"] = round(after, 1) if built else None
    results.goal(
        "report built within 2 min of Redis resuming",
        f"{job.get('status')} after {after:.1f} s, PDF {len(pdf.body)} bytes",
        built and after <= RECOVERY_GOAL_SECONDS,
    )


def database_outage(browser: Browser, postgres: Postgres, unit_id: int, media: Path, results: Results) -> None:
    log(f"(b) PostgreSQL stopped for {DATABASE_OUTAGE_SECONDS} s during a build")
    report = browser.request("/api/v1/reports/", data={"unit_id": unit_id, "language": "en"})
    job_id = (report.json() or {}).get("id")
    if report.status != 201 or not job_id:
        results.goal("report asked for before the database outage", f"HTTP {report.status}", False)
        return
    job, _ = wait_for_job(browser, job_id, lambda j: j["status"] != "queued", 60, poll=0.1)
    if job.get("status") != "running":
        results.goal("database stopped during a build", f"the job was {job.get('status')} first", False)
        return
    postgres.stop("fast")
    down_at = time.monotonic()
    log(f"    stopped during the build: {job.get('progress')}")
    time.sleep(3)
    api = browser.request(f"/api/v1/reports/{job_id}/", timeout=15)
    health = browser.request("/healthz", timeout=10)
    api_json = api.json() or {}
    results.figures["database_down_api"] = {
        "status": api.status,
        "code": api_json.get("code"),
        "seconds": round(api.seconds, 2),
    }
    results.goal(
        "API answers JSON 503 while the database is down",
        f"HTTP {api.status} {api_json.get('code')} in {api.seconds:.2f} s",
        api.status == 503 and api_json.get("code") == "service_unavailable",
    )
    results.figures["database_down_healthz"] = {
        "status": health.status,
        "body": health.json(),
        "seconds": round(health.seconds, 2),
    }
    results.goal(
        "/healthz 503 naming the database within 3 s",
        f"HTTP {health.status} {health.json()} in {health.seconds:.2f} s",
        health.status == 503
        and (health.json() or {}).get("database") == "unavailable"
        and health.seconds < HEALTHZ_GOAL_SECONDS,
    )
    time.sleep(max(0.0, DATABASE_OUTAGE_SECONDS - (time.monotonic() - down_at)))
    postgres.start()
    up_at = time.monotonic()
    job, _ = wait_for_job(browser, job_id, lambda j: j["status"] in ("done", "failed"), RECOVERY_GOAL_SECONDS)
    after = time.monotonic() - up_at
    files = job_files(media, job_id)
    partial = [p for p in (media / "reports").rglob("*.part") if p.is_file()]
    done = job.get("status") == "done"
    results.figures["database_report"] = {
        "status": job.get("status"),
        "after_s": round(after, 1),
        "attempts": job.get("attempts"),
        "files": len(files),
        "partial_files": len(partial),
    }
    results.goal(
        "build ends done, in one file, within 2 min of the database's return",
        f"{job.get('status')} after {after:.1f} s, attempt {job.get('attempts')}, {len(files)} file(s)",
        done and len(files) == 1 and not partial and after <= RECOVERY_GOAL_SECONDS,
    )


def setup(env: dict, folder: Path) -> dict:
    local = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}  # loading a demo is not production work
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["load_criteria"], ["load_demo", "--communes", "20"]):
        subprocess.run(
            [*manage, *command],
            cwd=BASE_DIR,
            env=local,
            check=True,
            timeout=240,
            stdout=(folder / "setup.log").open("a"),
            stderr=subprocess.STDOUT,
        )
    code = (
        "import json; from django.contrib.auth import get_user_model; "
        "from django.contrib.sessions.backends.db import SessionStore; "
        f"u = get_user_model().objects.get(username={USER!r}); s = SessionStore(); "
        "s['_auth_user_id'] = str(u.pk); "
        "from django.conf import settings; "
        "s['_auth_user_backend'] = [b for b in settings.AUTHENTICATION_BACKENDS if 'ModelBackend' in b][0]; "
        "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); "
        "print(json.dumps({'session': s.session_key, 'unit_id': u.unit_id}))"
    )
    out = subprocess.run(
        [*manage, "shell", "-c", code], cwd=BASE_DIR, env=local, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    started = time.monotonic()
    args, folder = begin(__doc__.split("\n\n")[0], "ntm-faults-")
    results = Results(log)
    servers: list = []
    try:
        redis = RedisServer().start()
        servers.append(redis)
        postgres = Postgres(folder / "pg")
        servers.append(postgres)
        postgres.create()
        media = folder / "media"
        # The sweep every 10 s instead of 30: the run has 4 minutes (CI's budget), the goals 2 each.
        env = production_env(folder, redis, postgres, NTM_REPORT_SWEEP_SECONDS="10")
        log(f"servers of our own: Redis on {redis.port}, PostgreSQL on {postgres.port}; loading the demo")
        found = setup(env, folder)
        log(f"set up in {time.monotonic() - started:.0f} s; starting gunicorn, a worker and beat")
        web = Gunicorn(env, workers=3, timeout=60, log_path=folder / "gunicorn.log").start()
        servers.append(web)
        servers.append(Celery("worker", env, folder).start())
        servers.append(Celery("beat", env, folder).start())
        web.wait_ready()
        browser = Browser(web.base_url, found["session"])
        warm = [browser.request(path) for path in PAGES]
        if any(a.status != 200 for a in warm):
            raise RuntimeError(f"pages do not answer before any fault: {[a.status for a in warm]}")

        redis_outage(browser, redis, found["unit_id"], results)
        database_outage(browser, postgres, found["unit_id"], media, results)
    except Exception as error:  # noqa: BLE001 - a run that cannot measure has failed; say why, then clean up
        log(f"the run failed: {type(error).__name__}: {error}")
        results.goal("the run completes", str(error)[:200], False)
    finally:
        logs = ("gunicorn.log", "celery-worker.log", "celery-beat.log", "setup.log")
        end(servers, folder, keep=args.keep, failed=not results.all_met, logs=logs, log=log)

    seconds = round(time.monotonic() - started)
    return results.report("fault run", seconds)


if __name__ == "__main__":
    sys.exit(main())
