"""benchmark_report on the small demo province: the PDF, .docx and .xlsx it measured are left in --output, and its
last line is the JSON the CI reads."""

import io
import json

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds PDFs with WeasyPrint


def test_the_benchmark_leaves_the_pdf_it_measured_and_ends_with_one_json_line(demo_province, tmp_path):
    out = io.StringIO()

    call_command("benchmark_report", "--output", str(tmp_path), stdout=out)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert list(result) == ["cpu_s", "wall_s", "pages", "peak_mb", "naive_ratio", "docx_s", "xlsx_s"]
    assert result["cpu_s"] > 0 and result["naive_ratio"] > 0 and result["docx_s"] > 0 and result["xlsx_s"] > 0
    assert Document(tmp_path / "bao-cao.docx").tables and load_workbook(tmp_path / "bao-cao.xlsx").sheetnames
    pdf = tmp_path / "bao-cao-goi-gon.pdf"
    assert len(PdfReader(pdf).pages) == result["pages"]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in PdfReader(pdf).pages[0].extract_text()
    assert (tmp_path / "bao-cao-ngay-tho.pdf").stat().st_size > 0


def test_without_the_naive_layout_the_ratio_is_null(demo_province, tmp_path):
    out = io.StringIO()

    call_command("benchmark_report", "--output-dir", str(tmp_path), "--skip-naive", "--cold", stdout=out)

    assert json.loads(out.getvalue().strip().splitlines()[-1])["naive_ratio"] is None
    assert not (tmp_path / "bao-cao-ngay-tho.pdf").exists()
