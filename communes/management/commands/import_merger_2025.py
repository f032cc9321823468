import time

from django.core.management.base import BaseCommand, CommandError

from communes.services import MergerDataError, merger_2025_import


class Command(BaseCommand):
    help = (
        "Nhập việc sắp xếp đơn vị hành chính ngày 01/07/2025 từ bảng chuyển đổi chính thức (gói vietnamadminunits): "
        "đóng các đơn vị cũ ngày 30/06/2025, tạo hoặc cập nhật tỉnh và xã mới, nối mỗi xã mới với các xã cũ hợp thành."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            metavar="CODE",
            help="chỉ các đơn vị của tỉnh cũ có mã này (mã TCTK trước 01/07/2025; lặp lại để chọn nhiều tỉnh)",
        )
        parser.add_argument(
            "--only-present",
            action="store_true",
            help="chỉ các đơn vị cũ đã có trong cơ sở dữ liệu (không tạo đơn vị cũ còn thiếu)",
        )
        parser.add_argument("--dry-run", action="store_true", help="tính và in kết quả, không ghi gì")

    def handle(self, *args, provinces: list[str] | None, only_present: bool, dry_run: bool, **options):
        started = time.monotonic()
        try:
            result = merger_2025_import(province_codes=provinces, only_present=only_present, dry_run=dry_run)
        except MergerDataError as error:
            raise CommandError(f"Không nhập được việc sắp xếp: {error}. Chưa ghi gì vào cơ sở dữ liệu.") from error
        elapsed = time.monotonic() - started
        write = self.stdout.write
        write(f"{'Thử (không ghi): ' if dry_run else ''}Sắp xếp đơn vị hành chính 01/07/2025, {elapsed:.2f} giây.")
        write(
            f"Xã mới nối với xã cũ: {result.new_communes_linked}, trong đó {result.formed_by_merging} hợp nhất từ "
            f"2 đơn vị trở lên, {result.unchanged} giữ nguyên (1 → 1); "
            f"{result.with_whole_predecessors} xã mới nhận {result.whole_predecessors} đơn vị cũ nhập nguyên, "
            f"{result.divided_predecessors} đơn vị cũ bị chia cho nhiều xã mới."
        )
        write(
            f"Ghi: {result.old_units_created} đơn vị cũ tạo mới, {result.old_units_closed} đơn vị cũ đóng ngày "
            f"30/06/2025, {result.provinces_created} tỉnh mới, {result.communes_created} xã mới, "
            f"{result.links_created} liên kết mới, {result.links_updated} liên kết sửa, "
            f"{result.coordinates_stored} đơn vị ghi tọa độ."
        )
        if result.provinces_continued:
            write(f"Tỉnh giữ nguyên (tiếp tục bản ghi cũ): {', '.join(result.provinces_continued)}.")
        if result.name_matches:
            write(f"Xã mới khớp theo tỉnh và tên vì mã khác ({len(result.name_matches)}):")
            for match in result.name_matches:
                write(f"  {match}")
        if result.not_in_conversion:
            write(
                self.style.WARNING(
                    f"Xã cũ còn hiệu lực không có trong bảng chuyển đổi, giữ nguyên ({len(result.not_in_conversion)}): "
                    + ", ".join(result.not_in_conversion)
                )
            )
        if not result.changed:
            write("Không có gì thay đổi: cơ sở dữ liệu đã khớp với bảng chuyển đổi.")
