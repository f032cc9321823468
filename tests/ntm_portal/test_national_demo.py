"""The national demo (`load_demo --national`) on a tiny country, and benchmark_national on it."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit, Recognition
from criteria import ledger
from criteria.models import AssessmentRound, CriterionResult, UnitTarget
from criteria.selectors import commune_progress_list
from demo.national import FIRST_YEAR, LAST_YEAR, NATIONAL_USERNAME, build_national
from ntm_portal.choices import UnitLevel
from ntm_portal.models import User
from ntm_portal.text import fold_vietnamese

pytestmark = pytest.mark.django_db

TINY = {"provinces": 3, "districts_per_province": 2, "communes_per_province": 8}  # 4 communes per district


@pytest.fixture
def ledger_rebuilds(monkeypatch) -> list[int]:
    """Each call of criteria.ledger.rebuild, with the rows it wrote."""
    calls, rebuild = [], ledger.rebuild
    monkeypatch.setattr(ledger, "rebuild", lambda: calls.append(rebuild()) or calls[-1])
    return calls


@pytest.fixture
def country(national_sets, ledger_rebuilds):
    return build_national(**TINY)


def test_it_builds_the_units_asked_for_at_each_level_with_gso_shaped_codes(country):
    units = AdministrativeUnit.objects.all()
    assert units.filter(level=UnitLevel.PROVINCE).count() == 3 == country.provinces
    assert units.filter(level=UnitLevel.DISTRICT).count() == 6 == country.districts
    assert units.filter(level=UnitLevel.COMMUNE).count() == 24 == country.communes
    for level, width in ((UnitLevel.PROVINCE, 2), (UnitLevel.DISTRICT, 3), (UnitLevel.COMMUNE, 5)):
        codes = list(units.filter(level=level).values_list("code", flat=True))
        assert all(len(code) == width and code.isdigit() for code in codes) and len(set(codes)) == len(codes)
    assert set(units.filter(level=UnitLevel.PROVINCE).values_list("name", flat=True)) == {
        "Tỉnh 01",
        "Tỉnh 02",
        "Tỉnh 03",
    }
    assert units.get(name="Xã 02-01-004").district.name == "Huyện 02-01"
    for district in units.filter(level=UnitLevel.DISTRICT):
        assert AdministrativeUnit.objects.communes().filter(district=district).count() == 4


def test_every_unit_has_the_ancestor_columns_and_folded_name_that_save_derives(country):
    for unit in AdministrativeUnit.objects.select_related("parent"):
        expected = AdministrativeUnit(name=unit.name, parent=unit.parent, level=unit.level)
        parent = unit.parent
        # What AdministrativeUnit.save() sets, without saving.
        expected_province = (
            None if parent is None else parent if parent.level == UnitLevel.PROVINCE else parent.province
        )
        expected_district = parent if parent is not None and parent.level == UnitLevel.DISTRICT else None
        assert (unit.province, unit.district) == (expected_province, expected_district), unit
        assert unit.name_folded == fold_vietnamese(expected.name)
    assert AdministrativeUnit.objects.get(name="Xã 01-02-003").name_folded == "xa 01-02-003"


def test_every_round_has_one_result_per_criterion_of_its_set_and_lies_in_the_sets_period(country):
    rounds = AssessmentRound.objects.annotate(
        results=Count("criterion_results", distinct=True),
        set_criteria=Count("criteria_set__criteria", distinct=True),
    )
    assert rounds.count() == 24 * (LAST_YEAR - FIRST_YEAR + 1) == country.rounds
    assert not rounds.exclude(results=F("set_criteria")).exists()
    assert not rounds.filter(Q(year__lt=F("criteria_set__period_start")) | Q(year__gt=F("criteria_set__period_end")))
    assert CriterionResult.objects.count() == country.criterion_results == country.rounds * 19
    assert not CriterionResult.objects.exclude(criterion__criteria_set=F("assessment_round__criteria_set")).exists()


def test_communes_meet_more_criteria_over_the_years(country):
    def average(year: int) -> float:
        met = CriterionResult.objects.filter(assessment_round__year=year, met=True).count()
        return met / AssessmentRound.objects.filter(year=year).count()

    assert average(FIRST_YEAR) < average(2015) < average(2020)
    assert average(2024) > 15
    assert AssessmentRound.objects.filter(year=2024).exclude(status="approved").count() == 0


def test_recognised_communes_had_a_round_meeting_every_criterion_before_the_decision(country):
    recognitions = Recognition.objects.select_related("commune")
    assert recognitions.filter(level=NtmLevel.STANDARD).exists()
    for recognition in recognitions:
        recognition.full_clean()
        complete = (
            AssessmentRound.objects.filter(commune=recognition.commune, as_of__lte=recognition.decision_date)
            .annotate(met=Count("criterion_results", filter=Q(criterion_results__met=True), distinct=True))
            .filter(met=Count("criteria_set__criteria", distinct=True))
        )
        assert complete.exists(), recognition


def test_a_communes_current_level_is_its_highest_decision_in_force(country):
    for commune in AdministrativeUnit.objects.communes().prefetch_related("recognitions"):
        in_force = [r for r in commune.recognitions.all() if r.revoked_on is None]
        assert (commune.recognition in in_force) if in_force else commune.recognition is None
        assert commune.ntm_level == (commune.recognition.level if commune.recognition else NtmLevel.NOT_YET)


def test_provinces_and_districts_get_the_national_targets(country):
    targets = UnitTarget.objects.filter(year=2020)
    assert targets.count() == 3 + 6
    assert targets.get(unit__name="Tỉnh 01").min_communes_meeting_standard == 4  # half of 8
    assert UnitTarget.objects.count() == country.targets == 9 * 3


def test_a_national_superuser_login_is_created_and_the_ledger_rebuilt_at_the_end(country, ledger_rebuilds):
    assert User.objects.get(username=NATIONAL_USERNAME).is_superuser
    assert not User.objects.filter(username="admin").exists()  # the demo's logins are not the national build's
    assert len(ledger_rebuilds) == 1


def test_the_same_seed_builds_the_same_country(national_sets, ledger_rebuilds):
    histories = []
    for _ in range(2):
        with transaction.atomic():
            build_national(**TINY, seed=7)
            histories.append(
                list(
                    AssessmentRound.objects.values_list("commune__name", "year", "status")
                    .annotate(met=Count("criterion_results", filter=Q(criterion_results__met=True)))
                    .order_by("commune__name", "year")
                )
            )
            transaction.set_rollback(True)
    assert histories[0] == histories[1]


def test_a_second_national_build_is_refused_with_a_clear_message(country):
    with pytest.raises(CommandError, match="Đã có dữ liệu cả nước"):
        call_command("load_demo", "--national", "--provinces", "3", stdout=io.StringIO())
    assert AdministrativeUnit.objects.communes().count() == 24


def test_the_command_prints_the_counts_and_the_national_login(national_sets, ledger_rebuilds):
    out = io.StringIO()
    call_command(
        "load_demo",
        "--national",
        "--provinces",
        "2",
        "--districts-per-province",
        "1",
        "--communes-per-province",
        "3",
        stdout=out,
    )
    assert "Cả nước: 2 tỉnh, 2 huyện, 6 xã" in out.getvalue()
    assert NATIONAL_USERNAME in out.getvalue()


def test_the_country_can_sit_next_to_the_demo_province(national_sets, ledger_rebuilds):
    call_command("load_demo", "--communes", "5", stdout=io.StringIO())
    demo_provinces = AdministrativeUnit.objects.provinces().count()  # Thái Nguyên before and after 1 July 2025
    build_national(**TINY)
    assert AdministrativeUnit.objects.provinces().count() == demo_provinces + 3
    assert User.objects.filter(username__in=["admin", "vpdp_tinh", NATIONAL_USERNAME]).count() == 3


def test_benchmark_national_asks_for_the_national_data_first(national_sets):
    with pytest.raises(CommandError, match="load_demo --national"):
        call_command("benchmark_national", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.slow  # about 5 s: every surface, warm-up and run
def test_benchmark_national_prints_one_json_line_per_surface_and_writes_nothing(country):
    before = (AdministrativeUnit.objects.count(), AssessmentRound.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("benchmark_national", "--runs", "1", stdout=out, stderr=io.StringIO())

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["name"] for line in lines] == [
        "commune_list_country_by_score",
        "commune_list_api_country",
        "commune_list_excel_country",
        "national_overview",
        "dashboard_api_province",
        "dashboard_api_province_cached",
        "trend_api_province",
        "round_history_province",
    ]
    for line in lines:
        assert line["median_ms"] > 0 and line["queries"] >= 1, line
    with_floor = {line["name"]: line for line in lines if "floor_ratio" in line}
    assert set(with_floor) == {"commune_list_country_by_score", "commune_list_api_country", "dashboard_api_province"}
    assert with_floor["dashboard_api_province"]["floor_agrees"] is True
    assert with_floor["commune_list_api_country"]["floor_agrees"] is True
    assert (AdministrativeUnit.objects.count(), AssessmentRound.objects.count(), User.objects.count()) == before


def test_the_ledger_agrees_with_the_rows_built(country):
    counted = dict(
        AssessmentRound.objects.annotate(
            met=Count("criterion_results", filter=Q(criterion_results__met=True))
        ).values_list("pk", "met")
    )
    assert dict(AssessmentRound.objects.values_list("pk", "criteria_met")) == counted
    day = datetime.date(2024, 12, 31)
    in_force = Recognition.objects.in_force_on(day).values_list("commune_id", flat=True).distinct()
    meeting = {p.commune_id for p in commune_progress_list(unit=None, as_of=day) if p.meets_standard}
    assert meeting == set(in_force) and meeting
