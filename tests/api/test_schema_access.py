"""The schema and its docs are for signed-in users (session or token); NTM_API_SCHEMA_PUBLIC publishes them."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/api/docs/", "/api/redoc/"]


def test_an_anonymous_caller_gets_no_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "paths" not in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_of_the_docs_is_sent_to_sign_in(client, page):
    response = client.get(page)

    assert response.status_code == 302 and response.url == f"/accounts/login/?next={page}"


@pytest.mark.parametrize("page", [*PAGES, "/api/docs/?script="])
def test_a_signed_in_user_reads_the_docs(client, commune_official_a1, page):
    client.force_login(commune_official_a1)

    assert client.get(page).status_code == 200


def test_a_token_reads_the_schema(api, commune_official_a1):
    response = api(commune_official_a1).get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200 and "/api/v1/communes/" in response.json()["paths"]


def test_a_wrong_token_reads_no_schema(client):
    response = client.get("/api/schema/", HTTP_AUTHORIZATION="Token 0123456789abcdef", HTTP_ACCEPT="application/json")

    assert response.status_code == 401


def test_the_setting_publishes_the_schema_and_the_docs(client, settings):
    settings.NTM_API_SCHEMA_PUBLIC = True

    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200
    assert client.get("/api/docs/").status_code == 200
