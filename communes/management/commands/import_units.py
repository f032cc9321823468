import argparse
import time
from datetime import date
from pathlib import Path

import vietnam_provinces
from django.core.management.base import BaseCommand, CommandError

from communes.services import UnitImportError, units_import, units_load_json


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {value!r} (cần dạng YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Nhập danh mục đơn vị hành chính (tỉnh, huyện, xã) từ tệp JSON lồng nhau của gói vietnam-provinces. "
        "Không có PATH: nhập bản hiện hành của gói đã cài (2 cấp, từ 01/07/2025)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="tệp JSON 2 cấp (tỉnh → xã) hoặc 3 cấp (tỉnh → huyện → xã); mặc định: dữ liệu của gói đã cài",
        )
        parser.add_argument(
            "--valid-from",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="ngày bắt đầu hiệu lực của các đơn vị (YYYY-MM-DD); mặc định 2025-07-01 cho dữ liệu 2 cấp",
        )
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            metavar="CODE",
            help="chỉ nhập tỉnh có mã này (lặp lại để chọn nhiều tỉnh)",
        )

    def handle(self, *args, path: Path | None, valid_from: date | None, provinces: list[str] | None, **options):
        if path is None:
            path = vietnam_provinces.NESTED_DIVISIONS_JSON_PATH
            source = f"gói vietnam-provinces {vietnam_provinces.__version__}"
        else:
            source = str(path)
        started = time.monotonic()
        try:
            result = units_import(data=units_load_json(path), valid_from=valid_from, province_codes=provinces)
        except UnitImportError as error:
            raise CommandError(f"Không nhập được đơn vị hành chính: {error}. Chưa ghi gì vào cơ sở dữ liệu.") from error
        elapsed = time.monotonic() - started
        starts = f"hiệu lực từ {result.valid_from:%d/%m/%Y}" if result.valid_from else "không ghi ngày hiệu lực"
        self.stdout.write(f"Đã nhập từ {source} ({result.levels} cấp, {starts}) trong {elapsed:.2f} giây.")
        self.stdout.write(str(result))
