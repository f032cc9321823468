import logging
import time

import pytest

from config.celery import app as celery_app
from tests.conftest import skip_unless_configured
from tests.servers import RedisServer, free_port

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_is_503_naming_the_broker_and_nothing_about_it_when_its_port_is_closed(
    client, settings, monkeypatch, caplog
):
    port = free_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})

    with caplog.at_level(logging.WARNING, logger="ntm_portal.health"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}
    assert str(port) not in response.content.decode()
    # What went wrong is for the operators: in the log.
    assert "Health check broker failed" in caplog.text and str(port) in caplog.text


def test_healthz_answers_503_within_3_seconds_when_the_broker_accepts_and_never_answers(client, settings, monkeypatch):
    if not RedisServer.available():
        skip_unless_configured("redis-server is not installed")
    redis = RedisServer().start()
    try:
        redis.pause()  # SIGSTOP: connections are accepted, nothing answers
        settings.CELERY_BROKER_URL = redis.url(0)
        # Not even the broker's socket timeouts: the check's own deadline bounds the answer.
        monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        redis.stop()

    assert response.status_code == 503 and elapsed < 3
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}


def test_home_page_is_in_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nông thôn mới" in response.content.decode()
