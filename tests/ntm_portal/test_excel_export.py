"""List export to Excel: what goes in comes back out, typed, with its diacritics."""

import datetime
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from ntm_portal.excel import (
    XLSX_CONTENT_TYPE,
    ascii_filename,
    rows_to_xlsx,
    sheet_title,
    xlsx_file_response,
    xlsx_response,
    xlsx_streaming_response,
)

pytestmark = pytest.mark.django_db

COLUMNS = ["Mã xã", "Tên xã", "Huyện", "Ngày công nhận", "Số tiêu chí đạt", "Hỗ trợ (triệu đồng)", "Ghi chú"]
ROWS = [
    ["05554", "Xã Phú Đình", "Huyện Định Hóa", datetime.date(2020, 12, 20), 19, Decimal("1250.50"), "Đạt chuẩn NTM"],
    ["05557", "Xã Sơn Phú", "Huyện Định Hóa", None, 15, 0.5, "Thiếu: Thu nhập, Hộ nghèo"],
    ["05620", "Xã Yên Ninh", "Huyện Phú Lương", None, 9, None, '=HYPERLINK("http://x")'],
]


def read(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_rows_read_back_with_the_same_cells_and_their_diacritics():
    sheet = read(rows_to_xlsx(title="Tiến độ xã", columns=COLUMNS, rows=ROWS)).active
    assert sheet.title == "Tiến độ xã"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(COLUMNS)
    assert values[1] == (
        "05554",
        "Xã Phú Đình",
        "Huyện Định Hóa",
        datetime.datetime(2020, 12, 20),
        19,
        1250.5,
        "Đạt chuẩn NTM",
    )
    assert values[2] == ("05557", "Xã Sơn Phú", "Huyện Định Hóa", None, 15, 0.5, "Thiếu: Thu nhập, Hộ nghèo")
    assert values[3][6] == '=HYPERLINK("http://x")'


def test_dates_are_dates_numbers_are_numbers_and_text_is_never_a_formula():
    sheet = read(rows_to_xlsx(title="x", columns=COLUMNS, rows=ROWS)).active
    date, count, amount, note = sheet["D2"], sheet["E2"], sheet["F2"], sheet["G4"]
    assert date.is_date and date.number_format == "DD/MM/YYYY"
    assert count.data_type == "n" and amount.data_type == "n"
    assert sheet["A2"].data_type == "s"  # codes stay text with their leading zero
    assert note.data_type == "s"  # a note starting with "=" must not run as a formula


def test_the_header_is_bold_frozen_and_the_columns_are_wide_enough():
    sheet = read(rows_to_xlsx(title="x", columns=COLUMNS, rows=ROWS)).active
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G4"
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    assert widths["B"] >= len("Xã Phú Đình") and widths["G"] >= len("Thiếu: Thu nhập, Hộ nghèo")
    assert all(8 <= width <= 60 for width in widths.values())


def test_aware_datetimes_are_written_in_local_time_and_lazy_text_as_text():
    moment = datetime.datetime(2024, 3, 1, 1, 30, tzinfo=datetime.UTC)
    sheet = read(rows_to_xlsx(title="x", columns=["Lúc", "Trạng thái"], rows=[[moment, gettext_lazy("Đạt")]])).active
    assert sheet["A2"].value == timezone.localtime(moment).replace(tzinfo=None) == datetime.datetime(2024, 3, 1, 8, 30)
    assert sheet["B2"].value == "Đạt"


def test_ten_thousand_rows_from_a_generator_are_written():
    rows = ((f"{n:05d}", f"Xã Đồng Thử {n}", datetime.date(2022, 1, 1), n, Decimal(n) / 4) for n in range(10_000))
    data = rows_to_xlsx(title="Danh sách", columns=["Mã", "Tên", "Ngày", "Số", "Giá trị"], rows=rows)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    last = list(sheet.iter_rows(min_row=10_001, values_only=True))
    assert last == [("09999", "Xã Đồng Thử 9999", datetime.datetime(2022, 1, 1), 9999, 2499.75)]


def test_an_empty_list_still_has_its_header():
    sheet = read(rows_to_xlsx(title="x", columns=["Mã xã", "Tên xã"], rows=[])).active
    assert list(sheet.iter_rows(values_only=True)) == [("Mã xã", "Tên xã")]


def test_sheet_titles_are_made_acceptable_to_excel():
    assert sheet_title("Tiến độ: Định Hóa/2022 [tháng 6]") == "Tiến độ Định Hóa 2022 tháng 6"
    assert len(sheet_title("Danh sách các xã đạt chuẩn nông thôn mới nâng cao")) == 31
    assert sheet_title("") == "Sheet1"


def test_xlsx_response_is_a_download_with_an_ascii_name_and_the_vietnamese_one():
    response = xlsx_response(filename="Tiến độ Định Hóa 2022", title="Tiến độ", columns=COLUMNS, rows=ROWS)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Tien do Dinh Hoa 2022.xlsx"; ')
    assert disposition.isascii()
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert " " not in encoded and unquote(encoded) == "Tiến độ Định Hóa 2022.xlsx"
    assert response["Cache-Control"] == "private, no-store"
    assert read(response.content).active["B2"].value == "Xã Phú Đình"


def test_xlsx_response_takes_a_lazily_translated_name():
    response = xlsx_response(filename=gettext_lazy("Kỳ đánh giá NTM.xlsx"), title="x", columns=["Mã"], rows=[])
    assert response["Content-Disposition"].endswith(
        "filename*=UTF-8''K%E1%BB%B3%20%C4%91%C3%A1nh%20gi%C3%A1%20NTM.xlsx"
    )


def test_a_workbook_built_elsewhere_is_sent_with_the_same_headers():
    response = xlsx_file_response(filename="Mẫu đánh giá Xã Phú Đình 2022", content=b"PK\x03\x04")
    assert response.content == b"PK\x03\x04" and response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="Mau danh gia Xa Phu Dinh 2022.xlsx"; ')


def test_the_ascii_name_keeps_the_extension_and_drops_what_headers_cannot_carry():
    assert ascii_filename('Báo cáo "quý"; 2.xlsx') == "Bao cao _quy_ 2.xlsx"
    assert ascii_filename("ĐẶC KHU.xlsx") == "DAC KHU.xlsx"
    assert ascii_filename("漢字.xlsx") == "export.xlsx"


def test_a_long_list_is_streamed_from_a_file_with_the_same_headers():
    rows = ([f"{n:05d}", f"Xã {n}"] for n in range(3000))  # a generator: never held as a list

    response = xlsx_streaming_response(filename="Danh sách xã", title="Danh sách", columns=["Mã", "Xã"], rows=rows)

    assert response.streaming and response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="Danh sach xa.xlsx"; ')
    sheet = read(response.getvalue()).active
    assert sheet.max_row == 3001 and sheet["B3001"].value == "Xã 2999"
