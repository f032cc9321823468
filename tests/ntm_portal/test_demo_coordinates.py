"""The demo's communes get their real coordinates from the official conversion data, by code, where the 2025 merger
left them without (issue 19: the dashboard's map); a commune the data lacks keeps none, never 0,0."""

import pytest

from demo.province import _fill_coordinates
from tests.communes.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def test_a_demo_commune_without_coordinates_gets_its_real_ones_by_code(geography):
    unknown = CommuneFactory(code="99999", name="Xã Không Có", parent=geography.district_a)

    _fill_coordinates(geography.province)

    phu_dinh = geography.commune_a1  # GSO code 05554, Định Hóa, Thái Nguyên: about 21.9° N, 105.6° E
    phu_dinh.refresh_from_db()
    assert 21.7 < float(phu_dinh.latitude) < 22.1
    assert 105.4 < float(phu_dinh.longitude) < 105.8
    unknown.refresh_from_db()
    assert unknown.latitude is None and unknown.longitude is None
