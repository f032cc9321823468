"""The demo province: the seeds' cases are in it, it is deterministic, and building it again adds nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum

from communes.models import AdministrativeUnit, Recognition
from criteria.choices import ReviewState, RoundStatus
from criteria.models import AssessmentRound, CriterionResult, UnitTarget
from criteria.selectors import unit_progress_summary
from demo.province import build_demo
from ntm_portal.choices import Role
from ntm_portal.models import User
from secondments.models import FieldVisit, Secondment, SecondmentBatch, SponsorAssignment, SupportContribution
from tests.shared_rows import foreign_keys_checked, rolled_back_at_end

pytestmark = pytest.mark.django_db

# One demo for the tests that read it: the largest size any of them needs (seed 000's three batches need more than
# 60 communes). A demo of N communes is the first N of a larger one, history included (tested below).
DEMO_SIZE = 120
TODAY = datetime.date(2026, 12, 6)
OLD_LAST_DAY, MERGER_DAY = datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)


def old_communes():
    return AdministrativeUnit.objects.communes().filter(valid_from__isnull=True)


def new_communes():
    return AdministrativeUnit.objects.communes().in_force_on(TODAY)


def province_on(day):
    return AdministrativeUnit.objects.provinces().in_force_on(day).get(code="19")


def fingerprint() -> list[tuple]:
    """Criteria met per commune and year: the demo's whole assessment history in one comparable value."""
    return list(
        AssessmentRound.objects.values_list("commune__code", "year")
        .annotate(met=Count("criterion_results", filter=Q(criterion_results__met=True)))
        .order_by("commune__code", "year")
    )


@pytest.fixture(scope="class")
def demo(_national_sets_rows, django_db_blocker):
    """Built once for the tests of the class below; what a test writes is rolled back after it."""
    with rolled_back_at_end(django_db_blocker):
        _national_sets_rows.restore()
        demo = build_demo(communes=DEMO_SIZE)
        foreign_keys_checked()
        yield demo


@pytest.mark.xdist_group("demo_of_120_communes")  # on one pytest-xdist worker, which builds the demo once
class TestTheDemoOf120Communes:
    def test_it_builds_the_number_of_rural_communes_asked_with_a_round_per_year(self, demo):
        communes = old_communes()
        assert communes.count() == DEMO_SIZE == demo.communes_total
        assert all(name.startswith("Xã ") for name in communes.values_list("name", flat=True))
        old_rounds = AssessmentRound.objects.filter(commune__in=communes)
        assert old_rounds.count() == DEMO_SIZE * 15  # 2011 to 2025
        assert CriterionResult.objects.filter(assessment_round__in=old_rounds).count() == DEMO_SIZE * 15 * 19
        # The 2025 round is the old communes' last, approved before the reform closed them.
        last = old_rounds.filter(year=2025)
        assert set(last.values_list("as_of", "status")) == {(OLD_LAST_DAY, RoundStatus.APPROVED)}
        assert not last.filter(approved_on__gt=OLD_LAST_DAY).exists()

    def test_the_old_communes_close_on_30_june_2025_and_the_new_ones_merged_from_them_follow(self, demo):
        assert set(old_communes().values_list("valid_to", flat=True)) == {OLD_LAST_DAY}
        new = new_communes()
        assert 0 < new.count() < DEMO_SIZE == demo.communes_total
        assert new.count() == demo.communes_after_merger
        assert set(new.values_list("valid_from", "district", "province")) == {(MERGER_DAY, None, province_on(TODAY).pk)}
        assert not new.filter(merged_from__isnull=True).exists()
        assert set(new.values_list("commune_group", flat=True)) <= {1, 2, 3}
        phu_dinh = new.get(name="Xã Phú Đình")  # Điềm Mặc and Phú Đình since 1 July 2025
        assert phu_dinh.commune_group == 3
        assert set(phu_dinh.merged_from.values_list("name", flat=True)) <= {"Xã Phú Đình", "Xã Điềm Mặc"}

    def test_new_communes_are_reassessed_in_2025_and_some_re_recognised_when_all_predecessors_met_the_standard(
        self, demo
    ):
        reassessed = AssessmentRound.objects.filter(commune__in=new_communes(), year=2025)
        assert reassessed.count() == demo.reassessments == demo.communes_after_merger
        rerecognised = Recognition.objects.filter(commune__in=new_communes(), year=2025)
        assert 0 < rerecognised.count() == demo.rerecognitions < demo.communes_after_merger
        for recognition in rerecognised.select_related("assessment_round"):
            assert recognition.assessment_round.criteria_met == 19
            assert datetime.date(2025, 12, 1) <= recognition.decision_date <= datetime.date(2025, 12, 31)
            standard_then = Recognition.objects.in_force_on(OLD_LAST_DAY).filter(
                commune__merged_into=recognition.commune
            )
            assert standard_then.values("commune").distinct().count() == recognition.commune.merged_from.count()

    def test_the_2026_rounds_are_on_the_new_set_at_every_step_of_the_workflow(self, demo):
        rounds = AssessmentRound.objects.filter(year=2026)
        assert rounds.count() == demo.communes_after_merger
        assert set(rounds.values_list("criteria_set__code", flat=True)) == {"ntm-2026-2030"}
        assert set(rounds.values_list("status", flat=True)) == set(RoundStatus)
        approved = rounds.filter(status=RoundStatus.APPROVED)
        assert not approved.filter(approved_on__isnull=True).exists()
        assert not approved.filter(approved_on__gte=datetime.date(2026, 11, 30)).exists()
        assert not rounds.exclude(status=RoundStatus.APPROVED).filter(approved_on__isnull=False).exists()
        returned = CriterionResult.objects.filter(assessment_round__status=RoundStatus.RETURNED)
        assert (
            returned.exclude(review_comment="").values("assessment_round").distinct().count()
            == rounds.filter(status=RoundStatus.RETURNED).count()
        )
        # The district's marks agree with the rounds' states: every criterion of a verified or approved round is
        # verified, a returned round's commented criteria are the returned ones, and nothing else is marked.
        results = CriterionResult.objects.all()
        reviewed = results.filter(assessment_round__status__in=[RoundStatus.VERIFIED, RoundStatus.APPROVED])
        assert set(reviewed.values_list("review_state", flat=True)) == {ReviewState.VERIFIED}
        assert set(returned.exclude(review_comment="").values_list("review_state", flat=True)) == {ReviewState.RETURNED}
        unreviewed = results.exclude(assessment_round__status__in=[RoundStatus.VERIFIED, RoundStatus.APPROVED])
        assert not unreviewed.exclude(review_comment__gt="").exclude(review_state=ReviewState.PENDING).exists()
        recognised = Recognition.objects.filter(year=2026, criteria_set__code="ntm-2026-2030")
        assert 0 < recognised.count() <= 3
        assert all(r.assessment_round.criteria_met == 10 and r.decision_date <= TODAY for r in recognised)

    def test_the_province_dashboard_of_today_is_on_the_2026_2030_set_with_real_figures_and_a_target(self, demo):
        summary = unit_progress_summary(unit=province_on(TODAY), as_of=TODAY)
        assert summary.criteria_set_code == "ntm-2026-2030" and summary.criteria_total == 10
        assert summary.communes_total == demo.communes_after_merger
        approved = AssessmentRound.objects.filter(year=2026, status=RoundStatus.APPROVED).count()
        assert summary.communes_assessed == approved > 0
        assert 0 < summary.communes_meeting_standard < summary.communes_total
        assert summary.average_criteria_met is not None
        assert summary.target.year == 2026 and summary.target.min_communes_meeting_standard > 0
        target_2030 = UnitTarget.objects.get(unit=province_on(TODAY), year=2030)
        assert target_2030.min_communes_meeting_standard == -(-demo.communes_after_merger * 65 // 100)

    def test_the_figures_count_the_old_communes_until_30_june_2025_and_the_new_ones_from_1_july(self, demo):
        before = unit_progress_summary(unit=province_on(OLD_LAST_DAY), as_of=OLD_LAST_DAY)
        after = unit_progress_summary(unit=province_on(MERGER_DAY), as_of=MERGER_DAY)
        assert (before.communes_total, before.communes_assessed) == (DEMO_SIZE, DEMO_SIZE)
        assert before.communes_meeting_standard > 0
        assert after.communes_total == demo.communes_after_merger
        # The new communes stand nowhere until their re-assessment: "to be re-assessed".
        assert (after.communes_assessed, after.communes_meeting_standard) == (0, 0)

    def test_secondments_and_sponsors_running_on_1_july_2025_continue_on_the_successor(self, demo):
        running = Secondment.objects.in_force_on(OLD_LAST_DAY).in_force_on(datetime.date(2025, 6, 1))
        assert running.exists()
        for secondment in running:
            assert secondment.actual_end_date == OLD_LAST_DAY
            continuation = Secondment.objects.in_force_on(MERGER_DAY).get(cadre=secondment.cadre)
            assert continuation.start_date == MERGER_DAY
            assert continuation.commune.merged_from.filter(pk=secondment.commune_id).exists()
        sponsors = SponsorAssignment.objects.filter(end_date=OLD_LAST_DAY)
        assert sponsors.exists()
        for assignment in sponsors:
            assert SponsorAssignment.objects.filter(
                agency=assignment.agency, commune__merged_from=assignment.commune, start_date=MERGER_DAY
            ).exists()
        assert FieldVisit.objects.filter(commune__in=new_communes(), visit_date__year=2026).exists()
        assert not FieldVisit.objects.filter(visit_date__gt=TODAY).exists()
        assert not FieldVisit.objects.filter(commune__in=old_communes(), visit_date__gt=OLD_LAST_DAY).exists()

    def test_phu_dinh_has_15_of_19_criteria_in_2018_missing_the_four_of_the_field_report(self, demo):
        results = CriterionResult.objects.filter(
            assessment_round__commune__name="Xã Phú Đình", assessment_round__year=2018
        )
        assert results.filter(met=True).count() == 15
        unmet = list(results.filter(met=False).order_by("criterion__number").values_list("criterion__name", flat=True))
        assert unmet == ["Nhà ở dân cư", "Thu nhập", "Hộ nghèo", "Y tế"]

    def test_dinh_hoa_district_is_set_the_target_of_ten_communes_by_2020(self, demo):
        target = UnitTarget.objects.get(unit__name="Huyện Định Hóa", year=2020)
        assert target.min_communes_meeting_standard == 10

    def test_three_batches_of_7_6_and_7_cadres_of_whom_13_communes_reach_the_standard(self, demo):
        batches = SecondmentBatch.objects.annotate(size=Count("secondments")).order_by("year")
        assert [(b.year, b.size) for b in batches] == [(2014, 7), (2016, 6), (2017, 7)]
        reached = [
            s
            for s in Secondment.objects.filter(batch__isnull=False).prefetch_related("commune__recognitions")
            if any(r.year <= s.actual_end_date.year + 1 for r in s.commune.recognitions.all())
        ]
        assert len(reached) == 13

    def test_a_rotated_chairman_finds_9_criteria_and_leaves_7_months_later_with_all_met(self, demo):
        rotated = Secondment.objects.get(kind="luan_chuyen")
        assert (rotated.criteria_met_at_start, rotated.criteria_met_at_end) == (9, 19)
        assert (rotated.actual_end_date - rotated.start_date).days == 214  # 15 March to 15 October
        assert rotated.commune.assessment_rounds.get(year=2015).criterion_results.filter(met=True).count() == 9
        assert rotated.commune.recognitions.get(level="standard").year == 2016

    def test_twinned_enterprises_and_agencies_give_22_5_billion_dong_in_the_first_year(self, demo):
        under_decision_140 = SponsorAssignment.objects.filter(
            agency=OuterRef("giver"), commune=OuterRef("commune"), decision_number="140-QĐ/TU"
        )
        total = SupportContribution.objects.filter(Exists(under_decision_140), date__year=2016).aggregate(
            total=Sum("value_vnd")
        )["total"]
        assert total == 22_500_000_000

    def test_some_agencies_visit_only_a_few_hours_a_few_times_a_year(self, demo):
        short_visits = FieldVisit.objects.filter(days_on_site=0.5, hours_on_site__lte=4)
        assert short_visits.exists()
        assert FieldVisit.objects.filter(days_on_site__gte=1).exists()

    def test_one_user_per_role_is_created_with_a_unit_of_the_right_level(self, demo):
        users = {u.role: u for u in User.objects.exclude(username="admin")}
        assert set(users) == set(Role)
        for user in users.values():
            user.full_clean()  # the role's unit/agency rule holds
        assert users[Role.COMMUNE_OFFICIAL].unit.name == "Xã Phú Đình"
        assert users[Role.COMMUNE_OFFICIAL].unit.valid_from == MERGER_DAY  # today's Phú Đình
        assert users[Role.PROVINCE_COORDINATOR].unit == province_on(TODAY)
        assert User.objects.get(username="admin").is_superuser

    def test_communes_reach_the_standard_in_different_years(self, demo):
        years = set(old_communes().values_list("recognitions__year", flat=True)) - {None}
        assert len(years) >= 5
        assert old_communes().filter(ntm_level="not_yet").exists()

    def test_the_recognition_dates_are_not_before_the_year_they_recognise(self, demo):
        for commune in AdministrativeUnit.objects.communes().prefetch_related("recognitions"):
            for recognition in commune.recognitions.all():
                recognition.full_clean()
                assert recognition.decision_date >= datetime.date(recognition.year, 1, 1)

    def test_building_twice_adds_nothing(self, demo):
        before = fingerprint(), Secondment.objects.count(), FieldVisit.objects.count(), User.objects.count()
        second = build_demo(communes=DEMO_SIZE)
        assert second.communes_built == 0
        assert (fingerprint(), Secondment.objects.count(), FieldVisit.objects.count(), User.objects.count()) == before


def test_a_larger_size_adds_communes_and_keeps_the_history_already_built(national_sets):
    build_demo(communes=25)
    small = fingerprint()
    result = build_demo(communes=40)
    assert result.communes_built == 15
    assert old_communes().count() == 40
    assert [row for row in fingerprint() if row[0] in {code for code, _, _ in small}] == small


def test_the_same_seed_builds_the_same_province(national_sets):
    histories = []
    for _ in range(2):
        with transaction.atomic():
            build_demo(communes=25, seed=7)
            histories.append(fingerprint())
            transaction.set_rollback(True)
    assert histories[0] == histories[1]


def test_the_command_prints_counts_and_the_demo_logins(national_sets, capsys):
    call_command("load_demo", "--communes", "25")
    out = capsys.readouterr().out
    assert "Xã trong tỉnh demo: 25" in out
    assert "vpdp_tinh" in out and "ntm-demo-2026" in out
    (district_login,) = [line for line in out.splitlines() if "huyen_dinhhoa" in line]
    assert "Cán bộ cấp huyện – Huyện Định Hóa, đến 30/06/2025: xem số liệu lịch sử" in district_login


def test_the_command_refuses_a_size_beyond_the_shipped_list(national_sets):
    with pytest.raises(CommandError, match="838"):
        call_command("load_demo", "--communes", "5000")
