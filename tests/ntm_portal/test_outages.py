"""The portal under gunicorn while a server it depends on is away (issue 17, findings 3, 4, 7 and 8).

Each test runs gunicorn of its own, with the settings the portal ships, against the test database; the Redis it
freezes (SIGSTOP: connections accepted, nothing answered, as a hung Redis does) is a redis-server of its own on a
free port, never the machine's.
"""

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from reports.choices import JobStatus
from reports.models import ReportJob
from tests.conftest import LIVE_PROCESSES
from tests.servers import Gunicorn, free_port

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

PAGES = ["/", "/dashboard/", "/communes/", "/api/v1/communes/"]


def database_url() -> str:
    """The test database, for the server process (as tests.workers gives it to a worker)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


def start_gunicorn(name: str, **env) -> Gunicorn:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url()}
    environment.update(env)
    # One worker: what it learnt about an outage (ntm_portal.breaker) is what the next request meets.
    server = Gunicorn(environment, workers=1, log_path=Path(settings.VAR_DIR) / f"gunicorn-{name}.log").start()
    try:
        server.wait_ready()
    except RuntimeError:
        server.stop()
        raise
    return server


class Answer:
    def __init__(self, status: int, body: bytes, content_type: str, seconds: float) -> None:
        self.status, self.body, self.content_type, self.seconds = status, body, content_type, seconds

    def json(self):
        return json.loads(self.body)


def fetch(server: Gunicorn, path: str, *, headers=None, data: dict | None = None) -> Answer:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(server.base_url + path, data=body, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, content, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, content, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    return Answer(status, content, kind, time.monotonic() - started)


def session_headers(user) -> dict[str, str]:
    """A signed-in browser: its session cookie, and a CSRF token for its writes."""
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)  # 32 characters, sent as cookie and header alike
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    return {"Cookie": cookie, "X-CSRFToken": csrf}


def test_pages_reports_and_healthz_answer_while_redis_hangs(own_redis, national_sets, province_coordinator, geography):
    web = start_gunicorn("redis-hangs", CELERY_BROKER_URL=own_redis.url(0), CACHE_URL=own_redis.url(1))
    try:
        signed_in = session_headers(province_coordinator)
        assert all(fetch(web, page, headers=signed_in).status == 200 for page in PAGES)  # and the cache is filled

        own_redis.pause()
        answers = [fetch(web, page, headers=signed_in) for _ in range(3) for page in PAGES]
        asked = time.monotonic()
        report = fetch(web, "/api/v1/reports/", headers=signed_in, data={"unit_id": geography.province.pk})
        health = fetch(web, "/healthz")

        # Every page as usual, computed instead of read from the cache: the first request waits out the cache's
        # timeout once, the others do not wait at all.
        assert [a.status for a in answers] == [200] * len(answers)
        assert max(a.seconds for a in answers) < 4
        assert sorted(a.seconds for a in answers)[len(answers) // 2] < 1  # waiting on Redis would cost 1 s each
        # The report is asked for and stored, without an error page and without waiting for the broker.
        assert report.status == 201 and report.json()["status"] == JobStatus.QUEUED
        assert time.monotonic() - asked < 4 and report.seconds < 3
        job = ReportJob.objects.get()
        assert job.status == JobStatus.QUEUED and job.enqueued_at is None  # not sent: the sweep will send it
        # /healthz names the broker, in time, and nothing about where it is.
        assert health.status == 503 and health.seconds < 3
        assert health.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}
        assert str(own_redis.port) not in health.body.decode()

        own_redis.resume()
        assert fetch(web, "/healthz").json() == {"status": "ok", "database": "ok", "broker": "ok"}
    finally:
        own_redis.resume()
        web.stop()


def test_the_api_answers_json_and_pages_a_plain_page_while_the_database_is_down():
    # Nothing listens on this port: every query fails as it does while PostgreSQL is stopped.
    closed = free_port()
    web = start_gunicorn("database-down", DATABASE_URL=f"postgres://portal:secret@127.0.0.1:{closed}/ntm_portal")
    try:
        # A signed-in browser's session: reading it is the first query either request makes.
        signed_in = {"Cookie": "sessionid=" + "b" * 32}
        api = fetch(web, "/api/v1/communes/", headers=signed_in)
        page = fetch(web, "/communes/", headers=signed_in)
        health = fetch(web, "/healthz")
    finally:
        web.stop()

    assert api.status == 503 and api.content_type == "application/json"
    assert api.json() == {
        "detail": "Cơ sở dữ liệu tạm thời không trả lời. Xin thử lại sau ít phút.",
        "code": "service_unavailable",
    }
    assert page.status == 503 and page.content_type.startswith("text/html")
    assert "Cơ sở dữ liệu tạm thời không trả lời" in page.body.decode()
    assert health.status == 503 and health.seconds < 3
    assert health.json() == {"status": "unavailable", "database": "unavailable", "broker": "ok"}
    for answer in (api, page, health):
        assert str(closed) not in answer.body.decode() and "secret" not in answer.body.decode()
