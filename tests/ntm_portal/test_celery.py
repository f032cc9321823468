import os

import pytest

from config.celery import app as celery_app
from ntm_portal.tasks import echo


def test_the_broker_is_the_one_the_environment_names():
    expected = os.environ.get("CELERY_BROKER_URL", "filesystem://")
    assert celery_app.conf.broker_url == expected
    assert celery_app.conf.task_always_eager is False


@pytest.mark.needs_server
@pytest.mark.slow
@pytest.mark.xdist_group("live_processes")  # tests/conftest.py LIVE_PROCESSES
def test_a_worker_process_executes_a_task_sent_through_the_broker(celery_worker_process):
    result = echo.apply_async(args=["Xin chào Định Hóa"], queue=celery_worker_process.queue)
    assert celery_worker_process.result(result) == "Xin chào Định Hóa"
    assert "ntm_portal.echo" in celery_worker_process.log_path.read_text()
