"""Formula cells in an uploaded assessment (issue 16): read as the value Excel computed and saved with them, and
refused, with their sheet and address, when the file holds no computed value (a workbook written by a program).

openpyxl writes formulas without their computed value (`<v />`); Excel and LibreOffice write it (`<v>85</v>`). The
files with a value are made the way Excel would save them: written by openpyxl, then the value put into the cell's
XML inside the .xlsx.
"""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from criteria.models import IndicatorValue
from criteria.services import excel as excel_service
from criteria.services.excel import ExcelImportError, round_template_xlsx
from tests.criteria.test_excel import A1, A2, database_state, fill, letter_of, row_of, save, upload

pytestmark = pytest.mark.django_db

DATA_XML, INFO_XML = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"  # the template's first and third sheets


@pytest.fixture
def template(geography, national_sets, province_coordinator) -> bytes:
    return round_template_xlsx(user=province_coordinator, unit=geography.province, year=2022)


def cell_address(data: bytes, code: str, prefix: str) -> str:
    sheet = load_workbook(io.BytesIO(data))["Đánh giá"]
    return f"{letter_of(data, prefix)}{row_of(sheet, code)}"


def with_computed_value(data: bytes, member: str, address: str, value: str, *, text: bool = False) -> bytes:
    """The .xlsx with `value` saved as the computed value of the formula in `address`, as Excel saves it (a text
    result is marked t="str")."""
    opening = b'<c r="' + address.encode() + b'"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == member:
                # An empty value is <v/>, or <v></v> where openpyxl writes with lxml (python-docx brings it).
                content, found = re.subn(
                    re.escape(opening) + rb"([^>]*)><f>(.*?)</f>(?:<v\s*/>|<v></v>)",
                    lambda m: (
                        opening
                        + m[1]
                        + (b' t="str"' if text else b"")
                        + b"><f>"
                        + m[2]
                        + b"</f><v>"
                        + value.encode()
                        + b"</v>"
                    ),
                    content,
                )
                assert found == 1, f"no formula in {address}"
            target.writestr(item, content)
    return buffer.getvalue()


def stored_share(commune) -> Decimal | None:
    value = IndicatorValue.objects.filter(assessment_round__commune=commune, indicator__code="3.1").first()
    return value.value_number if value else None


def test_a_formula_with_its_computed_value_is_read_as_that_value(template, geography, province_coordinator):
    data = fill(template, {(A2, "TC1"): "Đạt", (A2, "3.1"): "=80+5"})
    data = with_computed_value(data, DATA_XML, cell_address(data, A2, "3.1"), "85")

    report = upload(province_coordinator, data)

    assert report.rounds_created == 1
    assert stored_share(geography.commune_a2) == Decimal("85.00")


def test_a_formula_with_a_computed_text_is_read_as_that_text(template, geography, province_coordinator):
    data = fill(template, {(A2, "TC1"): '=IF(TRUE,"Đạt","Không đạt")'})
    data = with_computed_value(data, DATA_XML, cell_address(data, A2, "TC1"), "Đạt", text=True)

    upload(province_coordinator, data)

    assert geography.commune_a2.assessment_rounds.get().criterion_results.get(criterion__number=1).met is True


def test_a_formula_whose_computed_value_is_empty_text_is_an_empty_cell(template, geography, province_coordinator):
    data = fill(template, {(A2, "TC1"): "Đạt", (A2, "3.1"): '=IF(FALSE,85,"")'})
    data = with_computed_value(data, DATA_XML, cell_address(data, A2, "3.1"), "", text=True)

    upload(province_coordinator, data)

    assert stored_share(geography.commune_a2) is None


def test_a_formula_without_a_computed_value_is_refused_with_its_cell_and_nothing_is_written(
    template, geography, province_coordinator
):
    data = fill(template, {(A2, "TC1"): "Đạt", (A2, "3.1"): "=80+5", (A1, "TC5"): "Không đạt"})
    address = cell_address(data, A2, "3.1")
    before = database_state()

    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, data)

    [error] = refused.value.errors
    assert error.row == int(address[1:]) and error.column.startswith(f"{address[0]} (3.1 ")
    assert f"Ô {address} (trang “Đánh giá”) là công thức =80+5 chưa có giá trị đã tính" in error.reason
    assert database_state() == before


def test_every_formula_without_a_computed_value_is_listed(template, province_coordinator):
    data = fill(template, {(A1, "3.1"): "=80+5", (A2, "3.1"): "=SUM(1,2)", (A2, "TC1"): '="Đạt"'})

    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, data)

    assert {e.reason.split(" (trang")[0] for e in refused.value.errors} == {
        f"Ô {cell_address(data, A1, '3.1')}",
        f"Ô {cell_address(data, A2, '3.1')}",
        f"Ô {cell_address(data, A2, 'TC1')}",
    }


def test_a_formula_without_a_value_on_the_information_sheet_is_refused_with_its_sheet(template, province_coordinator):
    def year_as_formula(workbook):
        workbook["Thông tin"]["B3"] = "=2020+2"

    data = fill(template, {(A2, "TC1"): "Đạt"}, edit=year_as_formula)

    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, data)

    [error] = refused.value.errors
    assert (error.row, error.column) == (3, "Thông tin!B")
    assert "Ô B3 (trang “Thông tin”)" in error.reason


def test_the_information_sheets_year_as_a_formula_with_its_value_is_read(template, geography, province_coordinator):
    def year_as_formula(workbook):
        workbook["Thông tin"]["B3"] = "=2020+2"

    data = fill(template, {(A2, "TC1"): "Đạt"}, edit=year_as_formula)
    data = with_computed_value(data, INFO_XML, "B3", "2022")

    assert upload(province_coordinator, data).rounds_created == 1


def test_a_file_without_formulas_is_read_once(template, province_coordinator, monkeypatch):
    reads = []
    real_load = excel_service.load_workbook
    monkeypatch.setattr(excel_service, "load_workbook", lambda *a, **k: reads.append(k) or real_load(*a, **k))

    upload(province_coordinator, fill(template, {(A2, "TC1"): "Đạt"}))

    assert reads == [{"read_only": True, "data_only": True}]


def test_a_date_where_a_number_goes_is_refused_with_its_cell(template, province_coordinator):
    def typed_as_date(workbook):
        sheet = workbook["Đánh giá"]
        cell = sheet[cell_address(save(workbook), A2, "3.1")]
        cell.value, cell.number_format = 45000, "DD/MM/YYYY"

    data = fill(template, {(A2, "TC1"): "Đạt"}, edit=typed_as_date)

    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, data)

    [error] = refused.value.errors
    assert error.column.startswith(f"{letter_of(data, '3.1')} (3.1 ") and "ngày" in error.reason


def test_a_file_whose_sheet_is_broken_xml_is_refused_as_damaged(template, province_coordinator):
    data = fill(template, {(A2, "TC1"): "Đạt"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content.replace(b"</row>", b"</rw>", 1) if item.filename == DATA_XML else content)

    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, buffer.getvalue())

    assert "bị hỏng" in str(refused.value)
