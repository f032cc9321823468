import pytest

from criteria.services import assessment as workflow


@pytest.fixture
def round_a1(national_sets, geography, commune_official_a1):
    """A draft 2022 round of commune A1 against the real 2021–2025 set (19 criteria; 3 has indicators 3.1, 3.2),
    opened by A1's official."""
    return workflow.round_start(user=commune_official_a1, commune=geography.commune_a1, year=2022)
