"""The report's PDF as an official document (Nghị định 30/2020/NĐ-CP), read back with pypdf: the parts a
coordination office needs before it can sign and send it, taken from the province's saved letterhead."""

import datetime

import pytest
from pypdf import PdfReader

from reports.choices import JobStatus
from reports.pdf import issue_date_parts
from reports.services import report_build
from tests.accountability_cases import national_set
from tests.reports.factories import ReportJobFactory, ReportLetterheadFactory
from tests.reports.test_pdf import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # each builds a PDF with WeasyPrint

AS_OF = datetime.date(2024, 12, 31)


def built(unit) -> tuple[PdfReader, str]:
    job = report_build(ReportJobFactory(unit=unit, criteria_set=national_set(), as_of=AS_OF).pk)
    assert job.status == JobStatus.DONE, job.error
    with job.file.open("rb") as handle:
        reader, text = pdf_text(handle.read())
    return reader, " ".join(text.split())


@pytest.fixture
def letterhead(geography):
    return ReportLetterheadFactory(
        unit=geography.province,
        number_suffix="/BC-VPĐPNTM",
        signer_capacity="KT. CHÁNH VĂN PHÒNG",
        signer_title="PHÓ CHÁNH VĂN PHÒNG",
        signer_name="Nguyễn Văn An",
        recipients="Văn phòng Điều phối NTM Trung ương;\nThường trực UBND tỉnh;\nLưu: VT, NV.",
    )


def test_the_first_page_carries_the_issuer_the_national_title_the_number_and_the_date_line(geography, letterhead):
    reader, _text = built(geography.province)
    first_page = " ".join(reader.pages[0].extract_text().split())
    today = issue_date_parts(datetime.datetime.now())

    assert "UBND TỈNH THÁI NGUYÊN" in first_page
    assert "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI" in first_page
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first_page
    assert "Độc lập - Tự do - Hạnh phúc" in first_page
    assert "Số: /BC-VPĐPNTM" in first_page
    assert f"Thái Nguyên, ngày {today['day']} tháng {today['month']} năm {today['year']}" in first_page
    assert "BÁO CÁO Tiến độ xây dựng nông thôn mới Tỉnh Thái Nguyên đến ngày 31/12/2024" in first_page


def test_the_text_ends_with_the_signature_and_the_recipients_of_the_saved_letterhead(geography, letterhead):
    _reader, text = built(geography.province)
    closing = text[text.index("Nơi nhận:") :]

    for part in ("KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Nguyễn Văn An"):
        assert part in closing
    for recipient in ("- Văn phòng Điều phối NTM Trung ương;", "- Thường trực UBND tỉnh;", "- Lưu: VT, NV."):
        assert recipient in closing
    # The appendix follows the signature and refers to the report it is attached to.
    assert closing.index("Nguyễn Văn An") < closing.index("PHỤ LỤC")
    assert "Kèm theo Báo cáo số /BC-VPĐPNTM" in closing


def test_a_districts_report_is_issued_under_its_provinces_letterhead(geography, letterhead):
    _reader, text = built(geography.district_a)

    assert text.startswith("UBND TỈNH THÁI NGUYÊN VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")
    assert "PHÓ CHÁNH VĂN PHÒNG" in text and "Nguyễn Văn An" in text


def test_without_a_saved_letterhead_the_report_leaves_the_signers_name_blank(geography):
    _reader, text = built(geography.province)

    assert "Nơi nhận:" in text
    assert "CHÁNH VĂN PHÒNG" in text[text.index("Nơi nhận:") :]
    assert "- Lưu: VT" in text


def test_the_parts_are_numbered_and_the_bands_are_those_provinces_report(geography):
    _reader, text = built(geography.province)

    parts = [text.index(title) for title in ("I. KẾT QUẢ THỰC HIỆN", "II. ĐÁNH GIÁ CHUNG", "III. DỰ BÁO")]
    assert parts == sorted(parts)
    for band in ("19 tiêu chí", "15–18", "10–14", "5–9", "< 5"):
        assert band in text
    assert "Bình quân số tiêu chí đạt/xã" in text


def test_a_date_is_written_as_the_decree_writes_it():
    assert issue_date_parts(datetime.date(2026, 2, 5)) == {"day": "05", "month": "02", "year": "2026"}
    assert issue_date_parts(datetime.date(2026, 12, 17)) == {"day": "17", "month": "12", "year": "2026"}


def test_the_report_maps_the_communes_that_have_coordinates_and_counts_those_that_have_none(geography, letterhead):
    geography.commune_a1.latitude, geography.commune_a1.longitude = 21.9, 105.6
    geography.commune_a1.save(update_fields=["latitude", "longitude"])

    _reader, text = built(geography.province)

    assert "Bản đồ các xã theo mức đạt chuẩn NTM" in text
    assert "2 xã chưa có tọa độ nên không có trên bản đồ." in text
