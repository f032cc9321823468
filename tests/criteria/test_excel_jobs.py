"""Large Excel uploads become a Celery job: bounded and stored at once, imported all or nothing by a worker, followed
on a progress page (browser) or at a job URL (API, 202). Small uploads stay synchronous."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from criteria.choices import ImportStatus
from criteria.models import AssessmentRound, ExcelImportJob
from criteria.services import excel_jobs
from criteria.services.excel import ExcelImportError
from criteria.services.excel_jobs import excel_import_request, excel_import_run, excel_import_sweep
from criteria.tasks import excel_import_task
from tests.criteria import test_excel
from tests.criteria.test_excel import A1, A2, XLSX, database_state, fill
from tests.criteria.test_excel_limits import bomb_chunks, workbook_with_sheet

pytestmark = pytest.mark.django_db
office, sets = test_excel.office, test_excel.sets  # the fixtures: a province in 2022 and its filled template


@pytest.fixture(autouse=True)
def large_above_one_kb(settings, tmp_path):
    """Every template of these tests (about 12 KB) counts as large; stored files go to a folder of the test's own."""
    settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES = 1024
    settings.MEDIA_ROOT = tmp_path / "media"


def xlsx(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("danh-gia.xlsx", data, content_type=XLSX)


def files_in(folder) -> list[Path]:
    return sorted(path for path in Path(folder).rglob("*") if path.is_file())


def queued(user, data: bytes, capture) -> ExcelImportJob:
    """The job of an upload, with the task it would send captured, not sent."""
    with capture(execute=False) as callbacks:
        job = excel_import_request(user=user, file=xlsx(data))
    assert len(callbacks) == 1
    return job


# --- the service --------------------------------------------------------------------------------------------------


def test_a_large_upload_is_imported_all_at_once_by_the_job_and_its_file_removed(
    office, province_coordinator, settings, django_capture_on_commit_callbacks
):
    job = queued(province_coordinator, office.good, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.QUEUED and files_in(settings.MEDIA_ROOT) != []
    assert not AssessmentRound.objects.filter(commune__code=A2).exists()

    job = excel_import_run(job.pk)

    assert job.status == ImportStatus.DONE and job.progress == 100
    assert job.report == {
        "rounds_created": 1,
        "rounds_changed": 1,
        "values_changed": 3,
        "communes": ["Xã Phú Đình", "Xã Sơn Phú"],
    }  # noqa: E501
    assert AssessmentRound.objects.filter(commune__code=A2, year=2022).exists()
    assert files_in(settings.MEDIA_ROOT) == []


def test_a_job_whose_file_has_a_bad_cell_lists_it_and_writes_nothing(
    office, province_coordinator, django_capture_on_commit_callbacks
):
    spoiled = fill(office.good, {(A1, "TC5"): "có lẽ"})
    before = database_state()
    job = queued(province_coordinator, spoiled, django_capture_on_commit_callbacks)

    job = excel_import_run(job.pk)

    assert job.status == ImportStatus.REFUSED and job.report is None
    assert [(e["row"], e["reason"]) for e in job.errors] == [(2, "“có lẽ” không phải là Đạt hoặc Chưa đạt.")]
    assert database_state() == before


def test_a_finished_job_delivered_again_is_left_alone(office, province_coordinator, django_capture_on_commit_callbacks):
    job = excel_import_run(queued(province_coordinator, office.good, django_capture_on_commit_callbacks).pk)
    state = database_state()

    again = excel_import_run(job.pk)

    assert again.status == ImportStatus.DONE and again.finished_at == job.finished_at
    assert database_state() == state


def test_a_bomb_is_refused_at_the_upload_and_never_queued(office, province_coordinator, settings):
    with pytest.raises(ExcelImportError, match="vượt giới hạn 50 MB"):
        excel_import_request(user=province_coordinator, file=xlsx(workbook_with_sheet(bomb_chunks(60))))

    assert not ExcelImportJob.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []


def test_a_job_whose_task_cannot_be_sent_fails_at_once_saying_so(
    office, province_coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(excel_import_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = excel_import_request(user=province_coordinator, file=xlsx(office.good))

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.stage == "Máy chủ chưa nhận được tệp để xử lý: chưa ghi gì. Hãy tải lên lại sau ít phút."


def test_progress_rises_to_the_writing_of_each_commune(
    office, province_coordinator, django_capture_on_commit_callbacks
):
    job = queued(province_coordinator, office.good, django_capture_on_commit_callbacks)
    seen = []
    record = excel_jobs._record_progress
    excel_jobs._record_progress = lambda job_id, percent, stage: (
        seen.append((percent, stage)),
        record(job_id, percent, stage),
    )  # noqa: E501
    try:
        excel_import_run(job.pk)
    finally:
        excel_jobs._record_progress = record

    assert [percent for percent, _stage in seen] == sorted(percent for percent, _stage in seen)
    assert "Đang ghi số liệu: 1/2 xã" in [stage for _percent, stage in seen]


# --- the browser --------------------------------------------------------------------------------------------------


def test_a_large_upload_in_the_browser_leads_to_its_progress_page_then_its_result(
    client, office, province_coordinator, django_capture_on_commit_callbacks
):
    client.force_login(province_coordinator)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("criteria:excel"), {"file": xlsx(office.good)})
    job = ExcelImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("criteria:excel_job", args=[job.pk])

    waiting = client.get(response["Location"])
    status = client.get(reverse("criteria:excel_job_status", args=[job.pk])).json()
    excel_import_run(job.pk)
    done = client.get(response["Location"])

    assert "Đang chờ" in waiting.content.decode() and 'data-status="queued"' in waiting.content.decode()
    assert status["status"] == "queued" and status["progress"] == 0
    assert "Đã nhập số liệu: 1 kỳ đánh giá mới, 1 kỳ được cập nhật, 3 giá trị thay đổi." in done.content.decode()


def test_a_job_is_seen_only_by_who_uploaded_it(
    client, office, province_coordinator, commune_official_a1, django_capture_on_commit_callbacks
):
    job = queued(province_coordinator, office.good, django_capture_on_commit_callbacks)
    client.force_login(commune_official_a1)

    assert client.get(reverse("criteria:excel_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("criteria:excel_job_status", args=[job.pk])).status_code == 404


def test_a_small_upload_stays_synchronous(client, office, province_coordinator, settings):
    settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES = len(office.good)
    client.force_login(province_coordinator)

    response = client.post(reverse("criteria:excel"), {"file": xlsx(office.good)}, follow=True)

    assert "Đã nhập số liệu: 1 kỳ đánh giá mới" in response.content.decode()
    assert not ExcelImportJob.objects.exists()


# --- jobs that would wait forever ---------------------------------------------------------------------------------


def test_the_sweep_sends_again_a_job_whose_message_was_lost(
    office, province_coordinator, settings, django_capture_on_commit_callbacks
):
    job = queued(province_coordinator, office.good, django_capture_on_commit_callbacks)  # its message never sent
    ExcelImportJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    assert excel_import_sweep() == []  # sent a moment ago: a worker may still be on its way

    later = timezone.now() + datetime.timedelta(seconds=settings.REPORTS_REQUEUE_AFTER_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resent = excel_import_sweep(now=later)

    assert resent == [job.pk] and len(callbacks) == 1


def test_the_sweep_fails_a_job_whose_worker_died_and_removes_its_file(
    office, province_coordinator, settings, django_capture_on_commit_callbacks
):
    job = queued(province_coordinator, office.good, django_capture_on_commit_callbacks)
    started = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    ExcelImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=started)

    excel_import_sweep()

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.stage.startswith("Máy xử lý đã dừng giữa chừng: chưa ghi gì.")
    assert files_in(settings.MEDIA_ROOT) == []
    assert excel_import_run(job.pk).status == ImportStatus.FAILED  # its message, delivered again, does nothing
