"""The Excel template form (issue 19): a user with one unit gets it filled in, not a one-item list to pick from."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_commune_official_gets_their_commune_filled_in(client, commune_official_a1, geography):
    client.force_login(commune_official_a1)
    response = client.get(reverse("criteria:excel"))
    page = response.content.decode()
    form = response.context["template_form"]
    assert form.sole_unit == geography.commune_a1
    assert f'type="hidden" name="unit" value="{geography.commune_a1.pk}"' in page
    assert '<select name="unit"' not in page
    assert "Xã Phú Đình" in page


def test_a_coordinator_still_picks_among_their_units(client, province_coordinator, geography):
    client.force_login(province_coordinator)
    response = client.get(reverse("criteria:excel"))
    assert response.context["template_form"].sole_unit is None
    assert '<select name="unit"' in response.content.decode()
