"""Report jobs: one job per identical request, one builder per job, a file whole or not at all, errors in words."""

import datetime
import os
import socket
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from ntm_portal.access import AccessDenied
from ntm_portal.choices import Role
from reports import services
from reports.choices import JobStatus
from reports.models import ReportJob
from reports.selectors import report_content
from reports.services import report_build, report_monthly_request, report_request, report_sweep_stale
from tests.communes.factories import ProvinceFactory
from tests.criteria.factories import CriteriaSetFactory
from tests.ntm_portal.factories import UserFactory
from tests.reports.conftest import AS_OF
from tests.reports.factories import ReportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria_set(geography):
    return CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)


def fake_render(pages: int = 3):
    """A stand-in for report_render that writes a small PDF-looking file: the lock and storage logic under test."""

    def render(*, target, progress, unit, as_of, criteria_set, **kwargs):
        progress(50, "Dàn trang, tạo PDF")
        Path(target).write_bytes(b"%PDF-1.7 fake report\n%%EOF\n")
        content = report_content(unit=unit, as_of=as_of, criteria_set=criteria_set)  # the .docx and .xlsx read it
        return services.RenderOutcome(pages=pages, communes=3, timings={"layout": 0.1}, content=content)

    return render


def running_job(**fields) -> ReportJob:
    return ReportJobFactory(status=JobStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1, **fields)


# --- requesting ---------------------------------------------------------------------------------------------------


def test_an_identical_request_still_running_reuses_the_job(
    province_coordinator, geography, criteria_set, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)
    ReportJob.objects.filter(pk=first.pk).update(status=JobStatus.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        second = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)

    assert second.pk == first.pk
    assert ReportJob.objects.count() == 1
    assert sent == [first.pk]  # one build task, not two


def test_a_request_differing_in_language_or_date_starts_its_own_job(province_coordinator, geography, criteria_set):
    first = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)
    english = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF, language="en")
    earlier = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF.replace(day=30))

    assert len({first.pk, english.pk, earlier.pk}) == 3


def test_a_request_after_the_same_report_was_built_starts_a_new_job(province_coordinator, geography, criteria_set):
    first = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)
    ReportJob.objects.filter(pk=first.pk).update(status=JobStatus.DONE)

    again = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)

    assert again.pk != first.pk  # the figures may have changed since: build again


def test_the_request_resolves_the_national_criteria_set_of_the_as_of_year(province_coordinator, geography):
    older = CriteriaSetFactory(period_start=2016, period_end=2020)
    current = CriteriaSetFactory(period_start=2021, period_end=2025)

    job = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)

    assert job.criteria_set == current != older
    assert job.status == JobStatus.QUEUED and job.requested_by == province_coordinator


def test_the_database_refuses_a_second_active_job_for_the_same_request(geography, criteria_set):
    ReportJobFactory(unit=geography.province, criteria_set=criteria_set)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReportJobFactory(unit=geography.province, criteria_set=criteria_set, status=JobStatus.RUNNING)


def test_a_user_cannot_request_the_report_of_another_province(province_coordinator, criteria_set):
    other = ProvinceFactory(name="Tỉnh Bắc Kạn")

    with pytest.raises(AccessDenied, match="Tỉnh Bắc Kạn"):
        report_request(user=province_coordinator, unit=other, as_of=AS_OF)


def test_a_district_officer_may_request_the_report_of_its_own_district(district_officer_a, geography, criteria_set):
    job = report_request(user=district_officer_a, unit=geography.district_a, as_of=AS_OF)

    assert job.unit == geography.district_a
    with pytest.raises(AccessDenied):
        report_request(user=district_officer_a, unit=geography.district_b, as_of=AS_OF)


def test_a_commune_is_not_the_scope_of_a_progress_report(province_coordinator, geography, criteria_set):
    with pytest.raises((AccessDenied, ValidationError)):
        report_request(user=province_coordinator, unit=geography.commune_a1, as_of=AS_OF)


def test_a_date_in_the_future_is_refused(province_coordinator, geography, criteria_set):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        report_request(user=province_coordinator, unit=geography.province, as_of=tomorrow)
    assert "as_of" in error.value.message_dict


def test_a_year_without_a_criteria_set_is_refused_with_a_message(province_coordinator, geography):
    with pytest.raises(ValidationError) as error:
        report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)
    assert "2024" in str(error.value.message_dict["criteria_set"])


def test_the_build_task_is_sent_only_once_the_request_commits(province_coordinator, geography, criteria_set):
    with mock.patch("reports.tasks.report_build_task.apply_async") as apply_async:
        apply_async.return_value.id = "task-1"
        with transaction.atomic():
            job = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)
            assert not apply_async.called
        # pytest-django's test transaction never commits: run what on_commit holds, as the commit would.
        for _savepoint, callback, _robust in transaction.get_connection().run_on_commit:
            callback()

    apply_async.assert_called_once_with(args=[job.pk], queue="celery")
    job.refresh_from_db()
    assert job.task_id == "task-1" and job.enqueued_at is not None


@pytest.mark.parametrize(
    "failure",
    [
        KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        KombuOperationalError("Timeout reading from socket"),
        # Celery's Redis result backend, when Redis is away (finding 4: a 500 although the job was stored).
        RuntimeError("Retry limit exceeded while trying to reconnect to the Celery redis result store backend."),
    ],
    ids=["refused", "silent", "result-backend"],
)
def test_a_broker_that_is_down_leaves_the_job_queued_for_the_sweep(
    province_coordinator, geography, criteria_set, failure, django_capture_on_commit_callbacks
):
    with (
        mock.patch("reports.tasks.report_build_task.apply_async", side_effect=failure) as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = report_request(user=province_coordinator, unit=geography.province, as_of=AS_OF)
        # Asked again at once: not sent again, not even tried (the broker failed moments ago).
        other = report_request(user=province_coordinator, unit=geography.district_a, as_of=AS_OF)

    assert apply_async.call_count == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.enqueued_at is None
    with mock.patch("reports.tasks.report_build_task.apply_async") as apply_async:
        assert set(report_sweep_stale()) == {job.pk, other.pk}  # never sent: the sweep sends them


# --- building: one builder per job --------------------------------------------------------------------------------


def test_it_builds_a_queued_job_into_one_whole_file(geography, criteria_set, monkeypatch, media_root):
    monkeypatch.setattr(services, "report_render", fake_render(pages=4))
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set)

    job = report_build(job.pk)

    assert job.status == JobStatus.DONE and job.progress == 100 and job.error == ""
    assert job.pages == 4 and job.attempts == 1 and job.finished_at is not None
    assert job.file.name == f"reports/{geography.province.code}/bao-cao-tien-do-19-20241231-{job.pk}.pdf"
    assert Path(job.file.path).read_bytes().startswith(b"%PDF")
    assert job.file_size == Path(job.file.path).stat().st_size
    assert "total" in job.timings
    # The PDF and the office files beside it (issue 18), no partial file left.
    stored = sorted(p.name for p in Path(media_root).rglob("*") if p.is_file())
    assert stored == sorted(Path(f.name).name for f in (job.file, job.docx_file, job.xlsx_file))


def test_a_job_being_built_by_a_live_process_is_not_built_again(geography, criteria_set, monkeypatch):
    render = mock.Mock(side_effect=fake_render())
    monkeypatch.setattr(services, "report_render", render)
    # The parent of this test process is alive: a builder on this machine that is still running.
    live_runner = f"{socket.gethostname()}:{os.getppid()}:abc"
    job = running_job(unit=geography.province, criteria_set=criteria_set, runner=live_runner)

    result = report_build(job.pk)

    assert not render.called
    assert result.status == JobStatus.RUNNING and result.runner == live_runner and result.attempts == 1


def test_a_job_being_built_on_another_machine_that_reported_lately_is_not_built_again(
    geography, criteria_set, monkeypatch
):
    render = mock.Mock(side_effect=fake_render())
    monkeypatch.setattr(services, "report_render", render)
    job = running_job(unit=geography.province, criteria_set=criteria_set, runner="worker-2.example:4242:abc")

    assert report_build(job.pk).status == JobStatus.RUNNING
    assert not render.called


def test_a_job_whose_builder_died_is_taken_over_and_built_once(geography, criteria_set, monkeypatch):
    monkeypatch.setattr(services, "report_render", fake_render())
    dead = os.fork()
    if dead == 0:  # the child: a builder that dies at once
        os._exit(0)
    os.waitpid(dead, 0)
    job = running_job(unit=geography.province, criteria_set=criteria_set, runner=f"{socket.gethostname()}:{dead}:x")

    job = report_build(job.pk)

    assert job.status == JobStatus.DONE and job.attempts == 2


def test_a_builder_silent_for_longer_than_the_time_limit_is_taken_for_dead(geography, criteria_set, monkeypatch):
    monkeypatch.setattr(services, "report_render", fake_render())
    job = running_job(unit=geography.province, criteria_set=criteria_set, runner="worker-2.example:4242:abc")
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))

    assert report_build(job.pk).status == JobStatus.DONE


def test_a_done_job_is_not_built_again(geography, criteria_set, monkeypatch):
    render = mock.Mock(side_effect=fake_render())
    monkeypatch.setattr(services, "report_render", render)
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set, status=JobStatus.DONE)

    assert report_build(job.pk).status == JobStatus.DONE
    assert not render.called


def test_a_builder_that_lost_its_claim_stops_without_touching_the_job(geography, criteria_set, monkeypatch):
    def render(*, target, progress, **kwargs):
        # Meanwhile the sweep judged this builder dead and another process claimed the job.
        ReportJob.objects.filter(pk=job.pk).update(runner="worker-2.example:1:other")
        progress(50, "Dàn trang, tạo PDF")

    monkeypatch.setattr(services, "report_render", render)
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set)

    result = report_build(job.pk)

    assert result.status == JobStatus.RUNNING and result.runner == "worker-2.example:1:other"


def test_a_job_past_its_attempts_fails_instead_of_going_round_again(geography, criteria_set, monkeypatch, settings):
    render = mock.Mock(side_effect=fake_render())
    monkeypatch.setattr(services, "report_render", render)
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set, attempts=settings.REPORTS_MAX_ATTEMPTS)

    job = report_build(job.pk)

    assert job.status == JobStatus.FAILED and not render.called
    assert f"{settings.REPORTS_MAX_ATTEMPTS} lần" in job.error


# --- building: whole file or none, errors in words ----------------------------------------------------------------


def test_a_render_that_breaks_half_way_leaves_no_file_and_a_readable_error(
    geography, criteria_set, monkeypatch, media_root
):
    def render(*, target, progress, **kwargs):
        progress(35, "Dàn trang, tạo PDF")
        Path(target).write_bytes(b"%PDF-1.7 half a repo")
        raise ValueError("Không đọc được tệp phông chữ")

    monkeypatch.setattr(services, "report_render", render)
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set)

    job = report_build(job.pk)

    assert job.status == JobStatus.FAILED and not job.file
    assert job.error == (
        "Không tạo được báo cáo: lỗi hệ thống ở bước “Dàn trang, tạo PDF”. Lỗi đã được ghi lại; hãy thử lại sau hoặc "
        "báo cho quản trị hệ thống."
    )
    assert job.error_detail == "Không đọc được tệp phông chữ (ValueError)"
    assert [p for p in Path(media_root).rglob("*") if p.is_file()] == []  # neither the half file nor a final one


def test_a_job_that_ran_out_of_time_says_so(geography, criteria_set, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    def render(*, target, progress, **kwargs):
        progress(35, "Dàn trang, tạo PDF")
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "report_render", render)
    job = report_build(ReportJobFactory(unit=geography.province, criteria_set=criteria_set).pk)

    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Không tạo được báo cáo: quá thời gian cho phép (540 giây) ở bước “Dàn trang, tạo PDF”")


def test_a_transient_error_puts_the_job_back_in_the_queue_for_the_tasks_retry(geography, criteria_set, monkeypatch):
    monkeypatch.setattr(services, "report_render", mock.Mock(side_effect=OperationalError("database is locked")))
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set)

    with pytest.raises(services.BuildInterrupted):
        report_build(job.pk, may_retry=True)

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.runner == "" and job.attempts == 1
    assert job.stage == "Lỗi tạm thời, sẽ thử lại"  # the driver's words stay in the log
    assert job.enqueued_at is not None and job.pk not in report_sweep_stale()  # the task's retry is on its way


def test_a_retry_takes_back_the_claim_its_interrupted_try_could_not_release(geography, criteria_set, monkeypatch):
    # The first try lost the database mid-build and could not put the job back: it is still "running" under the
    # claim of a process that lives on (this test's parent), with a fresh heartbeat.
    monkeypatch.setattr(services, "report_render", fake_render())
    claim = f"{socket.gethostname()}:{os.getppid()}:interrupted"
    job = running_job(unit=geography.province, criteria_set=criteria_set, runner=claim)

    assert report_build(job.pk).status == JobStatus.RUNNING  # anyone else leaves a live claim alone
    job = report_build(job.pk, resume=claim)

    assert job.status == JobStatus.DONE and job.attempts == 2


def test_a_transient_error_on_the_last_try_fails_the_job(geography, criteria_set, monkeypatch):
    monkeypatch.setattr(services, "report_render", mock.Mock(side_effect=OperationalError("database is locked")))
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set)

    job = report_build(job.pk, may_retry=False)

    assert job.status == JobStatus.FAILED and job.error.startswith("Không tạo được báo cáo: mất kết nối")
    assert "database is locked" in job.error_detail


# --- the sweep and the monthly report -----------------------------------------------------------------------------


def test_the_sweep_sends_again_a_running_job_whose_builder_died_and_leaves_a_live_one(
    geography, criteria_set, sent, django_capture_on_commit_callbacks
):
    dead = running_job(unit=geography.province, criteria_set=criteria_set, runner="worker-2.example:4242:abc")
    ReportJob.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    live = running_job(
        unit=geography.district_a, criteria_set=criteria_set, runner=f"{socket.gethostname()}:{os.getppid()}:abc"
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert report_sweep_stale() == [dead.pk]

    dead.refresh_from_db()
    live.refresh_from_db()
    assert dead.status == JobStatus.QUEUED and dead.runner == "" and sent == [dead.pk]
    assert live.status == JobStatus.RUNNING


def test_the_sweep_sends_again_a_job_queued_long_ago_and_not_a_fresh_one(geography, criteria_set, sent):
    lost = ReportJobFactory(
        unit=geography.province, criteria_set=criteria_set, enqueued_at=timezone.now() - datetime.timedelta(hours=2)
    )
    ReportJobFactory(unit=geography.district_a, criteria_set=criteria_set, enqueued_at=timezone.now())

    assert report_sweep_stale() == [lost.pk]


def test_lost_messages_and_silent_builders_are_sent_again_within_two_minutes(
    geography, criteria_set, settings, django_capture_on_commit_callbacks
):
    """Finding 5: a lost message waited 965 s, a build stopped by a database outage until the next sweep. With the
    settings as shipped, a sweep (every NTM_REPORT_SWEEP_SECONDS) finds each within two minutes of the loss."""
    sweep_every = settings.CELERY_BEAT_SCHEDULE["sweep-stale-report-jobs"]["schedule"]
    found_after = [settings.REPORTS_REQUEUE_AFTER_SECONDS, settings.REPORTS_STALE_AFTER_SECONDS]
    assert max(found_after) + sweep_every <= 120
    assert settings.REPORTS_HEARTBEAT_SECONDS * 3 <= settings.REPORTS_STALE_AFTER_SECONDS  # a live build beats often
    ago = lambda seconds: timezone.now() - datetime.timedelta(seconds=seconds)  # noqa: E731
    district_b = geography.district_b
    lost = ReportJobFactory(unit=geography.province, criteria_set=criteria_set, enqueued_at=ago(max(found_after) + 1))
    waiting = ReportJobFactory(unit=geography.district_a, criteria_set=criteria_set, enqueued_at=ago(10))
    silent = running_job(unit=district_b, criteria_set=criteria_set, runner="worker-2.example:4242:abc")
    ReportJob.objects.filter(pk=silent.pk).update(heartbeat_at=ago(settings.REPORTS_STALE_AFTER_SECONDS + 1))
    beating = running_job(unit=district_b, criteria_set=criteria_set, runner="worker-3.example:1:abc", language="en")
    ReportJob.objects.filter(pk=beating.pk).update(heartbeat_at=ago(settings.REPORTS_HEARTBEAT_SECONDS))

    with mock.patch("reports.tasks.report_build_task.apply_async") as apply_async:
        apply_async.return_value.id = "task"
        with django_capture_on_commit_callbacks(execute=True):
            resent = report_sweep_stale()

    assert sorted(resent) == sorted([lost.pk, silent.pk])
    assert sorted(call.kwargs["args"][0] for call in apply_async.call_args_list) == sorted(resent)
    assert {j.pk: j.status for j in ReportJob.objects.filter(pk__in=[waiting.pk, beating.pk])} == {
        waiting.pk: JobStatus.QUEUED,
        beating.pk: JobStatus.RUNNING,
    }


def test_the_sweep_removes_temporary_files_of_dead_builds(geography, criteria_set, sent, media_root):
    folder = Path(media_root) / "reports" / ".partial"
    folder.mkdir(parents=True)
    old, fresh = folder / "job-1-a.pdf.part", folder / "job-2-b.pdf.part"
    old.write_bytes(b"%PDF")
    fresh.write_bytes(b"%PDF")
    os.utime(old, (0, 0))

    report_sweep_stale()

    assert not old.exists() and fresh.exists()


def test_the_monthly_report_is_asked_for_each_configured_unit_as_of_the_end_of_last_month(geography, settings, sent):
    CriteriaSetFactory(period_start=2021, period_end=2025)
    settings.REPORTS_MONTHLY_UNITS = [geography.province.code, geography.district_b.code]

    jobs = report_monthly_request(today=datetime.date(2025, 3, 1))

    assert {(job.unit, job.as_of, job.requested_by) for job in jobs} == {
        (geography.province, datetime.date(2025, 2, 28), None),
        (geography.district_b, datetime.date(2025, 2, 28), None),
    }
    ReportJob.objects.update(status=JobStatus.DONE)
    assert report_monthly_request(today=datetime.date(2025, 3, 1)) == []  # beat firing twice builds nothing twice


def test_the_monthly_report_covers_every_province_when_no_unit_is_configured(geography, settings, sent):
    CriteriaSetFactory(period_start=2021, period_end=2025)
    settings.REPORTS_MONTHLY_UNITS = []

    jobs = report_monthly_request(today=datetime.date(2025, 3, 5))

    assert [job.unit for job in jobs] == [geography.province]


def test_a_district_officer_sees_its_own_districts_reports_but_not_the_provinces_or_another_districts(
    geography, criteria_set, district_officer_a, province_coordinator
):
    province_job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set)
    own_district_job = ReportJobFactory(unit=geography.district_a, criteria_set=criteria_set)
    other_district_job = ReportJobFactory(unit=geography.district_b, criteria_set=criteria_set)
    outsider = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=ProvinceFactory())

    # The province report lists every district's communes: it stays with the province.
    assert set(ReportJob.objects.visible_to(district_officer_a)) == {own_district_job}
    assert set(ReportJob.objects.visible_to(province_coordinator)) == {
        province_job,
        own_district_job,
        other_district_job,
    }
    assert list(ReportJob.objects.visible_to(outsider)) == []
