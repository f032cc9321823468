"""The secondment side's pages as registered with the generic views: every kind's list, add, change and delete page
answers the province's coordinator, and each list's page and .xlsx take their columns from the one Table."""

import re

import pytest
from django.urls import resolve, reverse

from secondments import tables
from secondments.views import registry
from tests.secondments.factories import AgencyFactory
from tests.secondments.test_views import html, sheet_rows

pytestmark = pytest.mark.django_db

RECORD_OF = {"work_plan_item": "item"}  # the `records` fixture's key where it is not the kind's name


def _urls(name: str, record) -> dict[str, tuple[str, str]]:
    """Each page of the kind: (method, path)."""
    create_args = (record.work_plan_id,) if name == "work_plan_item" else ()
    pages = {
        "create": ("get", reverse(f"secondments:{name}_create", args=create_args)),
        "edit": ("get", reverse(f"secondments:{name}_edit", args=(record.pk,))),
        "delete": ("post", reverse(f"secondments:{name}_delete", args=(record.pk,))),
    }
    if name != "work_plan_item":  # an item is listed on its plan's page
        pages["list"] = ("get", reverse(f"secondments:{name}_list"))
    return pages


@pytest.mark.parametrize("name", list(registry.kinds))
def test_every_registered_kind_answers_its_list_add_change_and_delete_pages(
    name, client, records, province_coordinator
):
    record = records[RECORD_OF.get(name, name)]
    client.force_login(province_coordinator)

    for action, (method, path) in _urls(name, record).items():
        assert resolve(path).url_name == f"{name}_{action}"
        response = getattr(client, method)(path)
        # A delete answers with a redirect: to the list when done, back to the record when the service refuses.
        assert response.status_code == (302 if action == "delete" else 200), (action, path)


LIST_TABLES = {
    "agency": tables.AgencyTable,
    "cadre": tables.CadreTable,
    "batch": tables.SecondmentBatchTable,
    "secondment": tables.SecondmentTable,
    "assignment": tables.SponsorAssignmentTable,
    "work_plan": tables.WorkPlanTable,
    "field_visit": tables.FieldVisitTable,
    "support": tables.SupportContributionTable,
}


@pytest.mark.parametrize("name", list(LIST_TABLES))
def test_a_lists_page_and_its_excel_take_their_columns_from_the_one_table(name, client, records, province_coordinator):
    client.force_login(province_coordinator)
    path = reverse(f"secondments:{name}_list")

    page = client.get(path)
    headers = re.findall(r"<th(?: [^>]*)?>(?:<a [^>]*>)?([^<]*)", html(page))
    sheet_headers = sheet_rows(client.get(path, {"format": "xlsx"}))[0]

    table = page.context["table"]
    assert isinstance(table, LIST_TABLES[name])
    assert headers == [str(column.header) for column in table.columns]
    assert list(sheet_headers) == table.export_headers()


def test_a_list_sorts_by_a_column_in_vietnamese_order_and_its_export_follows(client, geography, province_coordinator):
    for name in ["Sở Y tế", "Sở Địa chính", "Sở Du lịch"]:
        AgencyFactory(name=name, unit=geography.province)
    client.force_login(province_coordinator)
    path = reverse("secondments:agency_list")

    by_name = [a.name for a in client.get(path, {"sort": "-name"}).context["page"].object_list]
    exported = [row[0] for row in sheet_rows(client.get(path, {"sort": "-name", "format": "xlsx"}))[1:]]
    ignored = client.get(path, {"sort": "nonsense"})

    assert by_name == exported == ["Sở Y tế", "Sở Địa chính", "Sở Du lịch"]
    assert ignored.status_code == 200 and 'href="?sort=name"' in html(ignored)
