"""The browser side of the assessment workflow: each page renders, each action works end to end through its form,
refusals are said in plain words, and lists cost the same queries for 2 rows as for 20."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.choices import NtmLevel
from criteria.choices import ChangeKind, Comparison, RoundStatus
from criteria.models import AssessmentChange, AssessmentRound, Criterion, EvidenceFile, IndicatorValue
from criteria.services import assessment as workflow
from tests.communes.factories import CommuneFactory, RecognitionFactory
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionFactory,
    CriterionResultFactory,
    EvidenceFileFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
)
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def criteria_of(assessment_round) -> dict[int, Criterion]:
    criteria = Criterion.objects.filter(criteria_set=assessment_round.criteria_set).prefetch_related("indicators")
    return {c.number: c for c in criteria}


def indicators_of(assessment_round) -> dict:
    return {i.code: i for c in criteria_of(assessment_round).values() for i in c.indicators.all()}


def fill(assessment_round, user, *, unmet=()):
    """Every criterion assessed through the service: met, except the numbers in `unmet`."""
    criteria = criteria_of(assessment_round)
    indicators = indicators_of(assessment_round)
    workflow.round_save(
        user=user,
        assessment_round=assessment_round,
        expected_version=assessment_round.version,
        indicators={
            indicators["3.1"].pk: workflow.IndicatorInput(value_number=Decimal(85)),
            indicators["3.2"].pk: workflow.IndicatorInput(value_bool=True),
        },
        criteria={c.pk: workflow.CriterionInput(met=n not in unmet) for n, c in criteria.items() if n != 3},
    )
    assessment_round.refresh_from_db()
    return assessment_round


def submitted(assessment_round, official):
    fill(assessment_round, official)
    workflow.round_submit(user=official, assessment_round=assessment_round)
    return assessment_round


def verified(assessment_round, official, officer):
    submitted(assessment_round, official)
    workflow.round_verify(user=officer, assessment_round=assessment_round)
    return assessment_round


def approved(assessment_round, official, officer, coordinator):
    verified(assessment_round, official, officer)
    workflow.round_approve(user=coordinator, assessment_round=assessment_round)
    return assessment_round


def page_url(assessment_round) -> str:
    return reverse("criteria:round_detail", args=[assessment_round.pk])


def action_url(assessment_round, name: str) -> str:
    return reverse(f"criteria:{name}", args=[assessment_round.pk])


def html(response) -> str:
    return response.content.decode()


def form_data(client, assessment_round, **overrides) -> dict:
    """What the round page's value form would post untouched, with `overrides` typed in."""
    form = client.get(page_url(assessment_round)).context["values_form"]
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}
    data.update(overrides)
    return data


def field_html(response, field_name: str) -> str:
    """The labelled field block of one input, to check that an error sits next to it."""
    content = html(response)
    start = content.rindex('<div class="field', 0, content.index(f'name="{field_name}"'))
    return content[start : content.index("</div>", start)]


# --- 1. the round list ------------------------------------------------------------------------------------------------


def test_the_round_list_shows_the_users_rounds_with_their_score(client, round_a1, commune_official_a1, geography):
    fill(round_a1, commune_official_a1, unmet=(9, 10))
    other = AssessmentRoundFactory(commune=geography.commune_b1, criteria_set=round_a1.criteria_set, year=2022)
    client.force_login(commune_official_a1)

    response = client.get(reverse("criteria:round_list"))

    assert response.status_code == 200
    rounds = list(response.context["page"].object_list)
    assert rounds == [round_a1] and other not in rounds
    assert "Xã Phú Đình" in html(response) and "17/19" in html(response)
    assert "Đang nhập" in html(response)


def test_the_round_list_filters_by_year_and_status(client, round_a1, province_coordinator, geography):
    later = AssessmentRoundFactory(
        commune=geography.commune_b1, criteria_set=round_a1.criteria_set, year=2023, status=RoundStatus.SUBMITTED
    )
    client.force_login(province_coordinator)

    by_year = client.get(reverse("criteria:round_list"), {"year": 2023})
    by_status = client.get(reverse("criteria:round_list"), {"status": RoundStatus.DRAFT})

    assert list(by_year.context["page"].object_list) == [later]
    assert list(by_status.context["page"].object_list) == [round_a1]


def test_the_round_list_exports_the_filtered_rounds_to_excel(client, round_a1, province_coordinator, geography):
    AssessmentRoundFactory(commune=geography.commune_b1, criteria_set=round_a1.criteria_set, year=2023)
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:round_list"), {"year": 2022, "format": "xlsx"})

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Mã xã", "Xã", "Huyện", "Năm", "Trạng thái")
    assert [row[1] for row in rows[1:]] == ["Xã Phú Đình"]
    assert rows[1][3:7] == (2022, "Đang nhập", 0, 19)


def test_a_commune_official_starts_a_round_for_a_year(client, national_sets, commune_official_a1, geography):
    client.force_login(commune_official_a1)

    response = client.post(reverse("criteria:round_start"), {"year": 2023}, follow=True)

    assessment_round = AssessmentRound.objects.get(commune=geography.commune_a1, year=2023)
    assert response.redirect_chain[-1][0] == page_url(assessment_round)
    assert "Đã mở kỳ đánh giá năm 2023 của Xã Phú Đình." in html(response)
    assert assessment_round.criteria_set.code == "ntm-2021-2025"


def test_starting_a_second_round_for_the_same_year_is_refused_in_words(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)

    response = client.post(reverse("criteria:round_start"), {"year": 2022}, follow=True)

    assert "Xã Phú Đình đã có kỳ đánh giá năm 2022." in html(response)
    assert AssessmentRound.objects.count() == 1


def test_the_coordinator_starts_a_round_for_a_commune_of_its_province(
    client, national_sets, province_coordinator, geography
):
    client.force_login(province_coordinator)

    response = client.post(reverse("criteria:round_start"), {"commune": geography.commune_b1.pk, "year": 2024})

    assessment_round = AssessmentRound.objects.get(commune=geography.commune_b1, year=2024)
    assert response.status_code == 302 and response["Location"] == page_url(assessment_round)


def test_a_district_officer_is_offered_no_round_to_start(client, national_sets, district_officer_a):
    client.force_login(district_officer_a)

    page = client.get(reverse("criteria:round_list"))
    response = client.post(reverse("criteria:round_start"), {"year": 2024})

    assert page.context["start_form"] is None
    assert response.status_code == 403 and not AssessmentRound.objects.exists()


# --- 2. the round page: entering values -------------------------------------------------------------------------------


def test_the_round_page_shows_criteria_targets_and_the_score(client, round_a1, commune_official_a1):
    fill(round_a1, commune_official_a1, unmet=(9, 10, 11, 15))
    client.force_login(commune_official_a1)

    response = client.get(page_url(round_a1))

    content = html(response)
    assert response.status_code == 200
    assert "15/19" in content and "9. Nhà ở dân cư; 10. Thu nhập; 11. Nghèo đa chiều; 15. Y tế" in content
    assert "Thủy lợi và phòng, chống thiên tai" in content and "Hạ tầng kinh tế - xã hội" in content
    assert "≥ 80,0%" in content  # the target of 3.1 that applies to the commune
    assert 'name="version"' in content and 'name="indicator_' in content and 'name="criterion_' in content


def test_the_round_page_uses_the_responsive_stylesheet(client, settings, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)

    content = html(client.get(page_url(round_a1)))

    assert 'name="viewport" content="width=device-width, initial-scale=1"' in content
    assert "/static/css/portal.css" in content and 'class="criteria-grid"' in content
    assert "https://" not in content.split("<main>")[0]  # nothing from a CDN
    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    assert "@media (max-width: 40rem)" in css and ".criteria-grid" in css


def test_a_commune_official_saves_values_and_the_score_follows(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)
    criteria, indicators = criteria_of(round_a1), indicators_of(round_a1)
    typed = {f"criterion_{c.pk}": "yes" for n, c in criteria.items() if n != 3}
    typed |= {f"indicator_{indicators['3.1'].pk}": "85,5", f"indicator_{indicators['3.2'].pk}": "yes"}
    typed[f"note_{criteria[1].pk}"] = "Quy hoạch chung đã phê duyệt"

    response = client.post(page_url(round_a1), form_data(client, round_a1, **typed), follow=True)

    assert response.redirect_chain[-1][0] == page_url(round_a1)
    assert "Đã lưu" in html(response) and "19/19" in html(response)
    value = IndicatorValue.objects.get(assessment_round=round_a1, indicator=indicators["3.1"])
    assert value.value_number == Decimal("85.5") and value.met is True
    round_a1.refresh_from_db()
    assert round_a1.version == 2
    assert round_a1.criterion_results.get(criterion=criteria[1]).note == "Quy hoạch chung đã phê duyệt"


def test_saving_an_unchanged_form_changes_nothing(client, round_a1, commune_official_a1):
    fill(round_a1, commune_official_a1)
    client.force_login(commune_official_a1)
    changes = AssessmentChange.objects.count()

    response = client.post(page_url(round_a1), form_data(client, round_a1), follow=True)

    assert "Không có thay đổi nào để lưu." in html(response)
    assert AssessmentChange.objects.count() == changes


def test_a_percentage_over_100_is_shown_next_to_its_field_and_nothing_is_saved(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)
    indicators, criteria = indicators_of(round_a1), criteria_of(round_a1)
    field = f"indicator_{indicators['3.1'].pk}"
    data = form_data(client, round_a1, **{field: "150", f"criterion_{criteria[1].pk}": "yes"})

    response = client.post(page_url(round_a1), data)

    assert response.status_code == 200
    assert "0–100%" in field_html(response, field)
    assert "Chưa lưu gì" in html(response)
    round_a1.refresh_from_db()
    assert round_a1.version == 1 and not IndicatorValue.objects.exists()


def test_text_in_a_number_field_is_refused_in_words(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)
    field = f"indicator_{indicators_of(round_a1)['3.1'].pk}"

    response = client.post(page_url(round_a1), form_data(client, round_a1, **{field: "tám mươi"}))

    assert response.status_code == 200 and 'class="error"' in field_html(response, field)
    assert not IndicatorValue.objects.exists()


def test_a_save_on_a_stale_version_is_refused_and_keeps_the_typed_input(
    client, round_a1, commune_official_a1, province_coordinator
):
    client.force_login(commune_official_a1)
    criteria = criteria_of(round_a1)
    stale = form_data(client, round_a1, **{f"note_{criteria[2].pk}": "Đường trục xã đã cứng hóa 100%"})
    province_coordinator.first_name, province_coordinator.last_name = "Hà", "Nguyễn Thu"
    province_coordinator.save()
    fill(round_a1, province_coordinator)  # someone else saves in between
    version = round_a1.version

    response = client.post(page_url(round_a1), stale)

    assert response.status_code == 409
    content = html(response)
    assert "alert-conflict" in content and "Thay đổi của bạn chưa được lưu" in content
    assert "Nguyễn Thu Hà" in content or "Hà Nguyễn Thu" in content
    assert "Đường trục xã đã cứng hóa 100%" in content  # the typed input is still there
    round_a1.refresh_from_db()
    assert round_a1.version == version
    assert round_a1.criterion_results.get(criterion=criteria[2]).note == ""


def test_saving_other_criteria_keeps_a_criterion_assessed_as_a_whole(client, round_a1, commune_official_a1):
    criteria = criteria_of(round_a1)
    workflow.round_save(
        user=commune_official_a1,
        assessment_round=round_a1,
        expected_version=round_a1.version,
        criteria={criteria[3].pk: workflow.CriterionInput(met=True)},  # as an import of older data does
    )
    client.force_login(commune_official_a1)

    client.post(page_url(round_a1), form_data(client, round_a1, **{f"criterion_{criteria[1].pk}": "no"}))

    assert round_a1.criterion_results.get(criterion=criteria[3]).met is True
    assert round_a1.criterion_results.get(criterion=criteria[1]).met is False


# --- 2. the round page: the workflow ----------------------------------------------------------------------------------


def test_submitting_with_unassessed_criteria_names_them(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)

    response = client.post(action_url(round_a1, "round_submit"), {"version": round_a1.version}, follow=True)

    assert "Chưa đánh giá các tiêu chí số 1, 2, 3" in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.DRAFT


def test_submitting_a_complete_round_sends_it_to_the_district(client, round_a1, commune_official_a1):
    fill(round_a1, commune_official_a1)
    client.force_login(commune_official_a1)

    response = client.post(action_url(round_a1, "round_submit"), {"version": round_a1.version}, follow=True)

    assert response.redirect_chain[-1][0] == page_url(round_a1)
    assert "Đã gửi kết quả tự đánh giá của Xã Phú Đình lên huyện thẩm tra." in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.SUBMITTED


def test_submitting_from_a_stale_page_is_refused(client, round_a1, commune_official_a1):
    stale_version = round_a1.version
    fill(round_a1, commune_official_a1)
    client.force_login(commune_official_a1)

    response = client.post(action_url(round_a1, "round_submit"), {"version": stale_version}, follow=True)

    assert "Thay đổi của bạn chưa được lưu" in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.DRAFT


def test_the_round_page_is_read_only_after_submission(client, round_a1, commune_official_a1):
    submitted(round_a1, commune_official_a1)
    client.force_login(commune_official_a1)

    response = client.get(page_url(round_a1))

    content = html(response)
    assert response.context["values_form"] is None
    assert 'name="indicator_' not in content and 'name="criterion_' not in content
    assert "Lưu số liệu" not in content and "Tải lên" not in content and "Gửi thẩm tra" not in content
    assert "Chế độ chỉ xem" in content and "Đã gửi thẩm tra" in content
    assert "85,0%" in content  # the values are shown as text


def test_the_district_verifies_a_submitted_round(client, round_a1, commune_official_a1, district_officer_a):
    submitted(round_a1, commune_official_a1)
    client.force_login(district_officer_a)
    page = html(client.get(page_url(round_a1)))

    response = client.post(action_url(round_a1, "round_verify"), {"comment": "Hồ sơ đầy đủ"}, follow=True)

    assert "Xác nhận đã thẩm tra" in page and 'id="review-form"' in page
    assert "Đã thẩm tra kết quả của Xã Phú Đình" in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.VERIFIED
    assert round_a1.changes.filter(kind=ChangeKind.STATE).last().comment == "Hồ sơ đầy đủ"


def test_the_district_returns_a_round_with_a_comment_per_criterion(
    client, round_a1, commune_official_a1, district_officer_a
):
    submitted(round_a1, commune_official_a1)
    criteria = criteria_of(round_a1)
    client.force_login(district_officer_a)

    response = client.post(
        action_url(round_a1, "round_return_to_commune"),
        {f"comment_{criteria[10].pk}": "Thiếu số liệu điều tra thu nhập năm 2022", "comment": ""},
        follow=True,
    )

    assert "Đã trả lại kỳ đánh giá cho Xã Phú Đình kèm ý kiến thẩm tra." in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.RETURNED
    client.force_login(commune_official_a1)
    page = html(client.get(page_url(round_a1)))
    assert "Thiếu số liệu điều tra thu nhập năm 2022" in page and "Ý kiến thẩm tra" in page
    assert 'name="criterion_' in page  # editable again


def test_returning_without_any_comment_is_refused_in_words(client, round_a1, commune_official_a1, district_officer_a):
    submitted(round_a1, commune_official_a1)
    client.force_login(district_officer_a)

    response = client.post(action_url(round_a1, "round_return_to_commune"), {"comment": "  "})

    assert response.status_code == 200
    assert "Ghi rõ ý kiến cho ít nhất một tiêu chí khi trả lại." in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.SUBMITTED


def test_the_province_approves_a_verified_round(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator
):
    verified(round_a1, commune_official_a1, district_officer_a)
    client.force_login(province_coordinator)

    response = client.post(action_url(round_a1, "round_approve"), {"comment": ""}, follow=True)

    assert "Đã thẩm định kết quả của Xã Phú Đình." in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.APPROVED


def test_the_province_returns_a_round_to_the_district_with_its_reason(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator
):
    verified(round_a1, commune_official_a1, district_officer_a)
    client.force_login(province_coordinator)

    refused = client.post(action_url(round_a1, "round_return_to_district"), {"comment": ""})
    response = client.post(
        action_url(round_a1, "round_return_to_district"), {"comment": "Tiêu chí 17 chưa có biên bản"}, follow=True
    )

    assert refused.status_code == 200 and "Ghi lý do." in html(refused)
    assert "Đã trả kỳ đánh giá của Xã Phú Đình về huyện thẩm tra lại." in html(response)
    assert "Tiêu chí 17 chưa có biên bản" in html(response)  # in the round's log
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.SUBMITTED


def test_the_province_reopens_an_approved_round(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)
    client.force_login(province_coordinator)

    response = client.post(action_url(round_a1, "round_reopen"), {"comment": "Rà soát lại tiêu chí 10"}, follow=True)

    assert "Đã mở lại kỳ đánh giá của Xã Phú Đình" in html(response)
    round_a1.refresh_from_db()
    assert round_a1.status == RoundStatus.VERIFIED


def test_the_province_records_the_recognition_of_a_round_meeting_every_criterion(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator, geography
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)
    client.force_login(province_coordinator)
    page = html(client.get(page_url(round_a1)))

    response = client.post(
        action_url(round_a1, "round_recognise"),
        {
            "decision_number": "123/QĐ-UBND",
            "decision_date": "2023-01-10",
            "signer": "Chủ tịch UBND tỉnh",
            "level": NtmLevel.STANDARD,
        },
        follow=True,
    )

    assert "Ghi quyết định công nhận" in page
    assert "Đã ghi quyết định công nhận Xã Phú Đình đạt chuẩn." in html(response)
    assert "123/QĐ-UBND" in html(response)
    geography.commune_a1.refresh_from_db()
    assert geography.commune_a1.ntm_level == NtmLevel.STANDARD
    assert geography.commune_a1.recognition.assessment_round == round_a1


def test_a_recognition_without_a_decision_number_keeps_what_was_typed(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)
    client.force_login(province_coordinator)

    response = client.post(
        action_url(round_a1, "round_recognise"),
        {"decision_number": "", "decision_date": "2023-01-10", "signer": "Chủ tịch UBND tỉnh", "level": "standard"},
    )

    assert response.status_code == 200 and 'value="Chủ tịch UBND tỉnh"' in html(response)
    assert not round_a1.changes.filter(kind=ChangeKind.RECOGNITION).exists()


def test_the_recognition_panel_is_disabled_with_its_reason_while_a_criterion_is_unmet(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator
):
    fill(round_a1, commune_official_a1, unmet=(10,))
    workflow.round_submit(user=commune_official_a1, assessment_round=round_a1)
    workflow.round_verify(user=district_officer_a, assessment_round=round_a1)
    workflow.round_approve(user=province_coordinator, assessment_round=round_a1)
    client.force_login(province_coordinator)

    page = client.get(page_url(round_a1))
    forced = client.post(
        action_url(round_a1, "round_recognise"),
        {"decision_number": "1/QĐ", "decision_date": "2023-01-10", "signer": "Chủ tịch", "level": "standard"},
        follow=True,
    )

    offers = {offer.transition.name: offer for offer, form in page.context["action_panels"]}
    assert "mới đạt 18/19 tiêu chí" in offers["recognise"].blocked_by and offers["reopen"].blocked_by is None
    assert 'id="panel-recognise"' in html(page) and "disabled>Ghi quyết định</button>" in html(page)
    assert "mới đạt 18/19 tiêu chí (chưa đạt: Thu nhập)" in html(forced)


def test_a_stale_action_on_a_round_that_moved_on_is_explained(
    client, round_a1, commune_official_a1, district_officer_a
):
    verified(round_a1, commune_official_a1, district_officer_a)
    client.force_login(district_officer_a)

    response = client.post(action_url(round_a1, "round_verify"), {"comment": ""}, follow=True)

    assert "Không thể “Thẩm tra”: kỳ đánh giá của Xã Phú Đình đang ở trạng thái “Đã thẩm tra”." in html(response)


# --- 2. evidence ------------------------------------------------------------------------------------------------------


def test_a_commune_official_uploads_evidence_and_downloads_it_again(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)
    indicator = indicators_of(round_a1)["3.1"]
    upload = SimpleUploadedFile("bien-ban-thuy-loi.pdf", b"%PDF-1.4 bien ban", content_type="application/pdf")

    response = client.post(
        action_url(round_a1, "evidence_add"),
        {"file": upload, "indicator": indicator.pk, "description": "Biên bản nghiệm thu kênh mương"},
        follow=True,
    )

    assert "Đã thêm hồ sơ minh chứng cho Xã Phú Đình." in html(response)
    evidence = EvidenceFile.objects.get(assessment_round=round_a1)
    assert evidence.indicator == indicator and "Biên bản nghiệm thu kênh mương" in html(response)
    download = client.get(reverse("criteria:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 bien ban"


def test_an_evidence_file_of_a_refused_type_is_explained(client, round_a1, commune_official_a1):
    client.force_login(commune_official_a1)
    upload = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")

    response = client.post(action_url(round_a1, "evidence_add"), {"file": upload, "description": ""})

    assert response.status_code == 200
    assert "Tệp “virus.exe” không được chấp nhận: chỉ nhận pdf" in html(response)
    assert not EvidenceFile.objects.exists()


def test_an_evidence_file_over_the_size_limit_is_explained(client, settings, round_a1, commune_official_a1):
    settings.EVIDENCE_MAX_BYTES = 2**20
    client.force_login(commune_official_a1)
    upload = SimpleUploadedFile("anh-chup.jpg", b"\xff" * (2**20 + 1), content_type="image/jpeg")

    response = client.post(action_url(round_a1, "evidence_add"), {"file": upload, "description": ""})

    assert response.status_code == 200
    assert "Tệp “anh-chup.jpg” nặng 1.0 MB, vượt giới hạn 1 MB." in html(response)
    assert not EvidenceFile.objects.exists()


def test_evidence_of_another_commune_cannot_be_downloaded(client, geography, commune_official_b1):
    evidence = EvidenceFileFactory(assessment_round=AssessmentRoundFactory(commune=geography.commune_a1))
    client.force_login(commune_official_b1)

    assert client.get(reverse("criteria:evidence_download", args=[evidence.pk])).status_code == 404


# --- 3. the queues ----------------------------------------------------------------------------------------------------


def test_the_verification_queue_lists_the_districts_submitted_rounds(
    client, round_a1, commune_official_a1, district_officer_a, geography
):
    submitted(round_a1, commune_official_a1)
    AssessmentRoundFactory(commune=geography.commune_a2, criteria_set=round_a1.criteria_set, year=2022)  # a draft
    AssessmentRoundFactory(
        commune=geography.commune_b1, criteria_set=round_a1.criteria_set, year=2022, status=RoundStatus.SUBMITTED
    )  # another district's
    client.force_login(district_officer_a)

    response = client.get(reverse("criteria:verification_queue"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [round_a1]
    assert "19/19" in html(response) and "Thẩm tra" in html(response)


def test_the_approval_queue_lists_verified_rounds_and_approved_ones_awaiting_recognition(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator, geography, national_sets
):
    approved(round_a1, commune_official_a1, district_officer_a, province_coordinator)
    verified_round = AssessmentRoundFactory(
        commune=geography.commune_b1, criteria_set=round_a1.criteria_set, year=2022, status=RoundStatus.VERIFIED
    )
    unmet = AssessmentRoundFactory(
        commune=geography.commune_a2, criteria_set=round_a1.criteria_set, year=2022, status=RoundStatus.APPROVED
    )  # approved with no criterion met: nothing to recognise
    recognised = AssessmentRoundFactory(
        commune=geography.commune_a2, criteria_set=round_a1.criteria_set, year=2023, status=RoundStatus.APPROVED
    )
    for criterion in Criterion.objects.filter(criteria_set=round_a1.criteria_set):
        CriterionResultFactory(assessment_round=recognised, criterion=criterion, met=True)
    RecognitionFactory(commune=geography.commune_a2, assessment_round=recognised, year=2023)
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:approval_queue"))

    rounds = list(response.context["page"].object_list)
    assert rounds == [round_a1, verified_round]  # the longest waiting first (criteria/test_queues.py)
    assert unmet not in rounds and recognised not in rounds
    assert "Ghi quyết định công nhận" in html(response) and "Thẩm định" in html(response)


@pytest.mark.parametrize("queue", ["verification_queue", "approval_queue"])
def test_a_queue_exports_to_excel(
    client, round_a1, commune_official_a1, district_officer_a, province_coordinator, queue
):
    if queue == "verification_queue":
        submitted(round_a1, commune_official_a1)
        user = district_officer_a
    else:
        verified(round_a1, commune_official_a1, district_officer_a)
        user = province_coordinator
    client.force_login(user)

    response = client.get(reverse(f"criteria:{queue}"), {"format": "xlsx"})

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "Xã Phú Đình" and rows[1][5:7] == (19, 19)


# --- 4. history -------------------------------------------------------------------------------------------------------


def test_the_history_page_tells_each_change_in_words(
    client, round_a1, commune_official_a1, district_officer_a, geography
):
    submitted(round_a1, commune_official_a1)
    criteria = criteria_of(round_a1)
    workflow.round_return_to_commune(
        user=district_officer_a, assessment_round=round_a1, comments={criteria[10].pk: "Bổ sung số liệu thu nhập"}
    )
    client.force_login(commune_official_a1)

    response = client.get(reverse("criteria:commune_history", args=[geography.commune_a1.pk]))

    content = html(response)
    assert response.status_code == 200
    first = response.context["rows"][0][0]
    assert first.changed_at >= response.context["rows"][-1][0].changed_at  # newest first
    assert "Chưa đánh giá → <strong>Đạt</strong>" in content  # a criterion's result, not "None → True"
    assert "Đang nhập → <strong>Đã gửi thẩm tra</strong>" in content
    assert "Chỉ tiêu 3.1" in content and "85,0%" in content
    assert "Tiêu chí 10. Thu nhập — ý kiến thẩm tra" in content and "Bổ sung số liệu thu nhập" in content
    assert "official_a1" in content and "2022" in content


def test_the_history_page_rebuilds_each_round_as_of_a_date(client, round_a1, commune_official_a1, geography):
    created = round_a1.changes.get(kind=ChangeKind.CREATED)
    AssessmentChange.objects.filter(pk=created.pk).update(changed_at=created.changed_at - datetime.timedelta(days=30))
    round_a1.created_at -= datetime.timedelta(days=30)
    AssessmentRound.objects.filter(pk=round_a1.pk).update(created_at=round_a1.created_at)
    submitted(round_a1, commune_official_a1)
    as_of = (created.changed_at - datetime.timedelta(days=10)).date()
    client.force_login(commune_official_a1)

    response = client.get(reverse("criteria:commune_history", args=[geography.commune_a1.pk]), {"as_of": as_of})

    [(assessment_round, then)] = response.context["round_rows"]
    assert assessment_round == round_a1
    assert then.status == "Đang nhập" and then.met == 0 and then.total == 19
    assert "19/19" in html(response)  # today's score beside it


# --- 5. Excel ---------------------------------------------------------------------------------------------------------


def test_the_excel_page_offers_the_units_in_scope(client, national_sets, province_coordinator, geography):
    client.force_login(province_coordinator)

    response = client.get(reverse("criteria:excel"))

    units = list(response.context["template_form"].fields["unit"].queryset)
    assert response.status_code == 200
    assert units[0] == geography.province and geography.commune_b1 in units


def test_a_commune_official_downloads_a_template_and_uploads_it_filled(
    client, national_sets, commune_official_a1, geography
):
    client.force_login(commune_official_a1)
    template = client.get(reverse("criteria:excel_template"), {"unit": geography.commune_a1.pk, "year": 2022})
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("TC1 Quy hoạch") + 1, "Đạt")
    filled = io.BytesIO()
    workbook.save(filled)

    response = client.post(
        reverse("criteria:excel"), {"file": SimpleUploadedFile("mau.xlsx", filled.getvalue(), XLSX)}, follow=True
    )

    assert "1 kỳ đánh giá mới" in html(response) and "Xã Phú Đình" in html(response)
    assessment_round = AssessmentRound.objects.get(commune=geography.commune_a1, year=2022)
    assert assessment_round.criterion_results.get(criterion__number=1).met is True


def test_an_upload_with_errors_lists_them_by_row_and_column_and_writes_nothing(
    client, national_sets, commune_official_a1, geography
):
    client.force_login(commune_official_a1)
    template = client.get(reverse("criteria:excel_template"), {"unit": geography.commune_a1.pk, "year": 2022})
    workbook = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("TC1 Quy hoạch") + 1, "có lẽ")
    filled = io.BytesIO()
    workbook.save(filled)

    response = client.post(reverse("criteria:excel"), {"file": SimpleUploadedFile("mau.xlsx", filled.getvalue())})

    content = html(response)
    assert response.status_code == 200
    assert "chưa ghi số liệu nào vào hệ thống" in content
    assert (
        "<th>Dòng</th><th>Cột</th><th>Lý do</th>" in content and "“có lẽ” không phải là Đạt hoặc Chưa đạt." in content
    )
    assert not AssessmentRound.objects.exists()


def test_a_template_of_a_unit_outside_the_users_scope_is_not_found(
    client, national_sets, commune_official_a1, geography
):
    client.force_login(commune_official_a1)

    response = client.get(reverse("criteria:excel_template"), {"unit": geography.commune_b1.pk, "year": 2022})

    assert response.status_code == 404


# --- queries ----------------------------------------------------------------------------------------------------------


def queries_of(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.fixture
def small_set(db):
    return CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)


def rounds_in(commune_parent, criteria_set, count, **kwargs):
    for _ in range(count):
        assessment_round = AssessmentRoundFactory(
            commune=CommuneFactory(parent=commune_parent), criteria_set=criteria_set, year=2022, **kwargs
        )
        for criterion in criteria_set.criteria.all():
            CriterionResultFactory(assessment_round=assessment_round, criterion=criterion, met=True)
        AssessmentChange.objects.create(
            assessment_round=assessment_round,
            commune=assessment_round.commune,
            kind=ChangeKind.STATE,
            field="status",
            old_value="draft",
            new_value=assessment_round.status,
        )


def test_the_round_list_costs_the_same_queries_for_2_rounds_as_for_20(
    client, small_set, province_coordinator, geography, django_assert_num_queries
):
    client.force_login(province_coordinator)
    url = reverse("criteria:round_list")
    rounds_in(geography.district_a, small_set, 2)
    client.get(url)  # warm-up: the session row is written on the first request
    expected = queries_of(client, url)
    rounds_in(geography.district_b, small_set, 18)
    # 8: session, user, the user's unit; the rounds counted; one page of them (commune, district and set joined, the
    # score as two subqueries); the district choices; the communes the coordinator may open a round for (exists,
    # then the choices).
    assert expected == 8
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20


def test_the_verification_queue_costs_the_same_queries_for_2_rounds_as_for_20(
    client, small_set, district_officer_a, geography, django_assert_num_queries
):
    client.force_login(district_officer_a)
    url = reverse("criteria:verification_queue")
    rounds_in(geography.district_a, small_set, 2, status=RoundStatus.SUBMITTED)
    client.get(url)
    expected = queries_of(client, url)
    rounds_in(geography.district_a, small_set, 18, status=RoundStatus.SUBMITTED)
    # 7: session, the user with their unit; the filter form's district and set choices; the lines counted; one page of
    # them (joins, score, last state change and each commune's latest round as subqueries); the navigation's counts.
    assert expected == 7
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20


def test_the_approval_queue_costs_the_same_queries_for_2_rounds_as_for_20(
    client, small_set, province_coordinator, geography, django_assert_num_queries
):
    client.force_login(province_coordinator)
    url = reverse("criteria:approval_queue")
    rounds_in(geography.district_a, small_set, 1, status=RoundStatus.VERIFIED)
    rounds_in(geography.district_b, small_set, 1, status=RoundStatus.APPROVED)
    client.get(url)
    expected = queries_of(client, url)
    rounds_in(geography.district_a, small_set, 9, status=RoundStatus.VERIFIED)
    rounds_in(geography.district_b, small_set, 9, status=RoundStatus.APPROVED)
    # 7: session, the user with their unit; the filter form's district and set choices; the lines counted; one page of
    # them (joins, score, last state change and each commune's latest round as subqueries); the navigation's counts.
    assert expected == 7
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 20


def test_the_history_page_costs_the_same_queries_for_2_changes_as_for_20(
    client, province_coordinator, geography, django_assert_num_queries
):
    criterion = CriterionFactory(criteria_set=CriteriaSetFactory(period_start=2021, period_end=2025))
    indicator = IndicatorFactory(criterion=criterion, code="3.1")
    assessment_round = AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=criterion.criteria_set)

    def changes(count):
        for n in range(count):
            kind = [ChangeKind.CRITERION, ChangeKind.INDICATOR, ChangeKind.STATE][n % 3]
            AssessmentChange.objects.create(
                assessment_round=assessment_round,
                commune=geography.commune_a1,
                changed_by=province_coordinator,
                kind=kind,
                criterion=criterion if kind != ChangeKind.STATE else None,
                indicator=indicator if kind == ChangeKind.INDICATOR else None,
                field={"criterion": "met", "indicator": "value_number", "state": "status"}[kind],
                old_value=None,
                new_value={"criterion": True, "indicator": "80.50", "state": "submitted"}[kind],
            )

    client.force_login(province_coordinator)
    url = reverse("criteria:commune_history", args=[geography.commune_a1.pk])
    changes(2)
    client.get(url)
    expected = queries_of(client, url)
    changes(18)
    # 7: session, user, the user's unit; the commune; the changes counted; one page of them (who, round, criterion
    # and indicator joined); the commune's rounds with their score.
    assert expected == 7
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["rows"]) == 20
    assert "80,5%" in html(response)


def test_the_round_page_does_not_query_per_criterion_or_indicator(client, geography, province_coordinator):
    def round_with(criteria_count):
        criteria_set = CriteriaSetFactory(period_start=2021, period_end=2025)
        assessment_round = AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=criteria_set, year=2022)
        for number in range(1, criteria_count + 1):
            criterion = CriterionFactory(criteria_set=criteria_set, number=number)
            CriterionResultFactory(assessment_round=assessment_round, criterion=criterion, met=None)
            for code in ("a", "b"):
                indicator = IndicatorFactory(
                    criterion=criterion, code=f"{number}.{code}", comparison=Comparison.AT_LEAST
                )
                IndicatorTargetFactory(indicator=indicator, threshold=5)
                IndicatorTargetFactory(indicator=indicator, threshold=7, region=geography.commune_a1.region)
        EvidenceFileFactory(assessment_round=assessment_round)
        return assessment_round

    small, large = round_with(3), round_with(12)
    client.force_login(province_coordinator)  # may edit: the page builds every input
    client.get(page_url(small))

    # 14 either way: session, user, the user's unit; the round (commune, district, province, set, recognition
    # joined); the criteria with their set, their indicators, the indicators' targets; the values; the results;
    # round_score (the round's standing in the ledger, the unmet criteria); who opened the draft (may they withdraw
    # it); the state log; the evidence files.
    assert queries_of(client, page_url(small)) == queries_of(client, page_url(large)) == 14
    assert "≥ 7" in html(client.get(page_url(large)))  # the region's target, not the general one


def test_an_unknown_round_is_not_found_rather_than_an_error(client, commune_official_a1):
    client.force_login(commune_official_a1)

    assert client.get(reverse("criteria:round_detail", args=[999999])).status_code == 404
    assert client.post(reverse("criteria:round_submit", args=[999999])).status_code == 404


def test_a_viewer_without_a_unit_sees_an_empty_list(client, db):
    client.force_login(UserFactory(username="lost"))

    response = client.get(reverse("criteria:round_list"))

    assert response.status_code == 200 and response.context["page"].paginator.count == 0
