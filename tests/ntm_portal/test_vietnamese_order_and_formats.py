"""Issue 19: Vietnamese alphabetical order in the database and in Python, one way of writing figures, and form
fields that read what people type. The order tests run on the database the suite runs on: run them once with
DATABASE_URL (PostgreSQL's ICU collation) and once without (SQLite's registered collation)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.utils.translation import override

from communes.models import AdministrativeUnit
from criteria.forms import AsOfForm
from ntm_portal import formats
from ntm_portal.collation import vi_order, vi_sort_key, vi_sorted
from ntm_portal.excel import Money, rows_to_xlsx
from ntm_portal.fields import MoneyField, VietnameseDecimalField
from secondments.models import SupportContribution
from tests.communes.factories import CommuneFactory
from tests.secondments.factories import FieldVisitFactory, SupportContributionFactory

# Each name in its Vietnamese place: a < ă < â, d < đ < e, o < ô < ơ; tones only after the letters.
VIETNAMESE_ORDER = [
    "An Khánh",
    "Bảo Linh",
    "Bình Yên",
    "Dương Thành",
    "Điềm Mặc",
    "Ôn Lương",
    "Phú Đình",
    "Phú Tiến",
    "Yên Ninh",
]  # without "Xã ": the geography fixture has its own "Xã Phú Đình"


# --- order ----------------------------------------------------------------------------------------------------------


def test_it_sorts_names_in_python_in_vietnamese_order_not_code_point_order():
    shuffled = sorted(VIETNAMESE_ORDER)  # code-point order: "Ôn Lương", "Điềm Mặc" last
    assert shuffled != VIETNAMESE_ORDER

    assert vi_sorted(shuffled) == VIETNAMESE_ORDER


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Bảo Linh", "Bình Yên"),
        ("Phú Đình", "Phú Tiến"),
        ("Dương", "Đình"),
        ("Đình", "Ea Sô"),
        ("Ma", "Mà"),
        ("Mà", "Mả"),
        ("Mả", "Mã"),
        ("Mã", "Má"),
        ("Má", "Mạ"),
        ("Mạ", "Mắt"),
        ("Ốc", "Ôn"),
        ("Ơn", "Phú"),
    ],
)
def test_it_puts_each_letter_and_tone_in_its_vietnamese_place(before, after):
    assert vi_sort_key(before) < vi_sort_key(after)


def test_it_orders_names_in_the_database_as_in_python(geography):
    for name in VIETNAMESE_ORDER:
        CommuneFactory(name=name, parent=geography.district_b)
    names = AdministrativeUnit.objects.filter(name__in=VIETNAMESE_ORDER).order_by(vi_order("name"))

    assert list(names.values_list("name", flat=True)) == VIETNAMESE_ORDER
    descending = names.order_by(vi_order("name", descending=True))
    assert list(descending.values_list("name", flat=True)) == VIETNAMESE_ORDER[::-1]


def test_the_api_orders_communes_by_name_in_vietnamese_order(client, province_coordinator, geography):
    for name in VIETNAMESE_ORDER:
        CommuneFactory(name=name, parent=geography.district_b)
    client.force_login(province_coordinator)

    response = client.get("/api/v1/communes/", {"ordering": "name", "page_size": 100})
    names = [row["name"] for row in response.json()["results"]]
    assert [name for name in names if name in VIETNAMESE_ORDER] == VIETNAMESE_ORDER
    response = client.get("/api/v1/communes/", {"ordering": "-name", "page_size": 100})
    names = [row["name"] for row in response.json()["results"]]
    assert [name for name in names if name in VIETNAMESE_ORDER] == VIETNAMESE_ORDER[::-1]


def test_the_commune_list_page_sorts_names_in_vietnamese_order(client, province_coordinator, geography):
    for name in VIETNAMESE_ORDER:
        CommuneFactory(name=name, parent=geography.district_b)
    client.force_login(province_coordinator)

    page = client.get("/communes/", {"sort": "name"}).context["page"]
    names = [row.commune.name for row in page.object_list]
    assert [name for name in names if name in VIETNAMESE_ORDER] == VIETNAMESE_ORDER


def test_the_matrix_sorts_names_in_vietnamese_order(client, province_coordinator, geography):
    for name in VIETNAMESE_ORDER:
        CommuneFactory(name=name, parent=geography.district_b)
    client.force_login(province_coordinator)

    lines = client.get("/communes/matrix/", {"sort": "name"}).context["lines"]
    names = [line.progress.name for line in lines]
    assert [name for name in names if name in VIETNAMESE_ORDER] == VIETNAMESE_ORDER


# --- writing figures ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("85.50"), "85,5"), (1234, "1.234"), (1234.5, "1.234,5"), (Decimal("100.00"), "100"), (None, "—")],
)
def test_it_writes_numbers_with_comma_decimals_and_dot_thousands(value, text):
    assert formats.number(value) == text


def test_it_writes_a_decimal_only_where_there_is_one_when_asked_for_at_most_one():
    written = [formats.number(value, -1) for value in (22.25, 65.0, 7.5, 1234.04, 0)]

    assert written == ["22,3", "65", "7,5", "1.234", "0"]


def test_it_writes_percentages_money_and_dates_one_way():
    assert [formats.percent(100), formats.percent(Decimal("85.55")), formats.percent(None)] == ["100,0%", "85,6%", "—"]
    assert [formats.vnd(50_000_000), formats.vnd(None)] == ["50.000.000 đ", "0 đ"]
    assert formats.date_text(datetime.date(2026, 12, 2)) == "02/12/2026"


def test_the_template_filters_write_figures_as_the_formats_module_does():
    template = Template(
        "{% load ntm_formats %}{{ a|number }} {{ b|percent }} {{ c|vnd }} {{ d|vi_date }} {{ a|number:2 }}"
    )
    context = Context({"a": Decimal("85.5"), "b": 100, "c": 50_000_000, "d": datetime.date(2026, 12, 2)})

    assert template.render(context) == "85,5 100,0% 50.000.000 đ 02/12/2026 85,50"


def test_the_commune_page_shows_money_and_days_the_vietnamese_way(client, province_coordinator, geography):
    SupportContributionFactory(commune=geography.commune_a1, value_vnd=50_000_000)
    FieldVisitFactory(commune=geography.commune_a1, visit_date=datetime.date.today(), days_on_site=Decimal("1.5"))
    client.force_login(province_coordinator)

    content = client.get(f"/communes/{geography.commune_a1.pk}/").content.decode()

    assert "50.000.000 đ" in content and "50,000,000" not in content
    assert "1,5" in content and ">1.5<" not in content


def test_the_flash_message_of_a_new_support_writes_money_the_vietnamese_way(client, agency_liaison, geography):
    client.force_login(agency_liaison)

    response = client.post(
        "/secondments/support/new/",
        {
            "commune": geography.commune_a1.pk,
            "date": "02/12/2018",
            "kind": "cash",
            "value_vnd": "12,5 triệu",
            "description": "Hỗ trợ làm đường",
        },
    )

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert SupportContribution.objects.get().value_vnd == 12_500_000
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "12.500.000 đ" in message and "12,500,000" not in message


def test_a_visit_is_named_in_flash_messages_with_its_date_day_first(client, agency_liaison, geography):
    visit = FieldVisitFactory(agency=agency_liaison.agency, commune=geography.commune_a1)

    assert str(visit).endswith(" – 10/05/2018")


def test_an_excel_export_writes_money_with_thousands_and_years_as_they_are():
    content = rows_to_xlsx(title="t", columns=["Năm", "Giá trị (đồng)", "Ngày"], rows=[[2026, Money(50_000_000), 1.5]])
    year, money, days = next(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2))

    assert (money.value, money.number_format) == (50_000_000, "#,##0")
    assert (year.value, year.number_format) == (2026, "General")
    assert days.number_format == formats.EXCEL_DECIMAL_FORMAT


def test_the_support_list_export_formats_its_money_column(client, province_coordinator, geography):
    SupportContributionFactory(commune=geography.commune_a1, value_vnd=50_000_000)
    client.force_login(province_coordinator)

    response = client.get("/secondments/support/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    header = [cell.value for cell in sheet[1]]
    money = sheet.cell(row=2, column=header.index("Giá trị (đồng)") + 1)

    assert (money.value, money.number_format) == (50_000_000, "#,##0")


# --- reading figures ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("85,5", Decimal("85.5")),
        ("85.5", Decimal("85.5")),
        (" 1.234,5 ", Decimal("1234.5")),
        ("100", Decimal(100)),
        ("0.125", Decimal("0.125")),
    ],
)
def test_a_decimal_field_reads_comma_and_point_decimals(typed, value):
    assert VietnameseDecimalField(required=False).clean(typed) == value


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("50.000.000", 50_000_000),
        ("50000000", 50_000_000),
        ("50 000 000 đ", 50_000_000),
        ("12,5 triệu", 12_500_000),
        ("12,5 trieu", 12_500_000),
        ("1,2 tỷ", 1_200_000_000),
        ("500 nghìn", 500_000),
        ("50,000,000", 50_000_000),
    ],
)
def test_a_money_field_reads_amounts_as_people_write_them(typed, value):
    assert MoneyField(required=False).clean(typed) == value


@pytest.mark.parametrize("typed", ["abc", "12,5 tấn", "1..2", "1,2,3", "85,5%x"])
def test_garbage_is_refused_with_an_example_of_what_to_type(typed):
    for field in (VietnameseDecimalField(required=False), MoneyField(required=False)):
        with pytest.raises(forms.ValidationError) as error:
            field.clean(typed)
        assert error.value.messages == ["Nhập một số, ví dụ 85,5 hoặc 12,5 triệu."]


def test_a_money_field_refuses_a_fraction_of_a_dong():
    with pytest.raises(forms.ValidationError, match="không có phần lẻ"):
        MoneyField().clean("1,5")


def test_fields_show_a_stored_figure_back_the_vietnamese_way():
    assert VietnameseDecimalField().prepare_value(Decimal("85.50")) == "85,5"
    assert MoneyField().prepare_value(50_000_000) == "50.000.000"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_form_that_names_no_date_formats_reads_the_day_first_in_either_language(language):
    with override(language):
        typed = {
            value: AsOfForm({"as_of": value}) for value in ("05/06/2024", "2024-06-05", "05.06.2024", "06/31/2024")
        }

        assert [form.cleaned_data["as_of"] for form in list(typed.values())[:3] if form.is_valid()] == [
            datetime.date(2024, 6, 5)
        ] * 3
        assert not typed["06/31/2024"].is_valid()  # no 31st month: not read the American way either
        assert forms.DateField().clean("01/02/2026") == datetime.date(2026, 2, 1)  # Django's own, as in the admin
