"""The Excel round trip of assessments: the template, the upload, and every way an upload can be refused."""

import datetime
import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from criteria import ledger
from criteria.choices import ChangeKind, RoundStatus
from criteria.models import AssessmentChange, AssessmentRound, CriteriaSet, Criterion, CriterionResult, IndicatorValue
from criteria.services import assessment as workflow
from criteria.services import excel as excel_service
from criteria.services.excel import (
    ExcelImportError,
    ImportReport,
    round_template_xlsx,
    rounds_import_xlsx,
)
from ntm_portal.access import AccessDenied
from ntm_portal.choices import Role
from tests.communes.factories import CommuneFactory, DistrictFactory, ProvinceFactory
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A1, A2, B1 = "05554", "05557", "05620"


# --- helpers ------------------------------------------------------------------------------------------------------


@pytest.fixture
def sets(national_sets):
    return SimpleNamespace(
        current=CriteriaSet.objects.get(code="ntm-2021-2025"), previous=CriteriaSet.objects.get(code="ntm-2016-2020")
    )


def column_of(sheet, prefix: str) -> int:
    """The column whose header starts with "TC5 " or "3.1 "."""
    return next(cell.column for cell in sheet[1] if str(cell.value).startswith(f"{prefix} "))


def letter_of(data: bytes, prefix: str) -> str:
    sheet = load_workbook(io.BytesIO(data))["Đánh giá"]
    return next(cell.column_letter for cell in sheet[1] if str(cell.value).startswith(f"{prefix} "))


def row_of(sheet, code: str) -> int:
    return next(cell.row for cell in sheet["A"] if cell.value == code)


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill(data: bytes, values: dict, edit=None) -> bytes:
    """The template with {(commune code, column prefix): value} typed in, and any other `edit(workbook)`."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Đánh giá"]
    for (code, prefix), value in values.items():
        sheet.cell(row_of(sheet, code), column_of(sheet, prefix)).value = value
    if edit:
        edit(workbook)
    return save(workbook)


def upload(user, data: bytes, name: str = "danh-gia.xlsx", **kwargs) -> ImportReport:
    return rounds_import_xlsx(user=user, file=SimpleUploadedFile(name, data, content_type=XLSX), **kwargs)


def whole_criteria(value="Đạt", code=A1) -> dict:
    return {(code, f"TC{n}"): value for n in range(1, 20) if n != 3}


def database_state() -> dict:
    return {
        "counts": [m.objects.count() for m in (AssessmentRound, CriterionResult, IndicatorValue, AssessmentChange)],
        "rounds": sorted(AssessmentRound.objects.values_list("pk", "version", "status")),
        "results": sorted(CriterionResult.objects.values_list("pk", "met", "note")),
        "values": sorted(IndicatorValue.objects.values_list("pk", "value_number", "value_bool", "note")),
    }


def criterion(criteria_set, number) -> Criterion:
    return Criterion.objects.get(criteria_set=criteria_set, number=number)


@pytest.fixture
def office(geography, sets, province_coordinator, commune_official_a1, commune_official_b1):
    """The province in 2022: A1 has a draft round (TC5 met, 3.1 = 85 with a note), A2 none, B1 a submitted one."""
    irrigation = criterion(sets.current, 3).indicators.get(code="3.1")
    round_a1 = workflow.round_start(user=commune_official_a1, commune=geography.commune_a1, year=2022)
    workflow.round_save(
        user=commune_official_a1,
        assessment_round=round_a1,
        expected_version=round_a1.version,
        indicators={irrigation.pk: workflow.IndicatorInput(value_number=Decimal(85), note="Biên bản nghiệm thu")},
        criteria={criterion(sets.current, 5).pk: workflow.CriterionInput(met=True, note="Trường đạt chuẩn")},
    )
    round_b1 = workflow.round_start(user=commune_official_b1, commune=geography.commune_b1, year=2022)
    workflow.round_save(
        user=commune_official_b1,
        assessment_round=round_b1,
        expected_version=round_b1.version,
        criteria={c.pk: workflow.CriterionInput(met=True) for c in Criterion.objects.filter(criteria_set=sets.current)},
    )
    workflow.round_submit(user=commune_official_b1, assessment_round=round_b1)
    template = round_template_xlsx(user=province_coordinator, unit=geography.province, year=2022)
    # A correct fill: a new round for A2 and one change for A1. Each bad-input case spoils it in one place.
    good = fill(template, {(A2, "TC1"): "Đạt", (A2, "3.1"): "90", (A1, "TC5"): "Không đạt"})
    return SimpleNamespace(geography=geography, sets=sets, template=template, good=good, round_a1=round_a1)


# --- the template -------------------------------------------------------------------------------------------------


def test_commune_official_downloads_fills_and_uploads_the_template(geography, sets, commune_official_a1):
    data = round_template_xlsx(user=commune_official_a1, unit=geography.district_a, year=2022)
    sheet = load_workbook(io.BytesIO(data))["Đánh giá"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:5] == ["Mã xã", "Tên xã", "Huyện", "TC1 Quy hoạch", "TC2 Giao thông"]
    assert headers[5] == "3.1 Tỷ lệ diện tích đất sản xuất nông nghiệp được tưới và tiêu nước chủ động (%)"
    assert headers[6].startswith("3.2 Đảm bảo yêu cầu chủ động về phòng, chống thiên tai")
    assert headers[7:9] == ["TC4 Điện", "TC5 Trường học"]
    assert len(headers) == 3 + 18 + 2  # criterion 3 is entered through its two indicators
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_col=3)] == [
        [A1, "Xã Phú Đình", "Huyện Định Hóa"]
    ]

    values = whole_criteria() | {(A1, "3.1"): "80,5", (A1, "3.2"): "dat", (A1, "TC19"): "ĐẠT"}
    report = upload(commune_official_a1, fill(data, values))

    assert report == ImportReport(rounds_created=1, rounds_changed=0, values_changed=20, communes=["Xã Phú Đình"])
    round_ = AssessmentRound.objects.get(commune=geography.commune_a1, year=2022)
    assert round_.criteria_set == sets.current and round_.status == RoundStatus.DRAFT
    assert ledger.round_score(round_)[:2] == (19, 19)
    irrigation = round_.indicator_values.get(indicator__code="3.1")
    assert irrigation.value_number == Decimal("80.50") and irrigation.met is True
    assert round_.indicator_values.get(indicator__code="3.2").value_bool is True
    changes = AssessmentChange.objects.filter(assessment_round=round_)
    assert {c.changed_by_id for c in changes} == {commune_official_a1.pk}
    assert changes.filter(kind=ChangeKind.CREATED).count() == 1
    assert changes.get(kind=ChangeKind.INDICATOR, field="value_number").new_value == "80.50"
    assert changes.get(kind=ChangeKind.INDICATOR, field="value_bool").new_value is True
    assert changes.filter(kind=ChangeKind.CRITERION, field="met").count() == 19  # 18 entered, 3 computed


def test_a_second_upload_that_changes_one_value_reports_exactly_one_change(geography, sets, commune_official_a1):
    first = round_template_xlsx(user=commune_official_a1, unit=geography.commune_a1, year=2022)
    upload(commune_official_a1, fill(first, whole_criteria() | {(A1, "3.1"): 85, (A1, "3.2"): "Đạt"}))
    round_ = AssessmentRound.objects.get(commune=geography.commune_a1)
    changes_before, version_before = round_.changes.count(), round_.version

    second = round_template_xlsx(user=commune_official_a1, unit=geography.commune_a1, year=2022)
    sheet = load_workbook(io.BytesIO(second))["Đánh giá"]
    assert sheet.cell(2, column_of(sheet, "TC5")).value == "Đạt"  # prefilled from the round
    assert sheet.cell(2, column_of(sheet, "3.1")).value == 85
    report = upload(commune_official_a1, fill(second, {(A1, "TC5"): "không đạt"}))

    assert report == ImportReport(rounds_created=0, rounds_changed=1, values_changed=1, communes=["Xã Phú Đình"])
    round_.refresh_from_db()
    assert round_.changes.count() == changes_before + 1 and round_.version == version_before + 1
    assert round_.criterion_results.get(criterion__number=5).met is False


def test_an_upload_of_the_unchanged_template_writes_nothing_even_with_a_submitted_round(office, province_coordinator):
    before = database_state()
    report = upload(province_coordinator, office.template)
    assert report == ImportReport(rounds_created=0, rounds_changed=0, values_changed=0, communes=[])
    assert database_state() == before


def test_an_upload_keeps_the_notes_of_the_values_it_changes(office, province_coordinator):
    report = upload(province_coordinator, office.good)
    assert report == ImportReport(
        rounds_created=1, rounds_changed=1, values_changed=3, communes=["Xã Phú Đình", "Xã Sơn Phú"]
    )
    result = office.round_a1.criterion_results.get(criterion__number=5)
    assert result.met is False and result.note == "Trường đạt chuẩn"
    assert office.round_a1.indicator_values.get(indicator__code="3.1").note == "Biên bản nghiệm thu"


def test_an_upload_leaves_alone_a_criterion_with_indicators_assessed_as_a_whole(geography, sets, commune_official_a1):
    """Criterion 3 has indicators, but until they are recorded the commune may assess it as a whole on the web: an
    upload whose 3.1 and 3.2 cells are empty keeps that answer."""
    round_ = workflow.round_start(user=commune_official_a1, commune=geography.commune_a1, year=2022)
    workflow.round_save(
        user=commune_official_a1,
        assessment_round=round_,
        expected_version=round_.version,
        criteria={criterion(sets.current, 3).pk: workflow.CriterionInput(met=True)},
    )
    template = round_template_xlsx(user=commune_official_a1, unit=geography.commune_a1, year=2022)
    report = upload(commune_official_a1, fill(template, {(A1, "TC5"): "Đạt"}))
    assert report.values_changed == 1
    assert round_.criterion_results.get(criterion__number=3).met is True


@pytest.mark.parametrize(
    ("typed", "number_format", "expected"),
    [
        ("80,5", "General", Decimal("80.5")),
        ("80.5", "General", Decimal("80.5")),
        (" 80,5 % ", "General", Decimal("80.5")),
        (80.5, "General", Decimal("80.5")),
        (0.805, "0.0%", Decimal("80.5")),  # a cell formatted as percent stores 80,5% as 0.805
        (66.666666, "General", Decimal("66.67")),
        (100, "General", Decimal(100)),
    ],
)
def test_percentages_are_read_however_excel_or_the_user_wrote_them(
    geography, sets, commune_official_a1, typed, number_format, expected
):
    template = round_template_xlsx(user=commune_official_a1, unit=geography.commune_a1, year=2022)

    def set_format(workbook):
        sheet = workbook["Đánh giá"]
        sheet.cell(2, column_of(sheet, "3.1")).number_format = number_format

    upload(commune_official_a1, fill(template, {(A1, "3.1"): typed}, edit=set_format))
    assert IndicatorValue.objects.get(indicator__code="3.1").value_number == expected


@pytest.mark.parametrize(
    ("typed", "met"),
    [
        ("Đạt", True),
        ("dat", True),
        ("  ĐẠT ", True),
        ("Không đạt", False),
        ("khong dat", False),
        ("KHÔNG ĐẠT", False),
        ("Chưa đạt", False),
    ],
)
def test_dat_and_khong_dat_are_read_whatever_their_case_and_diacritics(
    geography, sets, commune_official_a1, typed, met
):
    template = round_template_xlsx(user=commune_official_a1, unit=geography.commune_a1, year=2022)
    upload(commune_official_a1, fill(template, {(A1, "TC5"): typed}))
    assert CriterionResult.objects.get(criterion__number=5).met is met


def test_a_commune_code_that_excel_turned_into_a_number_still_finds_its_commune(geography, sets, commune_official_a1):
    template = round_template_xlsx(user=commune_official_a1, unit=geography.commune_a1, year=2022)

    def code_as_number(workbook):
        workbook["Đánh giá"]["A2"] = 5554  # "05554" after Excel dropped the leading zero

    report = upload(commune_official_a1, fill(template, {(A1, "TC5"): "Đạt"}, edit=code_as_number))
    assert report.communes == ["Xã Phú Đình"]


def test_the_template_prefills_values_greys_locked_rows_and_explains_the_targets(office):
    workbook = load_workbook(io.BytesIO(office.template))
    assert workbook.sheetnames == ["Đánh giá", "Hướng dẫn", "Thông tin"]
    sheet = workbook["Đánh giá"]
    assert sheet.freeze_panes == "D2"
    tc5, irrigation = column_of(sheet, "TC5"), column_of(sheet, "3.1")
    assert [sheet.cell(row, 1).value for row in (2, 3, 4)] == [A1, A2, B1]
    assert sheet.cell(2, tc5).value == "Đạt" and sheet.cell(2, irrigation).value == 85
    assert sheet.cell(3, tc5).value is None  # A2 has no round yet
    assert "Đã gửi thẩm tra" in sheet.cell(4, 1).comment.text  # B1's round is submitted
    assert sheet.cell(4, 1).fill.fgColor.rgb.endswith("D9D9D9")

    def validation_of(column):
        cell = sheet.cell(4, column).coordinate
        return next(dv for dv in sheet.data_validations.dataValidation if cell in dv.sqref)

    assert validation_of(tc5).formula1 == '"Đạt,Chưa đạt"'
    percent = validation_of(irrigation)
    assert (percent.type, percent.operator, percent.formula1, percent.formula2) == ("decimal", "between", "0", "100")

    info = {row[0]: row[1] for row in workbook["Thông tin"].iter_rows(values_only=True) if row[0]}
    assert info["Mã bộ tiêu chí"] == "ntm-2021-2025" and info["Năm đánh giá"] == 2022
    guide = [row for row in workbook["Hướng dẫn"].iter_rows(values_only=True) if row[0]]
    irrigation_row = next(row for row in guide if str(row[1]).startswith("3.1 "))
    assert irrigation_row[3].startswith("Số từ 0 đến 100") and irrigation_row[4] == "≥ 80%"
    assert next(row for row in guide if row[1] == "TC5 Trường học")[3] == "Đạt / Chưa đạt"


def test_the_guide_names_the_regional_income_target_of_each_commune(geography, sets, province_coordinator):
    geography.commune_b1.region = "dbsh"
    geography.commune_b1.save()
    data = round_template_xlsx(user=province_coordinator, unit=geography.province, year=2018)
    guide = load_workbook(io.BytesIO(data))["Hướng dẫn"]
    income = next(row for row in guide.iter_rows(values_only=True) if str(row[1]).startswith("10.1 "))
    assert income[1].endswith("(triệu đồng/người/năm)")
    assert income[4] == "≥ 36 triệu đồng/người/năm: Xã Phú Đình, Xã Sơn Phú\n≥ 50 triệu đồng/người/năm: Xã Yên Ninh"


def test_the_coordinators_template_lists_every_commune_of_the_province(geography, sets, province_coordinator):
    CommuneFactory(code="09999", name="Xã Tỉnh Khác", parent=DistrictFactory(parent=ProvinceFactory()))
    data = round_template_xlsx(user=province_coordinator, unit=geography.province, year=2022)
    sheet = load_workbook(io.BytesIO(data))["Đánh giá"]
    assert list(sheet.iter_rows(min_row=2, max_col=3, values_only=True)) == [
        (A1, "Xã Phú Đình", "Huyện Định Hóa"),
        (A2, "Xã Sơn Phú", "Huyện Định Hóa"),
        (B1, "Xã Yên Ninh", "Huyện Phú Lương"),
    ]


def test_a_commune_officials_template_of_their_district_holds_only_their_commune(geography, sets, commune_official_a1):
    data = round_template_xlsx(user=commune_official_a1, unit=geography.province, year=2022)
    sheet = load_workbook(io.BytesIO(data))["Đánh giá"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, max_col=1, values_only=True)] == [A1]


def test_a_district_officer_gets_no_template_because_they_enter_no_values(geography, sets, district_officer_a):
    with pytest.raises(AccessDenied):
        round_template_xlsx(user=district_officer_a, unit=geography.district_a, year=2022)


def test_a_year_no_national_set_covers_has_no_template(geography, sets, province_coordinator):
    with pytest.raises(workflow.InvalidValue):
        round_template_xlsx(user=province_coordinator, unit=geography.province, year=2009)


def test_the_template_for_20_communes_costs_the_same_queries_as_for_2(geography, sets, province_coordinator):
    def template_queries() -> int:
        user = type(province_coordinator).objects.select_related("unit").get(pk=province_coordinator.pk)
        with CaptureQueriesContext(connection) as queries:
            round_template_xlsx(user=user, unit=geography.district_a, year=2022)
        return len(queries)

    irrigation = criterion(sets.current, 3).indicators.get(code="3.1")

    def with_round(commune):
        round_ = workflow.round_start(user=province_coordinator, commune=commune, year=2022)
        workflow.round_save(
            user=province_coordinator,
            assessment_round=round_,
            expected_version=round_.version,
            indicators={irrigation.pk: workflow.IndicatorInput(value_number=Decimal(70))},
            criteria={criterion(sets.current, 5).pk: workflow.CriterionInput(met=True)},
        )

    with_round(geography.commune_a1)
    for_two = template_queries()
    for commune in CommuneFactory.create_batch(18, parent=geography.district_a):
        with_round(commune)
    # The default set; communes; criteria + indicators + targets; rounds + results + values.
    assert template_queries() == for_two == 8


# --- bad uploads: each is refused with row, column and reason, and nothing is written --------------------------------


def spoil_cell(code, prefix, value):
    return lambda office: (fill(office.good, {(code, prefix): value}), {})


def with_sheet(edit):
    def spoil(office):
        workbook = load_workbook(io.BytesIO(office.good))
        edit(workbook)
        return save(workbook), {}

    return spoil


def a_zip_without_a_workbook(office):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue(), {}


def another_sets_template(office, **kwargs):
    user = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=office.geography.province)
    template = round_template_xlsx(user=user, unit=office.geography.province, year=2018)
    return fill(template, {(A2, "TC1"): "Đạt", (A2, "10.1"): 40}), kwargs


def another_sets_template_without_its_information_sheet(office):
    data, _ = another_sets_template(office)
    workbook = load_workbook(io.BytesIO(data))
    del workbook["Thông tin"]
    return save(workbook), {"year": 2022}


def another_years_template(office):
    user = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=office.geography.province)
    return fill(round_template_xlsx(user=user, unit=office.geography.province, year=2023), {(A2, "TC1"): "Đạt"}), {
        "year": 2022
    }


def a_negative_income(office):
    data, _ = another_sets_template(office)
    return fill(data, {(A1, "10.1"): -5}), {}


def the_same_commune_twice(office):
    def copy_a1(workbook):
        sheet = workbook["Đánh giá"]
        sheet.append([cell.value for cell in sheet[2]])

    return with_sheet(copy_a1)(office)


def rename_tc5(workbook):
    sheet = workbook["Đánh giá"]
    sheet.cell(1, column_of(sheet, "TC5")).value = "Trường học"


def delete_tc5(workbook):
    sheet = workbook["Đánh giá"]
    sheet.delete_cols(column_of(sheet, "TC5"))


def keep_only_the_header(workbook):
    workbook["Đánh giá"].delete_rows(2, 10)


class TooBigToRead:
    """An upload whose size is over the limit: it must be refused before a byte is read."""

    name, size = "lon.xlsx", settings.EXCEL_IMPORT_MAX_BYTES + 1

    def read(self, *args):
        raise AssertionError("read before the size was checked")


BAD_UPLOADS = {
    # name: (make the file, (row, column starts with, reason contains))
    "not an excel file": (lambda o: (b"Day khong phai bang tinh", {}), (0, "", "không phải là bảng tính Excel")),
    "a csv renamed .xlsx": (
        lambda o: ("Mã xã,TC5 Trường học\n05554,Đạt\n".encode(), {}),
        (0, "", "không phải là bảng tính Excel"),
    ),
    "a corrupt zip": (lambda o: (o.good[: len(o.good) // 2], {}), (0, "", "bị hỏng")),
    "a zip that is not a workbook": (a_zip_without_a_workbook, (0, "", "không phải là bảng tính Excel")),
    "an xls or password-protected file": (
        lambda o: (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), {}),
        (0, "", "Excel 97–2003 (.xls)"),
    ),
    "larger than 5 mb, as bytes": (
        lambda o: (b"PK\x03\x04" + bytes(settings.EXCEL_IMPORT_MAX_BYTES), {}),
        (0, "", "nặng hơn 5 MB"),
    ),
    "an empty workbook": (lambda o: (save(Workbook()), {}), (0, "", "Tệp trống")),
    "no data rows": (with_sheet(keep_only_the_header), (0, "", "không có dòng dữ liệu")),
    "a missing column": (with_sheet(delete_tc5), (1, "", "Thiếu cột “TC5 Trường học”")),
    "a renamed header": (with_sheet(rename_tc5), (1, "I", "Cột “Trường học” không có trong mẫu.")),
    "another template's columns": (with_sheet(rename_tc5), (0, "", "không khớp với mẫu của “Bộ tiêu chí quốc gia")),
    "another set's template": (
        lambda o: another_sets_template(o, criteria_set=o.sets.current),
        (1, "Thông tin!B", "không phải “Bộ"),
    ),
    "another set's template without its information sheet": (
        another_sets_template_without_its_information_sheet,
        (1, "", "Thiếu cột “3.1 Tỷ lệ"),
    ),
    "another year's template": (another_years_template, (3, "Thông tin!B", "mẫu của năm 2023")),
    "an unknown commune code": (spoil_cell(A2, "Mã", "99999"), (3, "A (Mã xã)", "Không có xã nào mã “99999”")),
    "the same commune twice": (the_same_commune_twice, (5, "A (Mã xã)", "đã có ở dòng 2")),
    "text in a number cell": (spoil_cell(A2, "3.1", "tám mươi"), (3, "F (3.1 ", "“tám mươi” không phải là số")),
    "a percentage over 100": (spoil_cell(A2, "3.1", 120), (3, "F (3.1 ", "0–100%")),
    "a negative percentage": (spoil_cell(A2, "3.1", "-5"), (3, "F (3.1 ", "0–100%")),
    "a negative income": (a_negative_income, (2, "M (10.1 ", "không được âm")),
    "a date where a number goes": (spoil_cell(A2, "3.1", datetime.date(2022, 5, 8)), (3, "F", "ngày")),
    "an unrecognised dat value": (
        spoil_cell(A2, "TC5", "Đạt một phần"),
        (3, "I (TC5 Trường học)", "không phải là Đạt hoặc Chưa đạt"),
    ),
    "a yes-no indicator with a number": (spoil_cell(A2, "3.2", 1), (3, "G (3.2 ", "không phải là Đạt")),
    "a round that is submitted": (spoil_cell(B1, "TC5", "Không đạt"), (4, "", "“Đã gửi thẩm tra”")),
    "a commune row whose name belongs to another code": (
        spoil_cell(A2, "Tên", "Xã Yên Ninh"),
        (3, "B (Tên xã)", "sắp xếp lệch"),
    ),
}


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=list(BAD_UPLOADS))
def test_a_bad_upload_is_refused_naming_row_column_and_reason_and_writes_nothing(office, province_coordinator, case):
    make, (row, column, reason) = BAD_UPLOADS[case]
    data, kwargs = make(office)
    before = database_state()
    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, data, **kwargs)
    assert any(e.row == row and e.column.startswith(column) and reason in e.reason for e in refused.value.errors), (
        refused.value.errors
    )
    assert reason in str(refused.value)
    assert database_state() == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(office, province_coordinator):
    before = database_state()
    with pytest.raises(ExcelImportError, match="nặng hơn 5 MB"):
        rounds_import_xlsx(user=province_coordinator, file=TooBigToRead())
    assert database_state() == before


def test_a_commune_of_another_unit_is_refused_for_a_commune_official(office, commune_official_a1):
    before = database_state()
    with pytest.raises(ExcelImportError) as refused:
        upload(commune_official_a1, office.good)
    errors = [(e.row, e.column, e.reason) for e in refused.value.errors]
    assert (3, "A (Mã xã)", "Bạn không có quyền nhập số liệu cho Xã Sơn Phú (mã 05557).") in errors
    assert (4, "A (Mã xã)", "Bạn không có quyền nhập số liệu cho Xã Yên Ninh (mã 05620).") in errors
    assert "Dòng 3, cột A (Mã xã): Bạn không có quyền" in str(refused.value)
    assert database_state() == before


def test_every_problem_of_the_file_is_listed_at_once(office, province_coordinator):
    data = fill(office.good, {(A1, "3.1"): "abc", (A2, "TC5"): "có lẽ", (B1, "TC5"): "Không đạt"})
    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, data)
    assert [e.row for e in refused.value.errors] == [2, 3, 4]


def test_a_file_with_more_rows_than_any_province_has_communes_is_refused(office, province_coordinator, settings):
    settings.EXCEL_IMPORT_MAX_ROWS = 2
    with pytest.raises(ExcelImportError, match="tối đa 2 xã"):
        upload(province_coordinator, office.good)


def test_a_file_full_of_mistakes_lists_the_first_two_hundred(office, province_coordinator):
    def many_unknown_codes(workbook):
        sheet = workbook["Đánh giá"]
        for number in range(250):
            sheet.append([f"9{number:04d}", None, None, "Đạt"])

    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, fill(office.good, {}, edit=many_unknown_codes))
    errors = refused.value.errors
    assert len(errors) == 201 and errors[-1].row == 0 and "50 lỗi khác" in errors[-1].reason


def test_a_refusal_by_the_services_while_writing_rolls_back_every_commune(office, province_coordinator, monkeypatch):
    """A2's round is submitted by someone else between the check and the write: A1, written just before, is
    rolled back too, and the refusal comes back as an error on A2's row."""
    real_round_save = excel_service.round_save

    def submitted_meanwhile(*, assessment_round, **kwargs):
        if assessment_round.commune_id == office.geography.commune_a2.pk:
            AssessmentRound.objects.filter(pk=assessment_round.pk).update(status=RoundStatus.SUBMITTED)
        return real_round_save(assessment_round=assessment_round, **kwargs)

    monkeypatch.setattr(excel_service, "round_save", submitted_meanwhile)
    before = database_state()
    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, office.good)
    [error] = refused.value.errors
    assert error.row == 3 and "Xã Sơn Phú" in error.reason and "Đã gửi thẩm tra" in error.reason
    assert database_state() == before
    assert not AssessmentRound.objects.filter(commune=office.geography.commune_a2).exists()


def test_a_change_made_by_someone_else_after_the_check_is_not_overwritten(office, province_coordinator, monkeypatch):
    real_round_save = excel_service.round_save

    def edited_meanwhile(*, assessment_round, **kwargs):
        if assessment_round.commune_id == office.geography.commune_a1.pk:
            AssessmentRound.objects.filter(pk=assessment_round.pk).update(version=assessment_round.version + 1)
        return real_round_save(assessment_round=assessment_round, **kwargs)

    monkeypatch.setattr(excel_service, "round_save", edited_meanwhile)
    before = database_state()
    with pytest.raises(ExcelImportError) as refused:
        upload(province_coordinator, office.good)
    assert [e.row for e in refused.value.errors] == [2]
    assert database_state() == before
