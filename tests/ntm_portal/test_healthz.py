import pytest

from ntm_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}, "failed": []}


def test_healthz_is_503_naming_the_broker_when_the_broker_port_is_closed(client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert "Connection" in body["checks"]["broker"] or "refused" in body["checks"]["broker"].lower()


def test_home_page_is_in_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nông thôn mới" in response.content.decode()
