"""The browser screens of the secondment side: every list renders with its filters and its Excel export, every kind is
added and changed through its form by the province's coordinator, others get 403 (a record they see) or 404 (one
they do not), an agency liaison records a field visit from its phone for its own commune only, and every list and
page costs the same queries for 2 rows as for 20."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ntm_portal.choices import Role
from secondments.choices import AgencyKind, PlanItemStatus, PlanPeriod, SecondmentKind, SponsorRole, SupportKind
from secondments.models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.criteria.factories import AssessmentRoundFactory, CriteriaSetFactory, CriterionResultFactory
from tests.ntm_portal.factories import UserFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentBatchFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(name: str, *args) -> str:
    return reverse(f"secondments:{name}", args=args)


def local_agency(geography):
    """An agency of the test province (a factory's default agency would bring a province of its own)."""
    return AgencyFactory(unit=geography.province)


def html(response) -> str:
    return response.content.decode()


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.fixture
def criteria_2016(db):
    return CriteriaSetFactory(period_start=2016, period_end=2020, criteria_count=19)


@pytest.fixture
def other_province(db):
    province = ProvinceFactory(code="08", name="Tỉnh Tuyên Quang")
    district = DistrictFactory(code="072", name="Huyện Na Hang", parent=province)
    commune = CommuneFactory(code="02260", name="Xã Côn Lôn", parent=district)
    coordinator = UserFactory(username="coordinator_tq", role=Role.PROVINCE_COORDINATOR, unit=province)
    return province, commune, coordinator


@pytest.fixture
def records(geography):
    """One record of each kind in commune A1 (and an agency assigned to B1 too), in the province."""
    agency = AgencyFactory(name="Sở Kế hoạch và Đầu tư", short_name="Sở KH&ĐT", unit=geography.province)
    cadre = CadreFactory(full_name="Nguyễn Văn Hòa", home_agency=agency, title="Phó trưởng phòng")
    batch = SecondmentBatchFactory(province=geography.province, name="Đợt 2016", year=2016)
    secondment = SecondmentFactory(cadre=cadre, commune=geography.commune_a1, batch=batch, criteria_met_at_start=9)
    assignment = SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1)
    plan = WorkPlanFactory(assignment=assignment, year=2018)
    item = WorkPlanItemFactory(work_plan=plan)
    visit = FieldVisitFactory(agency=agency, commune=geography.commune_a1, secondment=secondment)
    support = SupportContributionFactory(giver=agency, commune=geography.commune_a1, value_vnd=22_500_000_000)
    return {
        "agency": agency,
        "cadre": cadre,
        "batch": batch,
        "secondment": secondment,
        "assignment": assignment,
        "work_plan": plan,
        "item": item,
        "field_visit": visit,
        "support": support,
    }


LISTS = {
    "agency": ["q", "kind", "level", "unit_id"],
    "cadre": ["q", "home_agency_id", "gender"],
    "batch": ["q", "year"],
    "secondment": [
        "q",
        "district_id",
        "commune_id",
        "batch_id",
        "home_agency_id",
        "kind",
        "active_on",
        "start_year",
        "cadre_id",
    ],
    "assignment": ["district_id", "commune_id", "agency_id", "role", "active_on"],
    "work_plan": ["agency_id", "commune_id", "year"],
    "field_visit": ["district_id", "commune_id", "agency_id", "date_from", "date_to", "year", "secondment_id"],
    "support": ["district_id", "commune_id", "giver_id", "kind", "date_from", "date_to", "year"],
}


# --- lists ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(LISTS))
def test_each_list_renders_with_its_filters_and_a_link_to_export(name, client, records, province_coordinator):
    client.force_login(province_coordinator)

    response = client.get(url(f"{name}_list"))

    assert response.status_code == 200
    assert list(response.context["filter_form"].fields) == LISTS[name]
    assert response.context["page"].paginator.count == 1
    assert "Xuất Excel" in html(response) and "format=xlsx" in html(response)
    assert f'href="{url(f"{name}_create")}"' in html(response)


@pytest.mark.parametrize("name", list(LISTS))
def test_each_list_exports_its_rows_to_excel(name, client, records, province_coordinator):
    client.force_login(province_coordinator)

    rows = sheet_rows(client.get(url(f"{name}_list"), {"format": "xlsx"}))

    assert len(rows) == 2 and all(isinstance(header, str) and header for header in rows[0])


def test_the_secondment_list_filters_by_commune_and_exports_only_the_filtered_rows(
    client, records, province_coordinator, geography
):
    SecondmentFactory(
        cadre=CadreFactory(full_name="Phạm Minh Thắng", home_agency=records["agency"]), commune=geography.commune_b1
    )
    client.force_login(province_coordinator)

    response = client.get(url("secondment_list"), {"commune_id": geography.commune_a1.pk})
    rows = sheet_rows(client.get(url("secondment_list"), {"commune_id": geography.commune_a1.pk, "format": "xlsx"}))

    assert [s.cadre.full_name for s in response.context["page"].object_list] == ["Nguyễn Văn Hòa"]
    assert rows[0][:4] == ("Cán bộ", "Cơ quan cử", "Mã xã", "Xã")
    assert [row[0] for row in rows[1:]] == ["Nguyễn Văn Hòa"]
    assert rows[1][14:16] == (9, None)


def test_the_secondment_list_finds_a_cadre_without_diacritics(client, records, province_coordinator, geography):
    SecondmentFactory(
        cadre=CadreFactory(full_name="Phạm Minh Thắng", home_agency=records["agency"]), commune=geography.commune_b1
    )
    client.force_login(province_coordinator)

    response = client.get(url("secondment_list"), {"q": "nguyen van hoa"})

    assert [s.cadre.full_name for s in response.context["page"].object_list] == ["Nguyễn Văn Hòa"]


def test_the_visit_list_filters_by_agency_and_dates_typed_the_vietnamese_way(
    client, records, province_coordinator, geography
):
    FieldVisitFactory(agency=records["agency"], commune=geography.commune_a1, visit_date=datetime.date(2019, 3, 5))
    FieldVisitFactory(
        agency=local_agency(geography), commune=geography.commune_a2, visit_date=datetime.date(2019, 3, 6)
    )
    client.force_login(province_coordinator)

    response = client.get(url("field_visit_list"), {"agency_id": records["agency"].pk, "date_from": "01/03/2019"})

    assert [v.visit_date for v in response.context["page"].object_list] == [datetime.date(2019, 3, 5)]


def test_the_cadre_list_links_to_the_secondments_of_each_cadre(client, records, province_coordinator, geography):
    SecondmentFactory(cadre=CadreFactory(home_agency=records["agency"]), commune=geography.commune_b1)
    client.force_login(province_coordinator)
    cadre_page = client.get(url("cadre_list"))
    link = f"{url('secondment_list')}?cadre_id={records['cadre'].pk}"
    assert link in html(cadre_page)

    response = client.get(url("secondment_list"), {"cadre_id": records["cadre"].pk})

    assert [s.cadre for s in response.context["page"].object_list] == [records["cadre"]]
    assert f'type="hidden" name="cadre_id" value="{records["cadre"].pk}"' in html(response)  # kept when refiltering


@pytest.mark.parametrize("name", list(LISTS))
def test_nonsense_in_a_lists_query_string_is_answered_without_an_error(name, client, records, province_coordinator):
    client.force_login(province_coordinator)
    nonsense = {
        "q": "x" * 500,
        "kind": "zzz",
        "level": "zzz",
        "unit_id": "abc",
        "home_agency_id": str(2**80),
        "gender": "?",
        "year": "hai nghìn",
        "district_id": "-1",
        "commune_id": ["1", "x"],
        "batch_id": "1.5",
        "active_on": "31/02/2018",
        "start_year": "99999",
        "agency_id": "",
        "role": "chief",
        "date_from": "hôm qua",
        "date_to": "2018-13-01",
        "giver_id": "0",
        "cadre_id": "NaN",
        "secondment_id": "1e9",
        "page": "-3",
    }

    response = client.get(url(f"{name}_list"), nonsense)
    export = client.get(url(f"{name}_list"), nonsense | {"format": "xlsx"})

    assert response.status_code == 200 and export.status_code == 200


def test_a_filter_naming_another_provinces_commune_shows_nothing_and_says_so(
    client, records, province_coordinator, other_province
):
    _, commune, _ = other_province
    client.force_login(province_coordinator)

    response = client.get(url("secondment_list"), {"commune_id": commune.pk})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "Bộ lọc chưa đúng" in html(response)


def test_a_filter_with_nothing_to_choose_from_is_left_out(client, records, agency_liaison):
    client.force_login(agency_liaison)  # sees communes, not districts

    response = client.get(url("field_visit_list"))

    assert "district_id" not in response.context["filter_form"].fields
    assert "commune_id" in response.context["filter_form"].fields


def test_the_support_list_shows_money_the_vietnamese_way_and_its_total(client, records, province_coordinator):
    client.force_login(province_coordinator)

    response = client.get(url("support_list"))

    assert "22.500.000.000 đ" in html(response)
    assert response.context["summary"] == {"contributions": 1, "value": "22.500.000.000 đ"}


def test_the_visit_list_shows_days_hours_and_meetings_at_a_glance(client, geography, province_coordinator):
    agency = AgencyFactory(unit=geography.province)
    FieldVisitFactory(
        agency=agency, commune=geography.commune_a1, days_on_site=Decimal("0.5"), hours_on_site=3, party_cell_meetings=1
    )
    FieldVisitFactory(agency=agency, commune=geography.commune_a1, days_on_site=Decimal(2), party_cell_meetings=2)
    client.force_login(province_coordinator)

    response = client.get(url("field_visit_list"))

    assert response.context["summary"] == {"visits": 2, "days": "2,5", "hours": "3", "meetings": 3}
    assert "0,5" in html(response)


def test_the_assignment_list_shows_how_often_each_agency_came(client, geography, province_coordinator):
    rare = SponsorAssignmentFactory(
        agency=AgencyFactory(name="Sở Ít Về", unit=geography.province),
        commune=geography.commune_a1,
        start_date=datetime.date(2017, 8, 17),
    )
    FieldVisitFactory(
        agency=rare.agency,
        commune=geography.commune_a1,
        visit_date=datetime.date(2018, 5, 10),
        days_on_site=0,
        hours_on_site=3,
    )
    FieldVisitFactory(
        agency=rare.agency, commune=geography.commune_a1, visit_date=datetime.date(2016, 5, 10), days_on_site=1
    )  # before the assignment: not counted
    FieldVisitFactory(agency=rare.agency, commune=geography.commune_a2, days_on_site=1)  # another commune
    SupportContributionFactory(giver=rare.agency, commune=geography.commune_a1, value_vnd=1_500_000)
    client.force_login(province_coordinator)

    response = client.get(url("assignment_list"))

    (row,) = response.context["page"].object_list
    assert (row.visits_count, row.days_text, row.hours_text) == (1, "0", "3")
    assert row.last_visit == datetime.date(2018, 5, 10)
    assert row.support_text == "1.500.000 đ"


def test_the_work_plan_list_counts_items_done_late_and_open(client, geography, province_coordinator):
    plan = WorkPlanFactory(
        assignment=SponsorAssignmentFactory(agency=local_agency(geography), commune=geography.commune_a1)
    )
    WorkPlanItemFactory(work_plan=plan, status=PlanItemStatus.DONE, done_on=datetime.date(2018, 6, 1))
    WorkPlanItemFactory(work_plan=plan, due_date=datetime.date(2018, 6, 30))  # late
    WorkPlanItemFactory(work_plan=plan, due_date=datetime.date.today() + datetime.timedelta(days=30))
    client.force_login(province_coordinator)

    (row,) = client.get(url("work_plan_list")).context["page"].object_list

    assert (row.items_total, row.items_done, row.items_late, row.items_open) == (3, 1, 1, 1)


def test_a_commune_official_sees_only_its_communes_rows_and_no_add_button(
    client, records, commune_official_b1, geography
):
    SecondmentFactory(cadre=records["cadre"], commune=geography.commune_b1)
    client.force_login(commune_official_b1)

    response = client.get(url("secondment_list"))

    assert [s.commune for s in response.context["page"].object_list] == [geography.commune_b1]
    assert response.context["may_create"] is False
    assert url("secondment_create") not in html(response)


def test_the_lists_need_a_login(client, db):
    response = client.get(url("secondment_list"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- add and change through the forms ---------------------------------------------------------------------------------


def _agency_form(g, r):
    return {"name": "Sở Xây dựng", "kind": AgencyKind.DEPARTMENT, "level": "province", "unit": g.province.pk}


def _cadre_form(g, r):
    return {"full_name": "Bùi Ngọc Nhật", "home_agency": r["agency"].pk, "birth_year": "1975", "gender": "male"}


def _batch_form(g, r):
    return {
        "province": g.province.pk,
        "name": "Đợt 2017",
        "year": "2017",
        "decision_number": "05-TB/TU",
        "decision_date": "10/01/2017",
    }


def _secondment_form(g, r):
    return {
        "cadre": r["cadre"].pk,
        "commune": g.commune_a2.pk,
        "kind": SecondmentKind.ROTATED,
        "role_at_commune": "Chủ tịch UBND xã",
        "decided_by": "Ban Thường vụ Huyện ủy",
        "decision_number": "45-QĐ/HU",
        "decision_date": "01/03/2016",
        "start_date": "2016-03-15",
        "batch": r["batch"].pk,
    }


def _assignment_form(g, r):
    return {
        "agency": r["agency"].pk,
        "commune": g.commune_b1.pk,
        "role": SponsorRole.RESPONSIBLE,
        "decided_by": "UBND tỉnh",
        "decision_number": "140-QĐ/TU",
        "decision_date": "17/08/2017",
        "start_date": "17/08/2017",
    }


def _work_plan_form(g, r):
    return {"assignment": r["assignment"].pk, "year": "2019", "title": "Kế hoạch giúp đỡ xã năm 2019"}


def _visit_form(g, r):
    return {
        "agency": r["agency"].pk,
        "commune": g.commune_a1.pk,
        "visit_date": "05/03/2018",
        "days_on_site": "1,5",
        "activities": "Làm việc với Ban quản lý xây dựng NTM xã",
        "party_cell_meetings": "2",
    }


def _support_form(g, r):
    return {
        "giver": r["agency"].pk,
        "commune": g.commune_a1.pk,
        "date": "01/06/2018",
        "kind": SupportKind.CASH,
        "value_vnd": "1.234.000.000",
        "description": "Hỗ trợ làm đường giao thông nông thôn",
    }


CREATES = {
    "agency": (Agency, _agency_form, {"name": "Sở Xây dựng"}),
    "cadre": (Cadre, _cadre_form, {"full_name": "Bùi Ngọc Nhật", "birth_year": 1975}),
    "batch": (SecondmentBatch, _batch_form, {"name": "Đợt 2017", "decision_date": datetime.date(2017, 1, 10)}),
    "secondment": (
        Secondment,
        _secondment_form,
        {"role_at_commune": "Chủ tịch UBND xã", "start_date": datetime.date(2016, 3, 15)},
    ),
    "assignment": (SponsorAssignment, _assignment_form, {"decision_number": "140-QĐ/TU"}),
    "work_plan": (WorkPlan, _work_plan_form, {"year": 2019}),
    "field_visit": (FieldVisit, _visit_form, {"visit_date": datetime.date(2018, 3, 5), "days_on_site": Decimal("1.5")}),
    "support": (SupportContribution, _support_form, {"value_vnd": 1_234_000_000}),
}


@pytest.mark.parametrize("name", list(CREATES))
def test_the_coordinator_adds_each_kind_through_its_form(name, client, records, province_coordinator, geography):
    model, form, expected = CREATES[name]
    client.force_login(province_coordinator)
    assert client.get(url(f"{name}_create")).status_code == 200

    response = client.post(url(f"{name}_create"), form(geography, records), follow=True)

    assert response.status_code == 200, response.context["form"].errors if response.context.get("form") else ""
    assert model.objects.filter(**expected).count() == 1
    assert "Đã thêm" in html(response)
    assert response.redirect_chain[0][1] == 302


EDITS = {
    "agency": ("agency", _agency_form, {"name": "Sở Xây dựng"}),
    "cadre": ("cadre", _cadre_form, {"full_name": "Bùi Ngọc Nhật"}),
    "batch": ("batch", _batch_form, {"name": "Đợt 2017"}),
    "secondment": ("secondment", _secondment_form, {"role_at_commune": "Chủ tịch UBND xã"}),
    "assignment": ("assignment", _assignment_form, {"decision_number": "140-QĐ/TU"}),
    "work_plan": ("work_plan", _work_plan_form, {"title": "Kế hoạch giúp đỡ xã năm 2019"}),
    "field_visit": ("field_visit", _visit_form, {"days_on_site": Decimal("1.5")}),
    "support": ("support", _support_form, {"value_vnd": 1_234_000_000}),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_the_coordinator_changes_each_kind_through_its_form(name, client, records, province_coordinator, geography):
    key, form, expected = EDITS[name]
    record = records[key]
    client.force_login(province_coordinator)
    edit_url = url(f"{name}_edit", record.pk)
    assert client.get(edit_url).status_code == 200
    data = form(geography, records)
    if name == "work_plan":
        data["assignment"] = SponsorAssignmentFactory(agency=records["agency"], commune=geography.commune_a2).pk

    response = client.post(edit_url, data)

    assert response.status_code == 302, response.context["form"].errors
    record.refresh_from_db()
    for field_name, value in expected.items():
        assert getattr(record, field_name) == value


def test_the_coordinator_adds_an_item_to_a_work_plan_and_marks_it_done(client, records, province_coordinator):
    plan = records["work_plan"]
    client.force_login(province_coordinator)

    response = client.post(
        url("work_plan_item_create", plan.pk),
        {
            "period": PlanPeriod.MONTH,
            "period_number": "9",
            "title": "Tập huấn trồng chè",
            "due_date": "30/09/2018",
            "status": PlanItemStatus.OPEN,
        },
    )

    assert response.status_code == 302 and response["Location"] == url("work_plan_detail", plan.pk)
    item = WorkPlanItem.objects.get(title="Tập huấn trồng chè")
    response = client.post(
        url("work_plan_item_edit", item.pk),
        {
            "period": PlanPeriod.MONTH,
            "period_number": "9",
            "title": "Tập huấn trồng chè",
            "due_date": "30/09/2018",
            "status": PlanItemStatus.DONE,
            "done_on": "25/09/2018",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.done_on) == (PlanItemStatus.DONE, datetime.date(2018, 9, 25))


def test_a_model_rule_broken_in_a_form_is_shown_next_to_its_field_in_vietnamese(
    client, records, province_coordinator, geography
):
    client.force_login(province_coordinator)
    data = _secondment_form(geography, records) | {"decision_date": "01/04/2016"}

    response = client.post(url("secondment_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["decision_date"] == ["Quyết định phải có trước ngày bắt đầu."]
    assert "Quyết định phải có trước ngày bắt đầu." in html(response)
    assert Secondment.objects.count() == 1


def test_a_date_that_is_not_a_date_is_refused_and_nothing_is_saved(client, records, province_coordinator, geography):
    client.force_login(province_coordinator)
    data = _visit_form(geography, records) | {"visit_date": "31/02/2018"}

    response = client.post(url("field_visit_create"), data)

    assert response.status_code == 200 and "visit_date" in response.context["form"].errors
    assert FieldVisit.objects.count() == 1


def test_a_work_plan_item_marked_done_without_a_date_is_explained(client, records, province_coordinator):
    client.force_login(province_coordinator)

    response = client.post(
        url("work_plan_item_edit", records["item"].pk),
        {
            "period": PlanPeriod.QUARTER,
            "period_number": "2",
            "title": "Hồ sơ",
            "due_date": "30/06/2018",
            "status": PlanItemStatus.DONE,
        },
    )

    assert response.status_code == 200
    assert "Ngày hoàn thành đi cùng trạng thái Hoàn thành." in html(response)


def test_the_coordinator_deletes_a_record_and_is_told_when_it_cannot(client, records, province_coordinator):
    client.force_login(province_coordinator)

    refused = client.post(url("agency_delete", records["agency"].pk), follow=True)
    deleted = client.post(url("support_delete", records["support"].pk), follow=True)

    assert "Không xóa được cơ quan, đơn vị này" in html(refused)
    assert Agency.objects.filter(pk=records["agency"].pk).exists()
    assert "Đã xóa đóng góp hỗ trợ" in html(deleted)
    assert not SupportContribution.objects.exists()


def test_the_form_offers_only_the_communes_and_agencies_the_user_sees(
    client, records, province_coordinator, other_province
):
    province, commune, _ = other_province
    AgencyFactory(name="Sở Nội vụ Tuyên Quang", unit=province)
    client.force_login(province_coordinator)

    form = client.get(url("assignment_create")).context["form"]

    assert commune not in form.fields["commune"].queryset
    assert "Sở Nội vụ Tuyên Quang" not in [a.name for a in form.fields["agency"].queryset]


def test_posting_another_provinces_commune_is_refused_as_a_choice(
    client, records, province_coordinator, geography, other_province
):
    _, commune, _ = other_province
    client.force_login(province_coordinator)

    response = client.post(url("secondment_create"), _secondment_form(geography, records) | {"commune": commune.pk})

    assert response.status_code == 200 and "commune" in response.context["form"].errors
    assert Secondment.objects.count() == 1


@pytest.mark.parametrize("name", list(CREATES))
def test_nonsense_posted_to_a_form_is_answered_with_messages_not_an_error(name, client, records, province_coordinator):
    client.force_login(province_coordinator)
    model = CREATES[name][0]
    count = model.objects.count()
    fields = (
        "name",
        "kind",
        "level",
        "unit",
        "parent",
        "full_name",
        "birth_year",
        "home_agency",
        "email",
        "province",
        "year",
        "decision_date",
        "cadre",
        "commune",
        "start_date",
        "criteria_met_at_start",
        "agency",
        "assignment",
        "visit_date",
        "days_on_site",
        "hours_on_site",
        "party_cell_meetings",
        "criteria_addressed",
        "giver",
        "date",
        "value_vnd",
        "criterion",
    )
    nonsense = dict.fromkeys(fields, "x" * 400)

    response = client.post(url(f"{name}_create"), nonsense)

    assert response.status_code == 200 and response.context["form"].errors
    assert model.objects.count() == count


# --- refusals ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CREATES))
def test_a_district_officer_is_refused_every_add_page_in_plain_words(
    name, client, records, district_officer_a, geography
):
    client.force_login(district_officer_a)
    model, form, _ = CREATES[name]
    count = model.objects.count()

    page = client.get(url(f"{name}_create"))
    post = client.post(url(f"{name}_create"), form(geography, records))

    assert page.status_code == post.status_code == 403
    assert "Bạn không có quyền thêm, sửa hoặc xóa" in html(post)
    assert model.objects.count() == count


@pytest.mark.parametrize("name", list(EDITS))
def test_a_commune_official_sees_a_record_of_its_commune_but_cannot_change_it(
    name, client, records, commune_official_a1, geography
):
    key, form, _ = EDITS[name]
    client.force_login(commune_official_a1)

    response = client.post(url(f"{name}_edit", records[key].pk), form(geography, records))

    assert response.status_code == 403
    assert "không có quyền" in html(response)


@pytest.mark.parametrize("name", ["secondment", "assignment", "work_plan", "field_visit", "support"])
def test_a_record_of_another_commune_is_not_found(name, client, records, commune_official_b1):
    key = EDITS[name][0]
    client.force_login(commune_official_b1)

    assert client.get(url(f"{name}_edit", records[key].pk)).status_code == 404
    assert client.post(url(f"{name}_delete", records[key].pk)).status_code == 404


def test_another_provinces_coordinator_finds_none_of_these_records(client, records, other_province):
    client.force_login(other_province[2])

    assert client.get(url("secondment_detail", records["secondment"].pk)).status_code == 404
    assert client.get(url("assignment_detail", records["assignment"].pk)).status_code == 404
    assert client.get(url("work_plan_detail", records["work_plan"].pk)).status_code == 404
    assert client.get(url("agency_edit", records["agency"].pk)).status_code == 404
    assert (
        client.post(url("secondment_close", records["secondment"].pk), {"actual_end_date": "2017-01-01"}).status_code
        == 404
    )


def test_an_unknown_or_absurd_key_is_not_found_rather_than_an_error(client, records, province_coordinator):
    client.force_login(province_coordinator)

    assert client.get(url("secondment_detail", 999999)).status_code == 404
    assert client.get(url("assignment_detail", 2**70)).status_code == 404
    assert client.get(url("secondment_list"), {"page": "abc", "commune_id": "x"}).status_code == 200


def test_a_district_officer_may_read_a_secondment_page_but_is_offered_no_action(client, records, district_officer_a):
    client.force_login(district_officer_a)

    response = client.get(url("secondment_detail", records["secondment"].pk))

    assert response.status_code == 200
    assert response.context["close_form"] is None
    assert url("secondment_edit", records["secondment"].pk) not in html(response)
    assert (
        client.post(url("secondment_close", records["secondment"].pk), {"actual_end_date": "2017-01-01"}).status_code
        == 403
    )


# --- the agency liaison on its phone ----------------------------------------------------------------------------------


def test_a_liaison_records_a_field_visit_for_its_assigned_commune(client, agency_liaison, geography, criteria_2016):
    client.force_login(agency_liaison)
    page = client.get(url("field_visit_create"))
    form = page.context["form"]
    assert "agency" not in form.fields  # its own agency, not a choice
    assert list(form.fields["commune"].queryset) == [geography.commune_a1]
    assert 'name="viewport"' in html(page) and 'type="date"' in html(page)

    tenth = criteria_2016.criteria.get(number=10)
    response = client.post(
        url("field_visit_create"),
        {
            "commune": geography.commune_a1.pk,
            "visit_date": "2018-05-10",
            "days_on_site": "0,5",
            "hours_on_site": "4",
            "participants": "Phó Giám đốc Sở và 2 chuyên viên",
            "activities": "Dự sinh hoạt chi bộ thôn Bản Pác",
            "party_cell_meetings": "1",
            "criteria_addressed": [tenth.pk],
        },
        follow=True,
    )

    visit = FieldVisit.objects.get()
    assert (visit.agency, visit.commune, visit.days_on_site) == (
        agency_liaison.agency,
        geography.commune_a1,
        Decimal("0.5"),
    )
    assert list(visit.criteria_addressed.all()) == [tenth]
    assert "Đã thêm chuyến công tác xã" in html(response)


def test_the_visit_form_for_a_liaison_with_one_commune_has_it_chosen_already(client, agency_liaison, geography):
    client.force_login(agency_liaison)

    form = client.get(url("field_visit_create")).context["form"]

    assert form["commune"].value() == geography.commune_a1.pk
    assert form["visit_date"].value() == datetime.date.today()


def test_a_form_shown_again_keeps_a_typed_date_where_a_date_picker_shows_it(client, agency_liaison, geography):
    client.force_login(agency_liaison)

    response = client.post(
        url("field_visit_create"), {"commune": geography.commune_a1.pk, "visit_date": "10/05/2018", "days_on_site": "1"}
    )

    assert 'type="date" name="visit_date" value="2018-05-10"' in html(response)
    assert "Trường này là bắt buộc." in html(response)  # the activities
    assert "party_cell_meetings" not in response.context["form"].errors  # left empty: none


def test_a_liaison_cannot_record_a_field_visit_for_another_commune(client, agency_liaison, geography):
    SponsorAssignmentFactory(agency=local_agency(geography), commune=geography.commune_b1)  # another agency's commune
    client.force_login(agency_liaison)

    response = client.post(
        url("field_visit_create"),
        {
            "commune": geography.commune_b1.pk,
            "visit_date": "10/05/2018",
            "days_on_site": "1",
            "activities": "Khảo sát",
            "party_cell_meetings": "0",
        },
    )

    assert response.status_code == 200 and "commune" in response.context["form"].errors
    assert not FieldVisit.objects.exists()


def test_the_visit_form_offers_the_criteria_of_the_set_in_force_that_year(client, agency_liaison, criteria_2016):
    later = CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)
    client.force_login(agency_liaison)

    form = client.post(url("field_visit_create"), {"visit_date": "10/05/2023"}).context["form"]

    assert list(form.fields["criteria_addressed"].queryset) == list(later.criteria.order_by("number"))


def test_a_liaison_may_not_change_another_agencys_visit_in_its_commune(client, agency_liaison, geography):
    someone_else = AgencyFactory(unit=geography.province)
    SponsorAssignmentFactory(agency=someone_else, commune=geography.commune_a1)
    visit = FieldVisitFactory(agency=someone_else, commune=geography.commune_a1)
    client.force_login(agency_liaison)

    assert client.get(url("field_visit_list")).status_code == 200
    assert client.get(url("field_visit_edit", visit.pk)).status_code == 403


def test_a_liaison_is_refused_the_pages_of_the_coordination_office(client, agency_liaison):
    client.force_login(agency_liaison)

    for name in ("secondment_create", "assignment_create", "agency_create", "cadre_create", "work_plan_create"):
        assert client.get(url(name)).status_code == 403


def test_a_liaison_records_support_for_its_commune_without_naming_its_agency(client, agency_liaison, geography):
    client.force_login(agency_liaison)

    response = client.post(
        url("support_create"),
        {
            "commune": geography.commune_a1.pk,
            "date": "01/06/2018",
            "kind": SupportKind.SOCIAL_WELFARE,
            "value_vnd": "15 000 000 đ",
            "description": "Tặng chăn ấm cho hộ nghèo",
        },
    )

    assert response.status_code == 302
    support = SupportContribution.objects.get()
    assert (support.giver, support.value_vnd) == (agency_liaison.agency, 15_000_000)


def test_a_liaison_marks_an_item_of_its_agencys_plan_done(client, agency_liaison):
    plan = WorkPlanFactory(assignment=agency_liaison.agency.assignments.get())
    item = WorkPlanItemFactory(work_plan=plan)
    client.force_login(agency_liaison)
    page = client.get(url("work_plan_detail", plan.pk))
    assert url("work_plan_item_edit", item.pk) in html(page)
    assert url("work_plan_edit", plan.pk) not in html(page)  # the plan itself is the province's

    response = client.post(
        url("work_plan_item_edit", item.pk),
        {
            "period": PlanPeriod.QUARTER,
            "period_number": "2",
            "title": item.title,
            "due_date": "30/06/2018",
            "status": PlanItemStatus.DONE,
            "done_on": "28/06/2018",
        },
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == PlanItemStatus.DONE


# --- the secondment, assignment and work plan pages -------------------------------------------------------------------


def _round(commune, criteria_set, *, year, met, as_of):
    assessment_round = AssessmentRoundFactory(commune=commune, criteria_set=criteria_set, year=year, as_of=as_of)
    for c in criteria_set.criteria.all():
        CriterionResultFactory(assessment_round=assessment_round, criterion=c, met=c.number <= met)


def test_the_secondment_page_shows_the_decision_and_the_criteria_at_both_ends(
    client, province_coordinator, geography, criteria_2016
):
    _round(geography.commune_a1, criteria_2016, year=2016, met=19, as_of=datetime.date(2016, 10, 1))
    secondment = SecondmentFactory(
        cadre=CadreFactory(full_name="Bùi Ngọc Nhật", home_agency=local_agency(geography)),
        commune=geography.commune_a1,
        kind=SecondmentKind.TRANSFERRED,
        role_at_commune="Phó Bí thư Đảng ủy, Chủ tịch UBND xã",
        decided_by="Ban Thường vụ Huyện ủy Đức Thọ",
        decision_number="45-QĐ/HU",
        criteria_met_at_start=9,
    )
    client.force_login(province_coordinator)

    page = client.get(url("secondment_detail", secondment.pk))
    assert page.status_code == 200
    for text in (
        "Điều động",
        "Phó Bí thư Đảng ủy, Chủ tịch UBND xã",
        "Ban Thường vụ Huyện ủy Đức Thọ",
        "45-QĐ/HU",
        "01/03/2016",
        "15/03/2016",
        "9 → …",
    ):
        assert text in html(page)

    response = client.post(url("secondment_close", secondment.pk), {"actual_end_date": "15/10/2016"}, follow=True)

    secondment.refresh_from_db()
    assert (secondment.actual_end_date, secondment.criteria_met_at_end) == (datetime.date(2016, 10, 15), 19)
    assert "9 → 19 (+10)" in html(response)
    assert "Đã ghi kết thúc biệt phái" in html(response)


def test_closing_before_the_start_is_explained_on_the_page(client, records, province_coordinator):
    client.force_login(province_coordinator)

    response = client.post(url("secondment_close", records["secondment"].pk), {"actual_end_date": "01/01/2016"})

    assert response.status_code == 200
    assert "Ngày kết thúc phải sau ngày bắt đầu." in html(response)
    records["secondment"].refresh_from_db()
    assert records["secondment"].actual_end_date is None


def test_the_assignment_page_shows_its_plans_with_items_done_late_and_open_its_visits_and_support(
    client, records, province_coordinator
):
    plan = records["work_plan"]
    WorkPlanItemFactory(
        work_plan=plan, title="Tập huấn kỹ thuật", status=PlanItemStatus.DONE, done_on=datetime.date(2018, 6, 1)
    )
    WorkPlanItemFactory(
        work_plan=plan, title="Hỗ trợ giống lúa", due_date=datetime.date.today() + datetime.timedelta(days=10)
    )
    client.force_login(province_coordinator)

    response = client.get(url("assignment_detail", records["assignment"].pk))

    assert response.status_code == 200
    (row,) = response.context["plan_rows"]
    assert (row.done, row.late, row.open) == (1, 1, 1)
    content = html(response)
    for text in (
        "Sở Kế hoạch và Đầu tư",
        "Xã Phú Đình",
        "708/QĐ-UBND",
        "Hoàn thành",
        "Quá hạn",
        "Đang thực hiện",
        "Làm việc với Đảng ủy xã về tiêu chí giao thông",
        "22.500.000.000 đ",
    ):
        assert text in content


def test_the_work_plan_page_lists_its_items_and_offers_to_add_one(client, records, province_coordinator):
    client.force_login(province_coordinator)

    response = client.get(url("work_plan_detail", records["work_plan"].pk))

    assert response.status_code == 200
    assert records["item"].title in html(response)
    assert url("work_plan_item_create", records["work_plan"].pk) in html(response)


# --- queries: the same for 2 rows as for 20 ---------------------------------------------------------------------------


def queries_of(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params or {}).status_code == 200
    return len(captured)


def _rows_of(name, geography, count, agency):
    """`count` rows for the list `name`, spread over communes A1 and B1."""
    communes = [geography.commune_a1, geography.commune_b1]
    for n in range(count):
        commune = communes[n % 2]
        if name == "agency":
            AgencyFactory(
                unit=geography.province if n % 2 else geography.district_a,
                parent=agency,
                level="district" if not n % 2 else "province",
            )
        elif name == "cadre":
            SecondmentFactory(cadre=CadreFactory(home_agency=agency), commune=commune)
        elif name == "batch":
            SecondmentFactory(
                batch=SecondmentBatchFactory(province=geography.province),
                commune=commune,
                cadre=CadreFactory(home_agency=agency),
            )
        elif name == "secondment":
            SecondmentFactory(
                cadre=CadreFactory(home_agency=agency),
                commune=commune,
                batch=SecondmentBatchFactory(province=geography.province),
            )
        elif name == "assignment":
            assignment = SponsorAssignmentFactory(agency=AgencyFactory(unit=geography.province), commune=commune)
            FieldVisitFactory(agency=assignment.agency, commune=commune)
            SupportContributionFactory(giver=assignment.agency, commune=commune)
        elif name == "work_plan":
            assignment = SponsorAssignmentFactory(agency=local_agency(geography), commune=commune)
            plan = WorkPlanFactory(assignment=assignment)
            WorkPlanItemFactory(work_plan=plan)
        elif name == "field_visit":
            visit = FieldVisitFactory(
                agency=agency,
                commune=commune,
                secondment=SecondmentFactory(commune=commune, cadre=CadreFactory(home_agency=agency)),
            )
            visit.criteria_addressed.set(geography.criteria[n % 3 : n % 3 + 2])
        elif name == "support":
            SupportContributionFactory(giver=agency, commune=commune, criterion=geography.criteria[n % 3])


@pytest.fixture
def with_criteria(geography):
    geography.criteria = list(CriteriaSetFactory(period_start=2016, period_end=2020, criteria_count=3).criteria.all())
    return geography


# Session, user, the user's unit; the rows counted and one page of them (joins and subqueries built in); one query
# per drop-down of the filter form; and the totals of the filtered rows where the list shows them.
LIST_QUERIES = {
    "agency": 6,  # + the units
    "cadre": 6,  # + the agencies
    "batch": 5,  # (no key filter shown)
    "secondment": 9,  # + districts, communes, batches, agencies
    "assignment": 8,  # + districts, communes, agencies
    "work_plan": 7,  # + agencies, communes
    "field_visit": 10,  # + the criteria of the page's visits; districts, communes, agencies; the totals
    "support": 9,  # + districts, communes, agencies; the totals
}


@pytest.mark.parametrize("name", list(LISTS))
def test_each_list_costs_the_same_queries_for_2_rows_as_for_20(
    name, client, with_criteria, province_coordinator, django_assert_num_queries
):
    geography = with_criteria
    agency = AgencyFactory(unit=geography.province)
    client.force_login(province_coordinator)
    path = url(f"{name}_list")
    _rows_of(name, geography, 2, agency)
    client.get(path)  # warm-up: the session row is written on the first request
    expected = queries_of(client, path)
    _rows_of(name, geography, 18, agency)

    assert expected == LIST_QUERIES[name]
    with django_assert_num_queries(expected):
        response = client.get(path)
    assert len(response.context["page"].object_list) >= 20


@pytest.mark.parametrize("name", ["field_visit", "support", "assignment", "work_plan", "secondment"])
def test_a_liaisons_list_costs_the_same_queries_for_2_rows_as_for_20(
    name, client, with_criteria, agency_liaison, django_assert_num_queries
):
    geography = with_criteria
    client.force_login(agency_liaison)
    path = url(f"{name}_list")
    _rows_of(name, geography, 2, agency_liaison.agency)
    client.get(path)
    expected = queries_of(client, path)
    _rows_of(name, geography, 18, agency_liaison.agency)

    with django_assert_num_queries(expected):
        response = client.get(path)
    assert len(response.context["page"].object_list) >= 10  # the rows in commune A1, the liaison's


def test_the_assignment_page_costs_the_same_queries_for_2_children_as_for_20(
    client, with_criteria, agency_liaison, django_assert_num_queries
):
    geography = with_criteria
    assignment = agency_liaison.agency.assignments.get()
    path = url("assignment_detail", assignment.pk)

    def children(count):
        for n in range(count):
            plan = WorkPlanFactory(assignment=assignment, year=2000 + WorkPlan.objects.count())
            WorkPlanItemFactory(work_plan=plan, criterion=geography.criteria[n % 3])
            WorkPlanItemFactory(work_plan=plan)
            visit = FieldVisitFactory(agency=assignment.agency, commune=assignment.commune)
            visit.criteria_addressed.set(geography.criteria[:2])
            SupportContributionFactory(giver=assignment.agency, commune=assignment.commune)

    client.force_login(agency_liaison)
    children(2)
    client.get(path)
    expected = queries_of(client, path)
    children(18)

    # 15: session, user; the assignment with its totals (subqueries); its plans, their items; the visits, their
    # criteria; the support; whether the liaison may add a visit, and support (its agency assigned to the commune);
    # the history rows of the assignment, its plans, their items, the visits and the support (all created: nothing
    # to diff, so no previous rows nor labels; tests/secondments/test_history.py counts those).
    assert expected == 15
    with django_assert_num_queries(expected):
        response = client.get(path)
    assert len(response.context["plan_rows"]) == 20 and len(response.context["visits"]) == 20


def test_the_secondment_page_costs_the_same_queries_for_2_visits_as_for_20(
    client, with_criteria, province_coordinator, django_assert_num_queries
):
    geography = with_criteria
    secondment = SecondmentFactory(
        commune=geography.commune_a1, cadre=CadreFactory(home_agency=local_agency(geography))
    )
    path = url("secondment_detail", secondment.pk)

    def visits(count):
        for _ in range(count):
            visit = FieldVisitFactory(
                agency=secondment.cadre.home_agency, commune=geography.commune_a1, secondment=secondment
            )
            visit.criteria_addressed.set(geography.criteria[:2])

    client.force_login(province_coordinator)
    visits(2)
    client.get(path)
    expected = queries_of(client, path)
    visits(18)

    # 7: session, user, the user's unit; the secondment (cadre, agency, commune, district, batch joined); its visits,
    # their criteria; its history rows.
    assert expected == 7
    with django_assert_num_queries(expected):
        response = client.get(path)
    assert len(response.context["visits"]) == 20


def test_the_work_plan_page_costs_the_same_queries_for_2_items_as_for_20(
    client, with_criteria, province_coordinator, django_assert_num_queries
):
    geography = with_criteria
    plan = WorkPlanFactory(
        assignment=SponsorAssignmentFactory(agency=local_agency(geography), commune=geography.commune_a1)
    )
    path = url("work_plan_detail", plan.pk)

    def items(count):
        for n in range(count):
            WorkPlanItemFactory(work_plan=plan, criterion=geography.criteria[n % 3])

    client.force_login(province_coordinator)
    items(2)
    client.get(path)
    expected = queries_of(client, path)
    items(18)

    # 5: session, user, the user's unit; the plan with its counts; its items with their criteria.
    assert expected == 5
    with django_assert_num_queries(expected):
        response = client.get(path)
    assert len(response.context["row"].items) == 20
