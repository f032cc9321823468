import time

from django.core.management.base import BaseCommand, CommandError

from ntm_portal.demo import build_demo


class Command(BaseCommand):
    help = (
        "Build the demo province (Thái Nguyên, real commune names) with assessment history, secondments, sponsors, "
        "visits, support and one user per role. Idempotent: a second run only adds communes the first did not build."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--communes", type=int, default=60, help="number of rural communes (default 60; 700 for benchmarks)"
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed; the same seed builds the same province"
        )

    def handle(self, *args, communes: int, seed: int, **options):
        if not 1 <= communes <= 838:
            raise CommandError("--communes phải từ 1 đến 838 (số xã trong dữ liệu kèm theo).")
        started = time.perf_counter()
        try:
            result = build_demo(communes=communes, seed=seed)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        for line in result.lines():
            self.stdout.write(line)
        self.stdout.write(f"Thời gian: {time.perf_counter() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS("Tài khoản demo (tên đăng nhập / mật khẩu / vai trò):"))
        for username, password, role in result.users:
            self.stdout.write(f"  {username:<15} {password:<15} {role}")
