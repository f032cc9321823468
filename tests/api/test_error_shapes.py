"""Every answer under /api/ is JSON, `{"detail": …, "code": …}`, errors included: a path no route matches (one with a
newline too), a method the endpoint does not take, a bug (500). The browser's pages keep their HTML pages."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/", "/api/%0A", "/api/v1/%0A", "/api/v1/communes/%0A/", "/api/nothing-here", "/api/v2/communes/"],
)
def test_an_unknown_path_under_the_api_is_a_json_404(api, province_coordinator, path):
    assert_api_error(api(province_coordinator).get(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/%0A", "/api/v1/%0A", "/api/nothing-here"])
def test_a_path_no_route_matches_is_json_even_for_a_browser_without_credentials(client, path):
    assert_api_error(client.get(path, HTTP_ACCEPT="text/html"), 404, "not_found")


def test_drfs_own_errors_carry_their_code_too(client):
    assert_api_error(client.get("/api/v1/me/"), 401, "not_authenticated")


def test_an_unknown_page_of_the_site_is_still_the_html_page(client, province_coordinator):
    client.force_login(province_coordinator)

    response = client.get("/communes/%0A")

    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path"), [("delete", "/api/v1/me/"), ("put", "/api/v1/ping/"), ("post", "/api/v1/")]
)
def test_a_method_the_endpoint_does_not_take_is_a_json_405(api, province_coordinator, method, path):
    assert_api_error(getattr(api(province_coordinator), method)(path), 405, "method_not_allowed")


@pytest.mark.urls("tests.api.error_urls")
def test_a_bug_in_an_api_view_is_a_json_500_without_its_text():
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/broken/")

    body = assert_api_error(response, 500, "server_error")
    assert "/srv" not in response.content.decode() and "RuntimeError" not in str(body)


@pytest.mark.urls("tests.api.error_urls")
def test_a_bug_in_a_page_is_still_the_html_500():
    response = Client(raise_request_exception=False).get("/broken/")

    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")
    assert "Đã có lỗi ở máy chủ" in response.content.decode()


@pytest.mark.parametrize("page_size", ["-1.5e-195", "0", "-3", "501", "1.0", "abc", "", "٣"])
def test_a_page_size_that_is_not_a_whole_number_within_the_limit_is_a_400(api, province_coordinator, page_size):
    response = api(province_coordinator).get("/api/v1/communes/", {"page_size": page_size})

    assert response.status_code == 400 and "page_size" in response.json()


def test_the_schema_states_the_page_size_limits(client, province_coordinator):
    client.force_login(province_coordinator)
    operation = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]["/api/v1/communes/"]["get"]

    page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
