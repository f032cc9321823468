import time

from django.core.management.base import BaseCommand, CommandError

from demo import national as national_demo
from demo.province import build_demo, demo_refusal


class Command(BaseCommand):
    help = (
        "Build the demo province (Thái Nguyên, real commune names) with assessment history, secondments, sponsors, "
        "visits, support and one user per role. Idempotent: a second run only adds communes the first did not build. "
        "With --national: the old 3-level country instead (63 provinces, about 8,000 communes, 2011–2025), in bulk, "
        "for benchmarks; refused when the country is already built. Refused too, unless --force, under the production "
        "settings and on a database that is not a demo (users it did not create, or units without its logins). An "
        "existing account's password is never changed: only accounts it creates get the demo password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--communes", type=int, default=60, help="number of rural communes (default 60; 700 for benchmarks)"
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed; the same seed builds the same province"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="load even under the production settings or on a database that is not a demo",
        )
        national = parser.add_argument_group("--national: the whole country (generated names)")
        national.add_argument("--national", action="store_true", help="build the country, not the demo province")
        national.add_argument("--provinces", type=int, default=national_demo.PROVINCES, help="default 63")
        national.add_argument(
            "--districts-per-province", type=int, default=national_demo.DISTRICTS_PER_PROVINCE, help="default 11"
        )
        national.add_argument(
            "--communes-per-province",
            type=int,
            default=national_demo.COMMUNES_PER_PROVINCE,
            help="default 127 (8,001 communes in 63 provinces)",
        )

    def handle(self, *args, communes: int, seed: int, national: bool, force: bool, **options):
        refusal = None if force else demo_refusal()
        if refusal:
            raise CommandError(refusal)
        if national:
            return self._national(seed=seed, **options)
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
        self._logins(result.users)

    def _national(self, *, seed: int, provinces: int, districts_per_province: int, communes_per_province: int, **_):
        if not 1 <= provinces <= 99:
            raise CommandError("--provinces phải từ 1 đến 99 (mã tỉnh có 2 chữ số).")
        started = time.perf_counter()
        try:
            result = national_demo.build_national(
                provinces=provinces,
                districts_per_province=districts_per_province,
                communes_per_province=communes_per_province,
                seed=seed,
            )
        except (RuntimeError, ValueError) as error:  # NationalDataExists is a RuntimeError
            raise CommandError(str(error)) from error
        for line in result.lines():
            self.stdout.write(line)
        self.stdout.write(f"Thời gian: {time.perf_counter() - started:.1f} s")
        self._logins(result.users)

    def _logins(self, users: list[tuple[str, str, str]]) -> None:
        self.stdout.write(self.style.SUCCESS("Tài khoản demo (tên đăng nhập / mật khẩu / vai trò):"))
        for username, password, role in users:
            self.stdout.write(f"  {username:<15} {password:<15} {role}")
