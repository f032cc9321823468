from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from criteria.services.reference import ReferenceDataError, criteria_reference_load


class Command(BaseCommand):
    help = (
        "Nạp các bộ tiêu chí quốc gia về xã nông thôn mới từ criteria/data/sets/. "
        "Chạy lại bao nhiêu lần cũng không tạo bản ghi trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir", type=Path, default=None, help="Thư mục chứa các tệp *.json (mặc định: dữ liệu kèm theo)."
        )

    def handle(self, *args, data_dir: Path | None, **options) -> None:
        try:
            result = criteria_reference_load(data_dir=data_dir)
        except ReferenceDataError as error:
            raise CommandError(
                _("Dữ liệu bộ tiêu chí không hợp lệ, chưa ghi gì: %(error)s") % {"error": error}
            ) from error
        rows = [
            (_("Bộ tiêu chí"), result.sets_created, result.sets_updated),
            (_("Tiêu chí"), result.criteria_created, result.criteria_updated),
            (_("Chỉ tiêu"), result.indicators_created, result.indicators_updated),
            (_("Mức chỉ tiêu theo vùng/nhóm"), result.targets_created, result.targets_updated),
        ]
        for label, created, updated in rows:
            self.stdout.write(
                _("%(label)s: %(created)d tạo mới, %(updated)d cập nhật")
                % {"label": label, "created": created, "updated": updated}
            )
