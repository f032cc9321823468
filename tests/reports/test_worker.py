"""Report jobs through a real Celery worker on the configured broker (filesystem by default, Redis in CI's second
leg): built and downloaded, a worker killed mid-job, a child process killed mid-job, a rendering that fails, and the
beat schedule's tasks. The database is committed (transaction=True) so that the worker process sees the rows."""

import datetime
import io
import os
import signal
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from criteria.selectors import commune_progress_list, unit_progress_summary
from reports.choices import JobStatus
from reports.models import ReportJob
from reports.services import report_request, report_sweep_stale
from reports.tasks import report_monthly_task, report_sweep_task
from tests.conftest import LIVE_PROCESSES
from tests.reports.conftest import AS_OF, build_demo_province
from tests.reports.faulty_worker import RENDER_ERROR
from tests.workers import WorkerProcess

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]


@pytest.fixture
def demo_province(national_sets):
    """Committed for the worker process to read, so built by each test (and flushed after it)."""
    return build_demo_province()


@pytest.fixture
def start_worker(settings):
    """Start a worker of the test's own (killable, replaceable, faulty) and send report builds to its queue."""
    started: list[WorkerProcess] = []

    def start(**options) -> WorkerProcess:
        worker = WorkerProcess(**options)
        worker.start()
        started.append(worker)
        worker.wait_ready()
        settings.REPORTS_QUEUE = worker.queue
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(job: ReportJob, condition: Callable[[ReportJob], bool], workers=(), timeout: float = 120) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if condition(job):
            return job
        time.sleep(0.2)
    logs = "\n".join(worker.log_text()[-3000:] for worker in workers)
    raise AssertionError(f"job {job.pk} stuck at {job.status} {job.progress}% {job.stage!r} {job.error!r}\n{logs}")


def finished(job: ReportJob) -> bool:
    return job.status in (JobStatus.DONE, JobStatus.FAILED)


def report_files(media_root) -> list[Path]:
    return sorted(p for p in Path(media_root).rglob("*") if p.is_file())


def job_files(job) -> list[Path]:
    """The job's PDF and the .docx and .xlsx built beside it."""
    return sorted(Path(f.path) for f in (job.file, job.docx_file, job.xlsx_file))


def test_a_report_requested_in_the_browser_is_built_by_the_worker_and_downloaded(
    client, celery_worker_process, settings, demo_province, demo_criteria_set, demo_coordinator
):
    settings.REPORTS_QUEUE = celery_worker_process.queue
    settings.MEDIA_ROOT = celery_worker_process.media_root
    client.force_login(demo_coordinator)

    response = client.post(
        reverse("reports:job_request"), {"unit": demo_province.pk, "as_of": AS_OF.isoformat(), "language": "vi"}
    )
    job = ReportJob.objects.get()
    assert response.url == reverse("reports:job_detail", args=[job.pk])
    status_url = reverse("reports:job_status", args=[job.pk])
    seen = set()
    deadline = time.monotonic() + 120
    while (status := client.get(status_url).json())["status"] not in ("done", "failed"):
        seen.add(status["status"])
        assert time.monotonic() < deadline, celery_worker_process.log_text()[-3000:]
        time.sleep(0.2)
    assert status["status"] == "done", status["error"]
    assert status["progress"] == 100 and status["attempts"] == 1

    download = client.get(status["download_url"])
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    summary = unit_progress_summary(unit=demo_province, as_of=AS_OF, criteria_set=demo_criteria_set)
    assert "Tỉnh Thái Nguyên" in text and "Xã Phú Đình" in text
    assert all(c.name in text for c in commune_progress_list(unit=demo_province, as_of=AS_OF))
    assert f"{summary.communes_meeting_standard}/{summary.communes_total} xã" in text
    assert 5 <= len(reader.pages) == status["pages"] <= 15
    Path(ReportJob.objects.get().file.path).unlink()


def test_a_worker_killed_mid_job_is_replaced_and_the_job_completes_once_with_one_file(
    start_worker, demo_province, demo_coordinator, media_root
):
    slow = start_worker(app="tests.reports.faulty_worker", extra_env={"NTM_TEST_REPORT_FAULT": "slow-render:60"})
    job = report_request(user=demo_coordinator, unit=demo_province, as_of=AS_OF)
    job = wait_for(job, lambda j: j.status == JobStatus.RUNNING and j.progress >= 35, [slow])

    slow.kill()
    replacement = start_worker(queue=slow.queue)
    # The killed worker's message is gone (filesystem broker) or unacknowledged until the visibility timeout
    # (Redis): the sweep finds the dead builder and sends the job again.
    assert report_sweep_stale() == [job.pk]
    job = wait_for(job, finished, [replacement])

    assert job.status == JobStatus.DONE and job.attempts == 2 and job.progress == 100
    assert report_files(media_root) == job_files(job)
    assert replacement.log_text().count("Task reports.build") >= 1
    assert report_sweep_stale() == []  # nothing left behind


def test_a_child_process_killed_mid_job_puts_the_message_back_and_a_new_child_takes_the_job_over(
    start_worker, demo_province, demo_coordinator, media_root
):
    worker = start_worker(
        app="tests.reports.faulty_worker", pool="prefork", extra_env={"NTM_TEST_REPORT_FAULT": "slow-render:3"}
    )
    job = report_request(user=demo_coordinator, unit=demo_province, as_of=AS_OF)
    job = wait_for(job, lambda j: j.status == JobStatus.RUNNING and j.progress >= 35, [worker])

    child = int(job.runner.split(":")[1])
    os.kill(child, signal.SIGKILL)  # as the OOM killer would; the worker's main process lives on

    # No sweep: late acknowledgement + reject_on_worker_lost requeue the message, and the next child sees that the
    # builder's process is gone.
    job = wait_for(job, finished, [worker])
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert int(job.runner.split(":")[1]) != child
    assert report_files(media_root) == job_files(job)


def test_a_build_heartbeats_while_the_pdf_is_laid_out(start_worker, demo_province, demo_coordinator):
    # A layout that says nothing for long (here 6 s; minutes for a large province) must not look like a dead builder.
    worker = start_worker(
        app="tests.reports.faulty_worker",
        extra_env={"NTM_TEST_REPORT_FAULT": "slow-render:6", "NTM_REPORT_HEARTBEAT_SECONDS": "0.5"},
    )
    job = report_request(user=demo_coordinator, unit=demo_province, as_of=AS_OF)
    job = wait_for(job, lambda j: j.status == JobStatus.RUNNING and j.progress >= 35, [worker])
    first_beat = job.heartbeat_at

    job = wait_for(job, lambda j: j.heartbeat_at > first_beat + datetime.timedelta(seconds=2), [worker], timeout=10)

    assert job.status == JobStatus.RUNNING and job.progress == 35  # still laying out
    assert report_sweep_stale() == []
    assert wait_for(job, finished, [worker]).status == JobStatus.DONE


def test_a_build_the_database_interrupted_is_retried_by_its_task_and_finished_once(
    start_worker, demo_province, demo_coordinator, media_root
):
    worker = start_worker(app="tests.reports.faulty_worker", extra_env={"NTM_TEST_REPORT_FAULT": "database-lost-once"})
    job = report_request(user=demo_coordinator, unit=demo_province, as_of=AS_OF)

    job = wait_for(job, finished, [worker])

    assert job.status == JobStatus.DONE and job.attempts == 2, job.error
    assert report_files(media_root) == job_files(job)
    assert "Retry in 5s" in worker.log_text()


def test_a_rendering_that_fails_ends_the_job_failed_with_a_readable_error(
    client, start_worker, demo_province, demo_coordinator, media_root
):
    worker = start_worker(app="tests.reports.faulty_worker", extra_env={"NTM_TEST_REPORT_FAULT": "render-error"})
    job = report_request(user=demo_coordinator, unit=demo_province, as_of=AS_OF)

    job = wait_for(job, finished, [worker])

    expected = (
        "Không tạo được báo cáo: lỗi hệ thống ở bước “Dàn trang, tạo PDF”. Lỗi đã được ghi lại; hãy thử lại sau hoặc "
        "báo cho quản trị hệ thống."
    )
    assert job.status == JobStatus.FAILED and job.error == expected
    assert job.error_detail == f"{RENDER_ERROR} (ValueError)"  # for the admin, not the user
    assert job.attempts == 1  # a rendering error is not transient: no retry
    assert report_files(media_root) == []
    client.force_login(demo_coordinator)
    assert client.get(reverse("reports:job_status", args=[job.pk])).json()["error"] == expected
    assert expected in client.get(reverse("reports:job_detail", args=[job.pk])).content.decode()


def test_the_beat_tasks_run_in_a_worker_and_the_monthly_report_gets_built(start_worker, demo_province, media_root):
    worker = start_worker()

    assert worker.result(report_sweep_task.apply_async(queue=worker.queue)) == []
    (job_id,) = worker.result(report_monthly_task.apply_async(queue=worker.queue))

    job = wait_for(ReportJob.objects.get(pk=job_id), finished, [worker])
    assert job.status == JobStatus.DONE, job.error
    assert job.unit == demo_province and job.requested_by is None
    assert job.as_of == timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
