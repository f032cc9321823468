"""The one-commune profile as a one-page PDF (issue 18): read back with pypdf, scoped as the commune page, and as
many queries for one cadre and one visit as for twenty."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from criteria.choices import Comparison, RoundStatus
from reports import commune_profile
from tests.criteria.factories import (
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionResultFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
    IndicatorValueFactory,
)
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
)

pytestmark = pytest.mark.django_db


def profile_url(commune) -> str:
    return reverse("communes:commune_profile_pdf", args=[commune.pk])


def pdf_of(response) -> pypdf.PdfReader:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.getvalue()))


def text_of(reader: pypdf.PdfReader) -> str:
    # The text layer breaks lines where the layout does: compare on single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def assessed_a1(geography):
    """Commune A1's latest round: 4 of 5 criteria met; criterion 5 (Môi trường) not met, its indicator 5.2 at 62%
    against a target of 80%, its indicator 5.1 met."""
    criteria_set = CriteriaSetFactory(period_start=2000, period_end=2100, criteria_count=4)
    environment = criteria_set.criteria.model.objects.create(
        criteria_set=criteria_set, number=5, name="Môi trường và an toàn thực phẩm"
    )
    clean_water = IndicatorFactory(criterion=environment, code="5.1", name="Tỷ lệ hộ dùng nước sạch", position=1)
    waste = IndicatorFactory(
        criterion=environment,
        code="5.2",
        name="Tỷ lệ chất thải rắn được thu gom, xử lý",
        comparison=Comparison.PERCENT_AT_LEAST,
        position=2,
    )
    IndicatorTargetFactory(indicator=clean_water, threshold=60)
    IndicatorTargetFactory(indicator=waste, threshold=80)
    AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=criteria_set, year=2023)
    latest = AssessmentRoundFactory(
        commune=geography.commune_a1, criteria_set=criteria_set, year=2024, status=RoundStatus.SUBMITTED
    )
    IndicatorValueFactory(assessment_round=latest, indicator=clean_water, value_number=75, met=True)
    IndicatorValueFactory(assessment_round=latest, indicator=waste, value_number=62, met=False)
    for criterion in criteria_set.criteria.all():
        met = criterion.number != 5
        CriterionResultFactory(assessment_round=latest, criterion=criterion, met=met, assessed_as_whole=met)
    return latest


def add_records(commune, agency, count: int) -> None:
    """`count` cadres on secondment now, visits this year and contributions, each a row of its own."""
    today = timezone.localdate()
    for n in range(count):
        SecondmentFactory(commune=commune, cadre=CadreFactory(home_agency=agency), start_date=datetime.date(2024, 1, 1))
        FieldVisitFactory(agency=agency, commune=commune, visit_date=today - datetime.timedelta(days=n))
        SupportContributionFactory(giver=agency, commune=commune, value_vnd=50_000_000)


def test_the_profile_is_one_page_with_the_standing_and_the_unmet_indicators(
    client, province_coordinator, geography, assessed_a1
):
    client.force_login(province_coordinator)

    reader = pdf_of(client.get(profile_url(geography.commune_a1)))

    assert len(reader.pages) == 1
    text = text_of(reader)
    assert "Xã Phú Đình" in text and "Huyện Định Hóa" in text and "Tỉnh Thái Nguyên" in text
    assert "Tiêu chí đạt 4/5" in text and "tiêu chí" in text and "Đã gửi thẩm tra" in text
    assert "Môi trường và an toàn thực phẩm" in text
    # The unmet indicator with its value against its target; the met one is not listed.
    assert "5.2 Tỷ lệ chất thải rắn được thu gom, xử lý 62,0% ≥ 80,0%" in text
    assert "Tỷ lệ hộ dùng nước sạch" not in text
    # History: both rounds.
    assert "2023" in text and "2024" in text


def test_the_profile_lists_the_cadres_now_in_the_commune_the_agencies_and_the_support_in_dong(
    client, province_coordinator, geography, assessed_a1
):
    agency = AgencyFactory(name="Sở Tài chính", unit=geography.province)
    SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1)
    SecondmentFactory(
        commune=geography.commune_a1,
        cadre=CadreFactory(full_name="Lê Thị Hoa", home_agency=agency),
        start_date=datetime.date(2024, 1, 1),
    )
    SecondmentFactory(
        commune=geography.commune_a1,
        cadre=CadreFactory(full_name="Trần Văn Cũ", home_agency=agency),
        start_date=datetime.date(2019, 1, 1),
        actual_end_date=datetime.date(2021, 1, 1),
    )
    FieldVisitFactory(agency=agency, commune=geography.commune_a1, visit_date=timezone.localdate())
    SupportContributionFactory(giver=agency, commune=geography.commune_a1, value_vnd=50_000_000)
    client.force_login(province_coordinator)

    text = text_of(pdf_of(client.get(profile_url(geography.commune_a1))))

    assert "Lê Thị Hoa" in text
    assert "Trần Văn Cũ" not in text  # back home since 2021
    assert "Sở Tài chính" in text
    assert "50.000.000 đ" in text


def test_long_lists_are_cut_to_keep_the_profile_on_one_page(client, province_coordinator, geography, assessed_a1):
    agency = AgencyFactory(unit=geography.province)
    add_records(geography.commune_a1, agency, 30)
    for n in range(12):
        SponsorAssignmentFactory(agency=AgencyFactory(name=f"Doanh nghiệp số {n}"), commune=geography.commune_a1)
    client.force_login(province_coordinator)

    reader = pdf_of(client.get(profile_url(geography.commune_a1)))

    assert len(reader.pages) == 1
    text = text_of(reader)
    assert "cán bộ khác" in text and "cơ quan, doanh nghiệp khác" in text


def test_the_file_is_named_after_the_commune_and_the_day(client, province_coordinator, geography, assessed_a1):
    client.force_login(province_coordinator)

    response = client.get(profile_url(geography.commune_a1))

    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="ho-so-xa-phu-dinh-{day}.pdf"'


def test_a_commune_without_any_record_still_gets_its_one_page(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    reader = pdf_of(client.get(profile_url(geography.commune_b1)))

    assert len(reader.pages) == 1
    assert "Xã chưa có kỳ đánh giá nào." in text_of(reader)


@pytest.mark.parametrize("persona", ["district_officer_a", "commune_official_a1", "agency_liaison"])
def test_each_role_in_scope_downloads_the_profile(client, request, persona, geography, assessed_a1):
    client.force_login(request.getfixturevalue(persona))

    assert "Xã Phú Đình" in text_of(pdf_of(client.get(profile_url(geography.commune_a1))))


def test_a_commune_official_of_another_commune_is_refused_as_on_the_commune_page(
    client, commune_official_b1, geography, assessed_a1
):
    client.force_login(commune_official_b1)

    page = client.get(reverse("communes:commune_detail", args=[geography.commune_a1.pk]))
    profile = client.get(profile_url(geography.commune_a1))

    assert page.status_code == profile.status_code == 404
    assert b"Ph\xc3\xba \xc4\x90\xc3\xacnh" not in profile.content


def test_an_anonymous_visitor_is_sent_to_the_login_page_as_on_the_commune_page(client, geography, assessed_a1):
    page = client.get(reverse("communes:commune_detail", args=[geography.commune_a1.pk]))
    profile = client.get(profile_url(geography.commune_a1))

    assert page.status_code == profile.status_code == 302
    assert profile["Location"].startswith(reverse("login"))


def test_the_commune_page_links_to_the_profile_and_offers_to_print(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    html = client.get(reverse("communes:commune_detail", args=[geography.commune_a1.pk])).content.decode()

    assert f'href="{profile_url(geography.commune_a1)}"' in html
    assert "data-print" in html and "Tải PDF một trang" in html


def test_the_profile_costs_the_same_queries_for_one_cadre_and_visit_as_for_twenty(
    client, province_coordinator, geography, assessed_a1, django_assert_num_queries
):
    agency = AgencyFactory(unit=geography.province)
    SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1)
    add_records(geography.commune_a1, agency, 1)
    client.force_login(province_coordinator)
    url = profile_url(geography.commune_a1)
    client.get(url)  # the session and the caches warm

    # 22: session, user, the user's unit; the commune (district, province, recognition joined); commune_page's 18:
    # rounds, criteria with results, unmet in the ledger, standing today (3), predecessors, evidence, secondments,
    # assignments, visits per agency, recent visits and their criteria, support per kind, recent contributions, plan
    # counts, open items; the unmet indicators' values (indicator, criterion, set joined) and their targets.
    with django_assert_num_queries(22) as one:
        client.get(url)
    add_records(geography.commune_a1, agency, 19)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)

    text = text_of(pdf_of(response))
    assert "cán bộ khác" in text  # 20 cadres, a few shown: the page did read them all


def test_a_commune_failing_every_criterion_with_long_lists_everywhere_still_gets_one_page(
    client, province_coordinator, geography, monkeypatch
):
    """The page is made again with shorter lists until it fits: 19 unmet criteria of three failing indicators each,
    15 years of rounds, 20 cadres, 20 agencies and every kind of support."""
    criteria_set = CriteriaSetFactory(period_start=2000, period_end=2100, criteria_count=19)
    for year in range(2010, 2025):
        AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=criteria_set, year=year)
    latest = AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=criteria_set, year=2025)
    for criterion in criteria_set.criteria.all():
        criterion.name = f"Tiêu chí số {criterion.number} về hạ tầng kinh tế - xã hội và môi trường nông thôn"
        criterion.save()
        CriterionResultFactory(assessment_round=latest, criterion=criterion, met=False, assessed_as_whole=False)
        for position in range(1, 4):
            indicator = IndicatorFactory(
                criterion=criterion,
                code=f"{criterion.number}.{position}",
                name="Tỷ lệ hộ gia đình được sử dụng nước sạch đạt quy chuẩn theo quy định hiện hành",
                position=position,
            )
            IndicatorTargetFactory(indicator=indicator, threshold=90)
            IndicatorValueFactory(assessment_round=latest, indicator=indicator, value_number=40, met=False)
    agency = AgencyFactory(unit=geography.province)
    add_records(geography.commune_a1, agency, 20)
    for n in range(20):
        SponsorAssignmentFactory(
            agency=AgencyFactory(name=f"Công ty cổ phần đầu tư phát triển nông nghiệp công nghệ cao số {n}"),
            commune=geography.commune_a1,
        )
    renders = []
    render = commune_profile._render
    monkeypatch.setattr(commune_profile, "_render", lambda html: renders.append(html) or render(html))
    client.force_login(province_coordinator)

    reader = pdf_of(client.get(profile_url(geography.commune_a1)))

    assert len(reader.pages) == 1
    assert len(renders) > 1  # the longest lists did not fit: shorter ones were tried
    text = text_of(reader)
    assert "tiêu chí khác chưa đạt" in text and "chỉ tiêu khác chưa đạt" in text
    assert "1.1 Tỷ lệ hộ gia đình" in text and "40,0% ≥ 90,0%" in text
