"""The accountability pages of the dashboards (issue 8): secondment results against the communes without a cadre,
sponsors by quarter, and the forecast against the target. The figures are those of the hand-built cases in
tests/accountability_cases.py, checked as the page writes them (Vietnamese numbers: "22,2%", "2.150.000.000 đ");
scope as on the progress page (a district officer reads the province's figures but names only its own district's
communes; another province is a 404); wrong parameters are said and the defaults used; and each page costs the same
queries for the case as for the case with 20 more secondments, visits or communes."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from ntm_portal.choices import Role
from tests.accountability_cases import assessed, national_set
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
)

pytestmark = pytest.mark.django_db

PAGES = ("secondments", "sponsors", "forecast")


@pytest.fixture(autouse=True)
def fresh_chart_cache():
    """The charts are cached by the figures they show (locmem in tests): each test draws its own."""
    cache.clear()
    yield
    cache.clear()


def page_url(page: str, unit, **params) -> str:
    url = reverse(f"dashboard:{page}", args=[unit.pk])
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}?{query}" if query else url


def get_page(client, user, page: str, unit, **params) -> str:
    client.force_login(user)
    response = client.get(page_url(page, unit, **params))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, title_id: str) -> str:
    """The HTML of the <section> whose heading has this id."""
    start = html.index(f'id="{title_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def row_text(html: str, css_class: str) -> str:
    """The text of the first table row with this class, tags removed and cells joined by "|"."""
    match = re.search(rf'<tr class="[^"]*\b{re.escape(css_class)}\b[^"]*">(.*?)</tr>', html, re.S)
    assert match, css_class
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match[1], re.S)
    return "|".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells)


# --- secondment results --------------------------------------------------------------------------------------------


def test_the_secondments_page_shows_13_of_20_against_2_of_9_without_a_cadre(client, province_coordinator, seconded):
    page = get_page(client, province_coordinator, "secondments", seconded.district, as_of=seconded.as_of)

    headline = section(page, "headline-title")
    assert "13/20 xã đạt chuẩn (65,0%)" in headline
    assert "2/9 xã đạt chuẩn (22,2%)" in headline
    assert "tăng 11 tiêu chí" in headline and "15 tháng đến khi đạt chuẩn" in headline  # the medians
    assert "21 tháng đến khi đạt chuẩn" in headline  # the comparison's median months
    # Overall: 20 secondments, 13/20, 65%, median gain 11, median 15 months; the comparison 2/9, 22.2%, no gain, 21.
    assert row_text(page, "group-all") == "Tất cả cán bộ biệt phái, luân chuyển|20|13/20|65,0%|11|15|2/9|22,2%|—|21"


def test_the_groups_are_the_batch_and_each_home_agency(client, province_coordinator, seconded):
    page = get_page(client, province_coordinator, "secondments", seconded.district, as_of=seconded.as_of)

    assert row_text(page, f"group-batch-{seconded.batch.pk}").startswith("Đợt 1 năm 2016|20|13/20|65,0%|11|15|")
    assert row_text(page, f"group-agency-{seconded.agency_a.pk}").startswith(
        "Ban Tổ chức Tỉnh ủy|12|12/12|100,0%|11|15|"
    )
    assert row_text(page, f"group-agency-{seconded.agency_b.pk}").startswith(
        "Sở Nông nghiệp và Môi trường|8|1/8|12,5%|4|30|"
    )


def test_the_chart_compares_the_cadres_communes_with_the_others(client, province_coordinator, seconded):
    page = get_page(client, province_coordinator, "secondments", seconded.district, as_of=seconded.as_of)

    chart = page[page.index('class="chart chart-secondments"') :]
    assert chart[:200].count("<svg") == 1
    assert "&lt;svg" not in page


def test_each_secondment_has_a_row_with_its_dates_criteria_and_outcome(client, province_coordinator, seconded):
    page = get_page(client, province_coordinator, "secondments", seconded.district, as_of=seconded.as_of)

    rows = section(page, "rows-title")
    assert rows.count('<tr class="outcome-') == 20
    first = row_text(rows, "outcome-during")
    assert first.endswith(
        "|Ban Tổ chức Tỉnh ủy|Xã Biệt Phái 01|Huyện Biệt Phái|01/03/2016|31/12/2017|8 → 19|+11"
        "|Đạt chuẩn trong thời gian biệt phái (01/06/2017)|15"
    )
    assert "Đạt chuẩn trong thời hạn sau khi cán bộ về" in rows  # communes 11–13
    assert "Đạt chuẩn muộn hơn thời hạn" in rows  # 14–15
    assert "8 → 12" in rows and "+4" in rows


def test_a_secondment_still_running_is_marked_so(client, province_coordinator, seconded):
    page = get_page(client, province_coordinator, "secondments", seconded.district, as_of=datetime.date(2017, 6, 30))

    assert "đang công tác" in section(page, "rows-title")


def test_months_after_0_counts_only_the_communes_reaching_it_during_the_secondment(
    client, province_coordinator, seconded
):
    page = get_page(
        client, province_coordinator, "secondments", seconded.district, as_of=seconded.as_of, months_after=0
    )

    assert "10/20 xã đạt chuẩn (50,0%)" in section(page, "headline-title")
    assert 'name="months_after" value="0"' in page


def test_the_definitions_say_how_n_of_m_and_the_comparison_are_counted(client, province_coordinator, seconded):
    page = get_page(client, province_coordinator, "secondments", seconded.district, as_of=seconded.as_of)

    definitions = section(page, "definitions-title")
    assert "Nhóm so sánh" in definitions
    assert "trong vòng 12 tháng sau khi cán bộ về" in definitions


def test_a_unit_without_secondments_says_so(client, province_coordinator, geography):
    page = get_page(client, province_coordinator, "secondments", geography.province)

    assert "Chưa có cán bộ nào được cử về các xã của đơn vị" in page


# --- sponsors ------------------------------------------------------------------------------------------------------


def test_the_sponsors_page_flags_the_enterprise_first(client, province_coordinator, sponsors):
    page = get_page(client, province_coordinator, "sponsors", sponsors.province, as_of=sponsors.as_of)

    quarters = section(page, "quarters-title")
    assert 'Quý 3 <span class="ongoing">(đang diễn ra)</span>' in quarters
    names = re.findall(r'<tr class="agency-row[^"]*">\s*<th scope="row"[^>]*>([^<]+)', quarters)
    assert [name.strip() for name in names] == ["Công ty Chè Thử", "Sở GTVT", "Sở Y tế"]  # flagged first
    enterprise = quarters[quarters.index("Công ty Chè Thử") : quarters.index("Sở GTVT")]
    assert "Dưới mức tối thiểu 2 quý" in enterprise
    assert enterprise.count("is-below") == 2  # Q1 and Q2, not the quarter under way
    assert enterprise.count("dưới mức tối thiểu</span>") == 2  # said in words too, not only by colour
    assert 'title="Dưới mức tối thiểu: cần ít nhất 1 lượt và 1 ngày tại xã trong quý"' in enterprise
    assert "1 lượt · 0,5 ngày" in enterprise
    health = quarters[quarters.index("Sở Y tế") :]
    assert "is-below" not in health and "Dưới mức tối thiểu" not in health
    assert "6 lượt · 7 ngày" in health
    assert "1/3 cơ quan" in section(page, "figures-title")


def test_the_communes_not_visited_are_named_by_quarter(client, province_coordinator, sponsors):
    page = get_page(client, province_coordinator, "sponsors", sponsors.province, as_of=sponsors.as_of)

    not_visited = section(page, "not-visited-title")
    q2 = re.search(r'<tr class="is-below">(.*?)</tr>', not_visited, re.S)[1]
    assert "Công ty Chè Thử" in q2 and ">2<" in q2 and "Xã Đỡ Đầu Z" in q2
    assert "Xã Đỡ Đầu Y" in not_visited  # Sở Y tế's, in the quarter under way


def test_the_support_is_totalled_in_dong_by_agency_kind_and_criterion(client, province_coordinator, sponsors):
    page = get_page(client, province_coordinator, "sponsors", sponsors.province, as_of=sponsors.as_of)

    support = section(page, "support-title")
    assert "<strong>2.150.000.000 đ</strong>" in support
    assert "2.050.000.000 đ" in support  # the enterprise
    assert "Hạ tầng" in support and "2.000.000.000 đ" in support
    assert "Tiêu chí 15. Tiêu chí 15" in support and "100.000.000 đ" in support
    assert "Không gắn với tiêu chí" in support and "50.000.000 đ" in support
    assert "999.000.000" not in page  # 2023's


def test_the_work_plan_items_are_counted_done_late_and_open(client, province_coordinator, sponsors):
    page = get_page(client, province_coordinator, "sponsors", sponsors.province, as_of=sponsors.as_of)

    assert "2 xong · 3 trễ · 1 chưa đến hạn" in section(page, "figures-title")
    plans = section(page, "plans-title")
    assert 'aria-label="2 xong, 1 trễ hạn, 1 chưa đến hạn"' in plans  # Sở Y tế
    assert 'aria-label="0 xong, 2 trễ hạn, 0 chưa đến hạn"' in plans  # the enterprise
    assert 'data-width="50.0"' in plans  # Sở Y tế: 2 of 4 done


def test_the_year_defaults_to_the_latest_with_a_visit(client, province_coordinator, sponsors):
    page = get_page(client, province_coordinator, "sponsors", sponsors.province, as_of=datetime.date(2025, 2, 1))

    assert "năm 2024" in page
    assert '<option value="2024" selected>' in page
    assert '<option value="2025">' in page  # as_of's year may be chosen too


def test_other_minimums_flag_other_agencies(client, province_coordinator, sponsors):
    page = get_page(
        client, province_coordinator, "sponsors", sponsors.province, as_of=sponsors.as_of, min_visits=2, min_days="1,5"
    )

    assert "3/3 cơ quan" in section(page, "figures-title")  # Sở Y tế's Q1: 3 visits for 2 communes, below 4
    assert "2 lượt và 1,5 ngày" in page


# --- forecast ------------------------------------------------------------------------------------------------------


def test_the_forecast_says_the_district_misses_its_target_by_one(client, province_coordinator, forecast):
    page = get_page(client, province_coordinator, "forecast", forecast.district, as_of=forecast.as_of)

    outlook = section(page, "outlook-title")
    assert "verdict-unmet" in outlook
    assert "không đạt mục tiêu 4 xã đạt chuẩn vào năm 2025: dự kiến 3 xã, thiếu 1 xã" in outlook
    assert "4 xã đạt chuẩn vào năm 2025" in outlook and "NQ thử 01" in outlook
    assert "2/6 xã" in outlook
    assert page[page.index('class="chart chart-forecast"') :][:200].count("<svg") == 1


def test_the_deciding_communes_are_f3_on_track_and_f4_not(client, province_coordinator, forecast):
    page = get_page(client, province_coordinator, "forecast", forecast.district, as_of=forecast.as_of)

    deciding = section(page, "deciding-title")
    items = re.findall(r'<li class="(on-track|off-track)">(.*?)</li>', deciding, re.S)
    assert [(mark, "Xã Dự Báo F3" in text, "Xã Dự Báo F4" in text) for mark, text in items] == [
        ("on-track", True, False),
        ("off-track", False, True),
    ]
    assert "kịp: dự kiến đạt năm 2024" in items[0][1]
    assert "không kịp: dự kiến đạt năm 2027" in items[1][1]


def test_the_communes_table_gives_each_status_and_projected_year(client, province_coordinator, forecast):
    page = get_page(client, province_coordinator, "forecast", forecast.district, as_of=forecast.as_of)

    table = section(page, "status-title")
    assert row_text(table, "forecast-meets")  # F2 and F1
    f4 = re.search(r"<tr class=\"forecast-projected\">((?:(?!</tr>).)*Xã Dự Báo F4.*?)</tr>", table, re.S)[1]
    assert "13/19" in f4 and "1,5" in f4 and "2027" in f4
    assert "Chững lại" in row_text(table, "forecast-stalled")  # F5
    assert "Chưa đủ số liệu" in row_text(table, "forecast-no_data")  # F6
    assert "bình phương tối thiểu" in section(page, "method-title") and "4 kỳ" in page


def test_the_province_without_a_target_says_so_and_still_projects(client, province_coordinator, forecast):
    page = get_page(client, province_coordinator, "forecast", forecast.province, as_of=forecast.as_of)

    outlook = section(page, "outlook-title")
    assert "verdict-none" in outlook
    assert "chưa có mục tiêu số xã đạt chuẩn cho năm 2023 hoặc các năm sau" in outlook
    assert "<svg" in page
    districts = section(page, "districts-title")
    assert f'href="{page_url("forecast", forecast.district, as_of=forecast.as_of)}"' in districts
    assert "thiếu 1 xã" in districts


# --- tabs ----------------------------------------------------------------------------------------------------------


def test_the_tabs_link_the_four_pages_and_keep_the_date(client, province_coordinator, geography):
    as_of = datetime.date(2020, 12, 31)
    for page in ("unit", *PAGES):
        html = get_page(client, province_coordinator, page, geography.province, as_of=as_of)
        tabs = html[html.index('class="dash-tabs"') : html.index("</nav>", html.index('class="dash-tabs"'))]
        for target in ("unit", *PAGES):
            assert f'href="{page_url(target, geography.province, as_of=as_of)}"' in tabs
        assert tabs.count('aria-current="page"') == 1


def test_without_a_date_the_tabs_follow_today(client, province_coordinator, geography):
    html = get_page(client, province_coordinator, "forecast", geography.province)

    assert f'href="{page_url("secondments", geography.province)}"' in html
    assert f'value="{datetime.date.today().isoformat()}"' in html


# --- scope ---------------------------------------------------------------------------------------------------------


def test_a_district_officer_reads_the_province_results_but_no_other_districts_cadres(
    client, district_officer_a, seconded
):
    page = get_page(client, district_officer_a, "secondments", seconded.province, as_of=seconded.as_of)

    assert "13/20 xã đạt chuẩn (65,0%)" in page
    assert "Ban Tổ chức Tỉnh ủy" in page  # a home agency's line is an aggregate
    assert "Xã Biệt Phái" not in page and "Nguyễn Văn Thử" not in page
    assert "20 lượt cử về các xã khác chỉ được tính trong số liệu tổng hợp" in page


def test_a_district_officer_sees_the_sponsor_figures_but_not_the_names_of_other_districts_communes(
    client, district_officer_a, sponsors
):
    page = get_page(client, district_officer_a, "sponsors", sponsors.province, as_of=sponsors.as_of)

    assert "2.150.000.000 đ" in page
    assert "Dưới mức tối thiểu 2 quý" in page
    assert "Xã Đỡ Đầu" not in page
    assert "1 xã ngoài phạm vi của bạn" in section(page, "not-visited-title")


def test_a_district_officer_of_the_sponsors_district_sees_its_names_on_the_province_page(client, sponsors):
    officer = UserFactory(role=Role.DISTRICT_OFFICER, unit=sponsors.communes["Z"].district)

    page = get_page(client, officer, "sponsors", sponsors.province, as_of=sponsors.as_of)

    assert "Xã Đỡ Đầu Z" in section(page, "not-visited-title")


def test_a_district_officer_reads_the_province_forecast_without_other_districts_communes(
    client, district_officer_a, forecast
):
    page = get_page(client, district_officer_a, "forecast", forecast.province, as_of=forecast.as_of)

    assert "Huyện Dự Báo" in page  # a district line is an aggregate
    assert "Xã Dự Báo" not in page
    assert f'href="{page_url("forecast", forecast.district, as_of=forecast.as_of)}"' not in page
    assert f'href="{page_url("forecast", district_officer_a.unit, as_of=forecast.as_of)}"' in page
    assert "Xã Phú Đình" in section(page, "status-title")  # its own district's commune


def test_a_commune_official_reads_the_province_forecast_with_only_its_own_commune(
    client, commune_official_b1, forecast
):
    page = get_page(client, commune_official_b1, "forecast", forecast.province, as_of=forecast.as_of)

    assert "Xã Yên Ninh" in page
    assert "Xã Phú Đình" not in page and "Xã Dự Báo" not in page


@pytest.mark.parametrize("page", PAGES)
def test_another_provinces_pages_are_a_404(client, page, geography):
    outsider = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=ProvinceFactory(name="Tỉnh Bắc Kạn"))
    client.force_login(outsider)

    assert client.get(page_url(page, geography.province)).status_code == 404
    assert client.get(page_url(page, geography.district_a)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_another_districts_pages_and_a_communes_are_a_404(client, page, district_officer_a, province_coordinator):
    client.force_login(district_officer_a)
    assert client.get(page_url(page, district_officer_a.unit.parent)).status_code == 200
    assert client.get(page_url(page, DistrictFactory(parent=district_officer_a.unit.parent))).status_code == 404
    client.force_login(province_coordinator)
    assert client.get(page_url(page, CommuneFactory(parent=district_officer_a.unit))).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, page, geography):
    response = client.get(page_url(page, geography.province))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_agency_liaison_has_no_dashboard_pages(client, agency_liaison, geography):
    client.force_login(agency_liaison)
    for page in PAGES:
        assert client.get(page_url(page, geography.province)).status_code == 404


# --- wrong parameters ----------------------------------------------------------------------------------------------


def test_wrong_secondment_parameters_are_said_and_the_defaults_used(client, province_coordinator, seconded):
    client.force_login(province_coordinator)
    response = client.get(page_url("secondments", seconded.district, as_of=seconded.as_of, months_after=500))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page and "Đã dùng giá trị mặc định." in page
    assert "13/20 xã đạt chuẩn (65,0%)" in page  # the default 12 months
    assert 'name="months_after" value="12"' in page

    response = client.get(page_url("secondments", seconded.district, as_of="2020-13-45", months_after="abc"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"as_of", "months_after"}
    assert response.context["as_of"] == datetime.date.today()


def test_wrong_sponsor_parameters_are_said_and_the_defaults_used(client, province_coordinator, sponsors):
    client.force_login(province_coordinator)
    response = client.get(
        page_url("sponsors", sponsors.province, as_of=sponsors.as_of, year=2031, min_visits=-1, min_days="nhiều")
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"year", "min_visits", "min_days"}
    page = response.content.decode()
    assert page.count("Đã dùng giá trị mặc định.") == 3
    assert "1/3 cơ quan" in page  # 2024, 1 visit and 1 day
    assert '<option value="2024" selected>' in page

    for params in ({"year": "x"}, {"year": 1999}, {"as_of": "hôm qua"}, {"min_days": "100"}):
        assert client.get(page_url("sponsors", sponsors.province, **params)).status_code == 200


def test_a_wrong_forecast_date_is_said_and_today_used(client, province_coordinator, forecast):
    client.force_login(province_coordinator)
    response = client.get(page_url("forecast", forecast.district, as_of="12/31/2023"))  # the American way

    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]
    assert response.context["as_of"] == datetime.date.today()
    assert "Đã dùng giá trị mặc định." in response.content.decode()


# --- queries -------------------------------------------------------------------------------------------------------


def test_the_secondments_page_costs_the_same_queries_with_20_more_secondments(
    client, province_coordinator, seconded, django_assert_num_queries
):
    """10 queries: the session and the user (2); the user's unit, read by the scope (1); the page's unit (1); the
    secondments with their cadre, agency, commune, district and batch (1); the round history: the sets, the communes,
    the rounds with their counts, the recognitions (4); whether the user may list the unit's communes (1)."""
    national_set()  # without a set Django skips the rounds query, which would hide a per-secondment one
    url = page_url("secondments", seconded.province, as_of=seconded.as_of)
    client.force_login(province_coordinator)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    for n in range(20):
        SecondmentFactory(
            cadre=CadreFactory(home_agency=AgencyFactory(unit=seconded.province)),
            commune=CommuneFactory(parent=seconded.district),
            start_date=datetime.date(2017 + n % 3, 3, 1),
            decision_date=datetime.date(2017, 2, 1),
        )
    with django_assert_num_queries(10):
        response = client.get(url)
    assert len(response.context["rows"]) == 40


def test_the_secondments_page_of_a_district_officer_costs_one_more_query(
    client, district_officer_a, seconded, django_assert_num_queries
):
    """11 queries: the 10 above, and the communes of the officer's district, whose rows it may read."""
    national_set()
    url = page_url("secondments", seconded.province, as_of=seconded.as_of)
    client.force_login(district_officer_a)
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
    for _ in range(20):
        SecondmentFactory(
            commune=CommuneFactory(parent=district_officer_a.unit),
            start_date=datetime.date(2017, 3, 1),
            decision_date=datetime.date(2017, 2, 1),
        )
    with django_assert_num_queries(11):
        response = client.get(url)
    assert len(response.context["rows"]) == 20


def test_the_sponsors_page_costs_the_same_queries_with_20_more_visits(
    client, province_coordinator, sponsors, django_assert_num_queries
):
    """10 queries: the session and the user (2); the user's unit (1); the page's unit (1); the default year (1); the
    assignments, the visits by agency, commune and quarter, the support, the work-plan items (4); whether the user may
    list the unit's communes (1)."""
    url = page_url("sponsors", sponsors.province, as_of=sponsors.as_of)
    client.force_login(province_coordinator)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    district = sponsors.communes["X"].district
    for n in range(20):
        agency = AgencyFactory(unit=sponsors.province)
        commune = CommuneFactory(parent=district)
        SponsorAssignmentFactory(agency=agency, commune=commune, start_date=datetime.date(2023, 1, 1))
        FieldVisitFactory(agency=agency, commune=commune, visit_date=datetime.date(2024, 1 + n % 7, 10))
    with django_assert_num_queries(10):
        response = client.get(url)
    assert len(response.context["rows"]) == 23


def test_the_sponsors_page_of_a_district_officer_costs_one_query_more_for_its_communes(
    client, district_officer_a, sponsors, django_assert_num_queries
):
    """10 queries: the 10 above but the default year (the year is given), and the communes of the officer's district,
    the only ones whose names it may read."""
    url = page_url("sponsors", sponsors.province, as_of=sponsors.as_of, year=2024)
    client.force_login(district_officer_a)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    for n in range(20):
        FieldVisitFactory(
            agency=sponsors.health, commune=sponsors.communes["X"], visit_date=datetime.date(2024, 4, n + 1)
        )
        commune = CommuneFactory(parent=district_officer_a.unit)
        SponsorAssignmentFactory(agency=sponsors.health, commune=commune, start_date=datetime.date(2023, 1, 1))
        FieldVisitFactory(agency=sponsors.health, commune=commune, visit_date=datetime.date(2024, 2, n + 1))
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200


def test_the_forecast_page_costs_the_same_queries_with_20_more_communes(
    client, province_coordinator, forecast, django_assert_num_queries
):
    """10 queries: the session and the user (2); the user's unit (1); the page's unit (1); the round history: the
    sets, the communes, the rounds with their counts, the recognitions (4); the targets (1); whether the user may list
    the unit's communes (1)."""
    from criteria.models import CriteriaSet

    url = page_url("forecast", forecast.province, as_of=forecast.as_of)
    client.force_login(province_coordinator)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    criteria_set = CriteriaSet.objects.get(code="test-national-2021")
    districts = [DistrictFactory(parent=forecast.province) for _ in range(4)]
    for n in range(20):
        commune = CommuneFactory(parent=forecast.district if n % 2 else districts[n // 2 % 4])
        for year in (2021, 2022, 2023):
            assessed(commune, criteria_set, year, 10 + n % 5 + year - 2021)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert len(response.context["communes"]) == 29


# --- the permission matrix: every persona × every dashboard page × its own units, a neighbour's and another province's

DASHBOARD_PAGES = ("unit", *PAGES)
# A persona reads the figures of its own unit, the units under it and the units above it (names stay within its own
# scope, tested above); never a neighbour's district or another province's.
READS = {
    "province_coordinator": {"province", "district_a", "district_b"},
    "district_officer_a": {"province", "district_a"},
    "commune_official_a1": {"province", "district_a"},
    "commune_official_b1": {"province", "district_b"},
    "agency_liaison": set(),
}


@pytest.mark.parametrize("page", DASHBOARD_PAGES)
@pytest.mark.parametrize("persona", [*READS, "anonymous"])
def test_each_persona_opens_each_dashboard_page_of_exactly_the_units_it_may(request, client, geography, persona, page):
    other_province = DistrictFactory(parent=ProvinceFactory(name="Tỉnh Lạng Sơn"), name="Huyện Bắc Sơn")
    units = {
        "province": geography.province,
        "district_a": geography.district_a,
        "district_b": geography.district_b,
        "other_province": other_province.parent,
        "other_district": other_province,
    }
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    outcome = {
        name: client.get(reverse(f"dashboard:{page}", args=[unit.pk])).status_code for name, unit in units.items()
    }
    if persona == "anonymous":
        assert set(outcome.values()) == {302}  # to the login page
    else:
        assert outcome == {name: 200 if name in READS[persona] else 404 for name in units}
