"""The deployment files name things that exist, and production settings are safe."""

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.conf import settings
from django.core.management import get_commands

BASE_DIR = Path(settings.BASE_DIR)
APP_SERVICES = {"web", "worker", "beat"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def words(command) -> list[str]:
    return command if isinstance(command, list) else shlex.split(command)


def test_compose_has_every_service_with_a_healthcheck(compose):
    assert set(compose["services"]) == APP_SERVICES | {"db", "redis"}
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_app_services_use_production_settings_that_exist_and_share_the_media_volume(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        module = service["environment"]["DJANGO_SETTINGS_MODULE"]
        assert importlib.util.find_spec(module), f"{name}: no settings module {module}"
        assert "media:/app/media" in service["volumes"]
    assert "media" in compose["volumes"]


def test_gunicorn_commands_name_a_wsgi_application_that_exists(compose):
    dockerfile_cmd = re.search(r"^CMD (\[.*\])$", (BASE_DIR / "Dockerfile").read_text(), re.M).group(1)
    commands = [compose["services"]["web"]["command"], " ".join(yaml.safe_load(dockerfile_cmd))]
    for command in commands:
        target = re.search(r"gunicorn (\S+)", command).group(1)
        module, _, attribute = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attribute))


def test_celery_commands_name_a_celery_app_that_exists(compose):
    for name in ("worker", "beat"):
        argv = words(compose["services"][name]["command"])
        app_path = argv[argv.index("-A") + 1]
        app = importlib.import_module(app_path).celery_app
        assert isinstance(app, Celery)
        assert argv[argv.index("-A") + 2] == name


def test_management_commands_run_by_the_web_service_exist(compose):
    command = compose["services"]["web"]["command"]
    for name in re.findall(r"manage\.py (\w+)", command):
        assert name in get_commands(), f"no management command {name}"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_deploy_check_with_production_settings_warns_only_of_what_the_readme_explains():
    result = run_manage(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k7#Qm2!vX9pL0zR4tY8uW1eN6cB3aD5fG-hJ_sT+oI3uY7tR2eW9qA1sD4fG6hJ8kL",
    )
    assert result.returncode == 0, result.stderr
    warnings = set(re.findall(r"\(security\.(W\d+)\)", result.stderr + result.stdout))
    # HSTS preload is a one-way commitment of the whole domain: off by default, explained in the README.
    assert warnings <= {"W021"}
    readme = (BASE_DIR / "README.md").read_text()
    for code in warnings:
        assert f"security.{code}" in readme
