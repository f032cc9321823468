"""The Excel import is bounded before it works: a user who may enter no values is refused before the file is read,
and a workbook beyond the EXCEL_IMPORT_* limits (its size, what its zip declares, the rows, columns and cells of its
sheets) is refused, naming the limit, before openpyxl parses it. Nothing is written either way."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from criteria.services import excel as excel_service
from criteria.services.excel import ExcelImportError
from ntm_portal.choices import Role
from tests.criteria import test_excel
from tests.criteria.test_excel import XLSX, database_state, fill, save, upload
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db
office, sets = test_excel.office, test_excel.sets  # the fixtures: a province in 2022 and its filled template

SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def workbook_with_sheet(chunks, *, extra_sheets: int = 0) -> bytes:
    """A workbook openpyxl can open, whose first sheet's XML is `chunks` (bytes, streamed into the zip)."""
    workbook = Workbook()
    for number in range(extra_sheets):
        workbook.create_sheet(f"Trang {number}")
    source = zipfile.ZipFile(io.BytesIO(save(workbook)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for part in source.infolist():
            if part.filename != SHEET:
                archive.writestr(part, source.read(part))
        with archive.open(SHEET, "w") as sheet:
            for chunk in chunks:
                sheet.write(chunk)
    return buffer.getvalue()


def bomb_chunks(megabytes: int):
    """~`megabytes` MB of sheet XML: rows of the same cells, which deflate to almost nothing."""
    row = b"<row>" + b'<c t="inlineStr"><is><t>Dat</t></is></c>' * 25 + b"</row>"
    rows = row * (1024 * 1024 // len(row))
    yield SHEET_START
    for _ in range(megabytes):
        yield rows
    yield SHEET_END


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return workbook_with_sheet(bomb_chunks(60))


@pytest.fixture
def never_parsed(monkeypatch):
    """openpyxl must not be asked to open the file."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(excel_service, "load_workbook", refuse)


def refused(user, data: bytes) -> str:
    with pytest.raises(ExcelImportError) as error:
        upload(user, data)
    return str(error.value)


@pytest.fixture
def viewer(geography):
    return UserFactory(username="viewer", role=Role.VIEWER, unit=geography.province)


# --- permission first -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["bomb", "malformed"])
def test_a_viewers_upload_is_refused_with_403_before_the_file_is_read(
    client, office, viewer, bomb, never_parsed, content
):
    data = bomb if content == "bomb" else b"PK\x03\x04 not really a workbook"
    before = database_state()
    client.force_login(viewer)

    response = client.post(reverse("criteria:excel"), {"file": SimpleUploadedFile("x.xlsx", data, XLSX)})

    assert response.status_code == 403
    assert "Bạn chỉ có quyền xem" in response.content.decode()
    assert "Tệp có lỗi" not in response.content.decode()
    assert database_state() == before


def test_a_district_officer_who_enters_no_values_is_refused_before_the_file_is_read(
    office, district_officer_a, never_parsed
):
    with pytest.raises(excel_service.AccessDenied, match="chỉ có quyền xem"):
        upload(district_officer_a, b"PK\x03\x04 malformed")


# --- the zip's declared sizes -----------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_naming_the_limits_before_it_is_parsed(office, province_coordinator, bomb, never_parsed):
    assert len(bomb) < 1024 * 1024
    declared = sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert declared > 60 * 1024 * 1024
    before = database_state()

    tracemalloc.start()
    started = time.perf_counter()
    message = refused(province_coordinator, bomb)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert "giải nén ra 60 MB dữ liệu, vượt giới hạn 50 MB" in message
    assert f"Phần “{SHEET}” của tệp giải nén ra 60 MB, vượt giới hạn 20 MB cho mỗi phần" in message
    assert "vượt giới hạn 100 lần" in message
    assert database_state() == before
    print(f"\nbomb: {len(bomb)} B declaring {declared} B: {seconds * 1000:.1f} ms, peak {peak / 2**20:.2f} MB")


def test_a_workbook_compressed_beyond_the_ratio_is_refused(office, province_coordinator, never_parsed, settings):
    settings.EXCEL_IMPORT_MAX_UNPACKED_BYTES = settings.EXCEL_IMPORT_MAX_PART_BYTES = 100 * 1024 * 1024

    message = refused(province_coordinator, workbook_with_sheet(bomb_chunks(8)))

    assert "vượt giới hạn 100 lần (một tệp Excel thường nén khoảng 20 lần)" in message
    assert "giải nén ra" not in message


def test_a_workbook_of_too_many_parts_is_refused(office, province_coordinator, never_parsed, settings):
    settings.EXCEL_IMPORT_MAX_ENTRIES = 5

    assert "vượt giới hạn 5 thành phần" in refused(province_coordinator, office.good)


# --- what the sheets hold, counted while streaming ----------------------------------------------------------------


def test_a_value_beyond_the_column_limit_is_refused_naming_the_cell(office, province_coordinator, never_parsed):
    data = fill(office.good, {}, edit=lambda workbook: workbook["Đánh giá"].cell(3, 201, "Đạt"))
    before = database_state()

    message = refused(province_coordinator, data)

    assert "Ô GS3 có dữ liệu ở cột thứ 201: một tệp chỉ được dùng 200 cột đầu tiên." in message
    assert database_state() == before


def test_empty_cells_far_to_the_right_count_against_the_cell_limit(office, province_coordinator, never_parsed):
    # Each row as wide as Excel allows: openpyxl would build 16,384 cells per row.
    rows = (f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="XFD{n}" s="0"/></row>'.encode() for n in range(1, 40))
    data = workbook_with_sheet([SHEET_START, *rows, SHEET_END])

    message = refused(province_coordinator, data)

    assert "Tệp có hơn 250.000 ô (tính cả ô trống nằm giữa các ô có dữ liệu)" in message


def test_rows_beyond_the_limit_are_refused_while_streaming(office, province_coordinator, never_parsed, settings):
    settings.EXCEL_IMPORT_MAX_ROWS = 1000
    rows = (f"<row><c><v>{n}</v></c></row>".encode() for n in range(1100))

    message = refused(province_coordinator, workbook_with_sheet([SHEET_START, *rows, SHEET_END]))

    assert "Tệp có hơn 1000 dòng: mỗi tệp chỉ nhập tối đa 1000 xã." in message


def test_too_many_sheets_are_refused(office, province_coordinator, never_parsed):
    data = workbook_with_sheet([SHEET_START, SHEET_END], extra_sheets=10)

    assert "Tệp có hơn 10 trang tính" in refused(province_coordinator, data)


def test_a_sheet_with_a_doctype_is_refused_as_damaged(office, province_coordinator, never_parsed):
    laughs = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = workbook_with_sheet([SHEET_START.replace(b"\n", b"\n" + laughs), b"<row><c><v>&b;</v></c></row>", SHEET_END])

    assert "Tệp Excel bị hỏng" in refused(province_coordinator, data)


def test_a_value_on_the_last_row_excel_allows_is_read_without_building_the_rows_between(office, province_coordinator):
    # openpyxl yields an empty row for each row number skipped: a million of them, under a second.
    data = workbook_with_sheet([SHEET_START, b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', SHEET_END])

    message = refused(province_coordinator, data)

    assert "Không tìm thấy dòng tiêu đề" in message


def test_the_filled_template_stays_far_within_every_limit(office, province_coordinator):
    report = upload(province_coordinator, office.good)

    assert report.rounds_created == 1 and report.values_changed == 3
