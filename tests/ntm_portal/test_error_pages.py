import pytest

pytestmark = pytest.mark.django_db


def test_a_page_out_of_scope_says_so_in_vietnamese_inside_the_portal(client, commune_official_a1, geography):
    client.force_login(commune_official_a1)
    response = client.get(f"/communes/{geography.commune_b1.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Không tìm thấy trang" in page and "Cổng NTM" in page
