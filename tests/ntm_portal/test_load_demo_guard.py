"""load_demo only where asked (issue 17, finding 10): refused under the production settings and on a database that is
not a demo unless --force, and never resetting the password of an account that exists."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from communes.models import AdministrativeUnit
from demo.province import DEMO_PASSWORD, DEMO_USERNAMES
from ntm_portal.models import User
from tests.communes.factories import ProvinceFactory
from tests.ntm_portal.factories import UserFactory

pytestmark = pytest.mark.django_db

SIZE = "2"  # communes: the smallest demo, the guard does not depend on it


def load_demo(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", "--communes", SIZE, *args, stdout=out)
    return out.getvalue()


def test_on_an_empty_database_it_builds_the_demo_logins_with_the_demo_password(national_sets):
    out = load_demo()

    assert set(User.objects.values_list("username", flat=True)) == set(DEMO_USERNAMES)
    assert User.objects.get(username="admin").check_password(DEMO_PASSWORD)
    assert "vpdp_tinh" in out and DEMO_PASSWORD in out


def test_a_second_run_keeps_a_changed_password_and_says_so(national_sets):
    load_demo()
    admin, coordinator = User.objects.get(username="admin"), User.objects.get(username="vpdp_tinh")
    for user in (admin, coordinator):
        user.set_password("mat-khau-rieng-cua-toi")
        user.save()

    out = load_demo()  # what every `make run` and `make test` does

    for username in ("admin", "vpdp_tinh"):
        user = User.objects.get(username=username)
        assert user.check_password("mat-khau-rieng-cua-toi"), username
        assert not user.check_password(DEMO_PASSWORD), username
    assert "(không đổi)" in out


def test_a_database_with_other_users_is_refused_with_their_names(national_sets):
    UserFactory(username="nguyen_van_a")

    with pytest.raises(CommandError, match="nguyen_van_a") as refused:
        load_demo()

    assert refused.value.returncode == 1
    assert "--force" in str(refused.value)
    assert not AdministrativeUnit.objects.exists()
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()


def test_units_loaded_by_something_else_are_refused(national_sets):
    ProvinceFactory(code="20", name="Tỉnh Lạng Sơn")

    with pytest.raises(CommandError, match="không có tài khoản demo"):
        load_demo()

    assert not User.objects.exists()


@override_settings(SETTINGS_MODULE="config.settings.production")
def test_the_production_settings_are_refused(national_sets):
    with pytest.raises(CommandError, match="production"):
        load_demo()

    assert not User.objects.exists()


def test_force_loads_anyway_and_leaves_the_other_users_password_alone(national_sets):
    other = UserFactory(username="nguyen_van_a")
    UserFactory(username="vpdp_tinh")  # a real account under a demo name: not reset either

    load_demo("--force")

    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)
    assert User.objects.get(pk=other.pk).check_password("mat-khau-thu")
    assert User.objects.get(username="vpdp_tinh").check_password("mat-khau-thu")


def test_under_the_production_settings_manage_py_exits_with_1_and_the_message(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k" * 30 + "0123456789abcdefghij",
        "NTM_VAR_DIR": str(tmp_path),  # nothing of this checkout's own var/ is touched
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    manage = Path(settings.BASE_DIR) / "manage.py"

    done = subprocess.run(
        [sys.executable, str(manage), "load_demo", "--communes", SIZE],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert "Từ chối: đang chạy với cấu hình production" in done.stderr
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0
