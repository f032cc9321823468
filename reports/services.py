"""Report jobs: asking for a progress report, building its PDF exactly once, and recovering from lost workers.

Celery may deliver a build message twice (late acks, redelivery after a lost worker or connection) or lose it (a
worker killed on the embedded filesystem broker). So the job row, not the message, decides:
- `report_request` reuses an identical job that is still queued or running, and the database settles a race between
  two identical requests (a partial unique constraint);
- `report_build` claims the job under a row lock before working, and gives up if it is done, failed, or being built
  by a live process; it writes the PDF to a temporary file and moves it into place whole, then marks the job done;
- `report_sweep_stale` (beat, every half minute) sends again the jobs whose builder died or whose message was lost.

The broker never holds up a request: `report_request` stores the job, and if the build task cannot be sent at once
(Redis down or silent past its socket timeout), the job stays queued and the sweep sends it. A build interrupted by
the database going away is retried by its task, which takes its own claim back once the database answers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communes.models import AdministrativeUnit
from criteria.models import CriteriaSet
from criteria.selectors import default_criteria_set
from ntm_portal.access import AccessDenied
from ntm_portal.breaker import Breaker
from ntm_portal.choices import UnitLevel

from . import charts, pdf
from .choices import JobStatus, ReportLanguage
from .models import REPORT_FORMATS, ReportJob
from .selectors import ReportContent, report_content, report_units_for
from .spreadsheet import report_xlsx
from .word_document import report_docx

logger = logging.getLogger(__name__)

# Errors worth another try after a pause: the database or a connection was briefly away. Anything else (a bug, bad
# data, a rendering error) would fail again the same way, so the job fails at once with the error shown.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
PARTIAL_SUFFIX = ".part"  # after the file's own extension: "job-7-<token>.docx.part"
# After a failed send, this process sends no build task for a few seconds: the requests in between return at once
# instead of each waiting for the broker's timeouts (the sweep sends their jobs).
_broker = Breaker("The Celery broker (sending report builds)")


# --- requesting -----------------------------------------------------------------------------------------------------


def report_request(
    *,
    user,
    unit: AdministrativeUnit,
    as_of: date,
    criteria_set: CriteriaSet | None = None,
    language: str = ReportLanguage.VIETNAMESE,
) -> ReportJob:
    """Ask for the progress report of `unit` (a province or district) as it stood on `as_of`.

    `user` None is the system (the monthly beat schedule). Returns the queued job, or the identical job already
    queued or running. Raises AccessDenied outside the user's scope and ValidationError for a bad request; the build
    task is sent once the surrounding transaction commits.
    """
    if user is not None and not report_units_for(user).filter(pk=unit.pk).exists():
        raise AccessDenied(_("Bạn không có quyền yêu cầu báo cáo cho %(unit)s.") % {"unit": unit.name})
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.DISTRICT):
        raise ValidationError({"unit": _("Báo cáo tiến độ được lập cho một tỉnh hoặc một huyện.")})
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("Ngày tính số liệu không được sau hôm nay.")})
    if language not in ReportLanguage.values:
        raise ValidationError({"language": _("Ngôn ngữ không được hỗ trợ.")})
    criteria_set = criteria_set or default_criteria_set(year=as_of.year)
    if criteria_set is None:
        raise ValidationError(
            {"criteria_set": _("Chưa có bộ tiêu chí quốc gia cho năm %(year)s.") % {"year": as_of.year}}
        )
    if criteria_set.province_id and criteria_set.province_id not in (unit.pk, unit.province_id):
        raise ValidationError({"criteria_set": _("Bộ tiêu chí này là của tỉnh khác.")})

    identical = ReportJob.objects.active().filter(unit=unit, as_of=as_of, criteria_set=criteria_set, language=language)
    if existing := identical.first():
        return existing
    job = ReportJob(
        requested_by=user, unit=unit, as_of=as_of, criteria_set=criteria_set, language=language, stage=_("Đang chờ")
    )
    job.full_clean(validate_constraints=False)  # the constraint is the database's to enforce, race included
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        # An identical request won the race between our look-up and our insert: use its job.
        if existing := identical.first():
            return existing
        raise
    transaction.on_commit(partial(_enqueue, job.pk))
    return job


def report_monthly_request(*, today: date | None = None) -> list[ReportJob]:
    """The monthly report of each configured unit (settings.REPORTS_MONTHLY_UNITS, GSO codes; every province when
    empty), as of the last day of the previous month. A unit whose report for that date the system already built
    is skipped, so a beat firing twice builds nothing twice."""
    today = today or timezone.localdate()
    as_of = today.replace(day=1) - timedelta(days=1)
    units = AdministrativeUnit.objects.filter(valid_to__isnull=True).order_by("level", "code")
    codes = settings.REPORTS_MONTHLY_UNITS
    units = (
        units.filter(code__in=codes, level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT])
        if codes
        else units.filter(level=UnitLevel.PROVINCE)
    )
    language = settings.REPORTS_MONTHLY_LANGUAGE
    criteria_set = default_criteria_set(year=as_of.year)
    jobs = []
    for unit in units:
        built = ReportJob.objects.filter(
            unit=unit, as_of=as_of, criteria_set=criteria_set, language=language, requested_by__isnull=True
        ).filter(status__in=[JobStatus.DONE, JobStatus.QUEUED, JobStatus.RUNNING])
        if built.exists():
            continue
        try:
            jobs.append(report_request(user=None, unit=unit, as_of=as_of, language=language))
        except ValidationError as error:
            logger.warning("Monthly report for %s as of %s not requested: %s", unit, as_of, error)
    return jobs


def _enqueue(job_id: int) -> None:
    """Send the build task. If it cannot be sent (the broker down, or silent past its socket timeout), the job stays
    queued, never sent, and the next sweep sends it: the request that asked for it has its answer either way."""
    from .tasks import report_build_task  # noqa: PLC0415 - tasks import this module

    if _broker.is_open:
        logger.info("Report job %s: the broker failed moments ago; the sweep will send the build task", job_id)
        return
    try:
        result = report_build_task.apply_async(args=[job_id], queue=settings.REPORTS_QUEUE)
    except Exception as error:  # noqa: BLE001 - kombu's, redis', the result backend's RuntimeError: all mean "not sent"
        _broker.trip(error)
        logger.warning("Report job %s: the build task could not be sent; the sweep will send it", job_id, exc_info=True)
        return
    ReportJob.objects.filter(pk=job_id).update(task_id=result.id or "", enqueued_at=timezone.now())


# --- building -------------------------------------------------------------------------------------------------------


class _Laps:
    """Seconds between calls, by step name: `lap("layout")` records the time since the previous lap (or since
    creation)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock, 3)
        self._clock = now


@dataclass(frozen=True)
class RenderOutcome:
    pages: int
    communes: int
    timings: dict[str, float]
    content: ReportContent  # what the PDF shows: the .docx and .xlsx are written from the same reading


def report_render(
    *,
    unit: AdministrativeUnit,
    as_of: date,
    criteria_set: CriteriaSet,
    language: str,
    target: str | Path | BinaryIO,
    layout: pdf.Layout = "packed",
    progress: Callable[[int, str], None] | None = None,
) -> RenderOutcome:
    """Read the figures, draw the charts and write the report's PDF to `target`. No job involved: `report_build`
    and the benchmark command both call this. `progress(percent, stage)` is told where it stands."""
    step = progress or (lambda percent, stage: None)
    lap = _Laps()
    with translation.override(language):
        step(10, _("Đọc số liệu"))
        content = report_content(unit=unit, as_of=as_of, criteria_set=criteria_set)
        lap("queries")
        step(25, _("Vẽ biểu đồ"))
        # Not the districts' and the criteria's charts: in the official report their tables carry every figure, and
        # the two cost ~0.6 s at 700 communes (drawing, then WeasyPrint's drawing of their SVG).
        drawn = {
            "bands": charts.bands_chart(content.summary),
            "forecast": charts.forecast_chart(content.forecast.outlook),
            "secondments": charts.secondment_comparison_chart(content.secondment_results),
            "map": charts.communes_map(content.communes_map) if content.communes_map.points else "",
        }
        lap("charts")
        step(35, _("Dàn trang, tạo PDF"))
        html = pdf.report_html(
            content, charts=drawn, generated_at=timezone.localtime(), layout=layout, language=language
        )
        lap("html")

        def laid_out(pages: int) -> None:
            lap("layout")
            step(85, _("Ghi tệp PDF (%(pages)s trang)") % {"pages": pages})

        rendered = pdf.render_pdf(html, target, layout=layout, on_laid_out=laid_out)
        lap("write")
    return RenderOutcome(pages=rendered.pages, communes=len(content.communes), timings=lap.timings, content=content)


class _Superseded(Exception):
    """Another process took the job over (ours was thought dead): stop without touching the row."""


class BuildInterrupted(Exception):
    """A transient error (the database away) stopped the build: the task retries it. If the job could not be put back
    in the queue, it is still "running" under `runner`, which the retry passes back to `report_build` to resume."""

    def __init__(self, runner: str) -> None:
        super().__init__(runner)
        self.runner = runner


class _Heartbeat(threading.Thread):
    """Tells the job's row that its builder lives, every REPORTS_HEARTBEAT_SECONDS, also while the build is deep in a
    step that says nothing for minutes (WeasyPrint's layout of a large province). On a connection of its own (Django's
    are per thread), closed when the build ends."""

    def __init__(self, runner: _Runner) -> None:
        super().__init__(name=f"report-heartbeat-{runner.job.pk}", daemon=True)
        self.runner = runner
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.REPORTS_HEARTBEAT_SECONDS):
                try:
                    if not self.runner._mine().update(heartbeat_at=timezone.now()):
                        return  # finished, released or taken over: the build's own next step finds out
                except DatabaseError:
                    # The database is away: the build will find out too; beat again when it is back, on a new
                    # connection (this one is dead for good).
                    logger.warning("Report job %s: heartbeat not recorded", self.runner.job.pk, exc_info=True)
                    _drop_connection()
        finally:
            _drop_connection()

    def stop(self) -> None:
        self.stopped.set()


class _Runner:
    """This process's claim on a job: progress and heartbeat go through it, and only while the claim holds."""

    def __init__(self, job: ReportJob, token: str) -> None:
        self.job = job
        self.token = token
        self.stage = ""

    def _mine(self):
        return ReportJob.objects.filter(pk=self.job.pk, runner=self.token, status=JobStatus.RUNNING)

    def step(self, percent: int, stage: str) -> None:
        self.stage = stage
        if not self._mine().update(progress=percent, stage=stage, heartbeat_at=timezone.now()):
            raise _Superseded

    def finish(self, *, name: str, office_files: dict[str, str], pages: int, size: int, timings: dict) -> bool:
        """Done, with the PDF at `name` and the office files (FileField name → stored name) beside it."""
        with transaction.atomic():
            return bool(
                self._mine().update(
                    status=JobStatus.DONE,
                    file=name,
                    **office_files,
                    pages=pages,
                    file_size=size,
                    timings=timings,
                    progress=100,
                    stage="",
                    error="",
                    error_detail="",
                    finished_at=timezone.now(),
                )
            )

    def fail(self, message: str, *, detail: str) -> None:
        self._mine().update(status=JobStatus.FAILED, error=message, error_detail=detail, finished_at=timezone.now())

    def release(self) -> None:
        """Back to the queue for a retry after a transient error: the next delivery claims it again. Sent "now" as
        far as the sweep is concerned: the task's retry is on its way."""
        self._mine().update(
            status=JobStatus.QUEUED,
            runner="",
            progress=0,
            stage=_("Lỗi tạm thời, sẽ thử lại"),
            error="",
            enqueued_at=timezone.now(),
        )


def report_build(job_id: int, *, may_retry: bool = False, resume: str = "") -> ReportJob | None:
    """Build the job's PDF, unless it is done, failed, or another live process is building it.

    With `may_retry`, a transient error (the database or a connection briefly away) puts the job back in the queue
    when the database lets it, and raises BuildInterrupted for the caller (the Celery task) to retry later, passing
    its `runner` back as `resume`: a job still "running" under that claim is taken back at once instead of waiting to
    look abandoned. Otherwise, and for any other error, the job ends failed with a readable error. Returns the job as
    it ends, None when there is no such job.
    """
    token = _runner_token()
    job = _claim(job_id, token, resume=resume)
    if job is None:
        return ReportJob.objects.filter(pk=job_id).first()
    runner = _Runner(job, token)
    heartbeat = _Heartbeat(runner)
    heartbeat.start()
    started = time.perf_counter()
    with translation.override(job.language):
        try:
            _build_file(job, runner, started)
        except _Superseded:
            logger.warning("Report job %s: taken over by another process; this one stops", job.pk)
        except TRANSIENT_ERRORS as error:
            heartbeat.stop()  # silent from now on: if the job cannot be released, it soon looks abandoned
            if may_retry:
                logger.warning("Report job %s interrupted; its task will try again", job.pk, exc_info=True)
                _drop_connection()  # dead after the database went away: the release asks on a new one
                try:
                    runner.release()
                except DatabaseError:
                    logger.warning("Report job %s: still running under %s until its retry", job.pk, token)
                raise BuildInterrupted(token) from error
            logger.exception("Report job %s failed", job.pk)
            _drop_connection()
            runner.fail(_readable_error(error, runner.stage), detail=_detail(error))
        except Exception as error:  # noqa: BLE001 - any other failure ends the job, its reason shown to users
            logger.exception("Report job %s failed", job.pk)
            runner.fail(_readable_error(error, runner.stage), detail=_detail(error))
        finally:
            heartbeat.stop()
    job.refresh_from_db()
    return job


def _drop_connection() -> None:
    """Close this thread's database connection so that the next query opens a new one: after the database went away
    the old one is dead for good. Never inside a transaction (a test's own, say), which must keep its connection."""
    if not connection.in_atomic_block:
        with contextlib.suppress(DatabaseError):
            connection.close()


def _claim(job_id: int, token: str, *, resume: str = "") -> ReportJob | None:
    """Take the job for this process, under a row lock: None when there is nothing to do here. `resume`: the claim
    of an earlier try of this same task, which may be taken back whatever its heartbeat says."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            ReportJob.objects.select_for_update(of=("self",))  # the job row only, not its unit or criteria set
            .select_related("unit", "criteria_set")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        resuming = bool(resume) and job.status == JobStatus.RUNNING and job.runner == resume
        if job.status == JobStatus.RUNNING and not resuming and _runner_alive(job, now):
            logger.info("Report job %s is being built by %s; this delivery does nothing", job.pk, job.runner)
            return None
        if job.attempts >= settings.REPORTS_MAX_ATTEMPTS:
            job.status, job.finished_at = JobStatus.FAILED, now
            job.error = _(
                "Đã thử tạo báo cáo %(attempts)s lần mà không xong (tiến trình tạo báo cáo bị dừng hoặc quá thời "
                "gian). Hãy thử yêu cầu lại với phạm vi nhỏ hơn hoặc báo cho quản trị hệ thống."
            ) % {"attempts": job.attempts}
            job.save(update_fields=["status", "finished_at", "error"])
            return None
        # select_for_update is a no-op on SQLite, so the update also compares what was read: of two claimers that
        # read the same row, only the first to write gets a row back.
        claimed = ReportJob.objects.filter(
            pk=job.pk, status=job.status, runner=job.runner, attempts=job.attempts
        ).update(
            status=JobStatus.RUNNING,
            runner=token,
            attempts=F("attempts") + 1,
            progress=1,
            stage=_("Bắt đầu"),
            error="",
            error_detail="",
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
        )
        if not claimed:
            return None
    job.refresh_from_db()
    return job


def _build_file(job: ReportJob, runner: _Runner, started: float) -> None:
    """The PDF, then the .docx and .xlsx beside it (issue 18), each written to a partial file and moved into place
    whole; the job is done only once all three are in place."""
    storage = default_storage
    stem = f"bao-cao-tien-do-{job.unit.code}-{job.as_of:%Y%m%d}-{job.pk}"
    names = {kind: job.file.field.generate_filename(job, f"{stem}.{kind}") for kind in REPORT_FORMATS}
    partials = {kind: _partial_path(job, runner, kind) for kind in REPORT_FORMATS}
    try:
        outcome = report_render(
            unit=job.unit,
            as_of=job.as_of,
            criteria_set=job.criteria_set,
            language=job.language,
            target=partials["pdf"],
            progress=runner.step,
        )
        office_timings = _build_office_files(outcome.content, runner, docx=partials["docx"], xlsx=partials["xlsx"])
        runner.step(95, _("Lưu tệp"))
        size = partials["pdf"].stat().st_size
        for kind, name in names.items():
            _store_whole(storage, partials[kind], name)
    finally:
        for path in partials.values():
            path.unlink(missing_ok=True)
    timings = {**outcome.timings, **office_timings, "total": round(time.perf_counter() - started, 3)}
    finished = runner.finish(
        name=names["pdf"],
        office_files={"docx_file": names["docx"], "xlsx_file": names["xlsx"]},
        pages=outcome.pages,
        size=size,
        timings=timings,
    )
    if not finished:
        raise _Superseded


def _build_office_files(content: ReportContent, runner: _Runner, *, docx: Path, xlsx: Path) -> dict[str, float]:
    """The .docx and .xlsx of the job, from the figures the PDF was made of. Returns the seconds each step took."""
    lap = _Laps()
    with translation.override(runner.job.language):
        runner.step(88, _("Tạo tệp Word (.docx)"))
        report_docx(content, docx, generated_at=timezone.localtime())
        lap("docx")
        runner.step(92, _("Tạo tệp Excel (.xlsx)"))
        report_xlsx(content, xlsx)
        lap("xlsx")
    return lap.timings


def _partial_path(job: ReportJob, runner: _Runner, kind: str) -> Path:
    """The partial file of this build's file of `kind`: named after the job and the build, so that two builds of a
    job never write the same one."""
    return _partial_dir(default_storage) / f"job-{job.pk}-{runner.token.rsplit(':', 1)[-1]}.{kind}{PARTIAL_SUFFIX}"


def _partial_dir(storage) -> Path:
    """Where a report file is written before it is whole: beside its final place on a local disk, so that the move into
    place is a rename (atomic); elsewhere the system's temporary folder."""
    if isinstance(storage, FileSystemStorage):
        folder = Path(storage.path("reports")) / ".partial"
    else:
        folder = Path(settings.VAR_DIR) / "tmp-reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store_whole(storage, partial_path: Path, name: str) -> None:
    """Put the finished file at `name`, whole or not at all. The name is the job's own, so a build repeated after a
    crash replaces the file instead of adding a second one."""
    if isinstance(storage, FileSystemStorage):
        final = Path(storage.path(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial_path, final)
        return
    # Object storages write an upload whole or not at all; delete first so the name is not changed to a new one.
    if storage.exists(name):
        storage.delete(name)
    with partial_path.open("rb") as handle:
        storage.save(name, File(handle))


def _readable_error(error: Exception, stage: str) -> str:
    """What the user is told: the kind of failure and what to do, in their words. Never the exception's text, which
    can name server paths, hosts or SQL: that goes to the log and to `error_detail`, shown in the admin only."""
    stage = stage or _("Bắt đầu")
    if isinstance(error, SoftTimeLimitExceeded):
        return _(
            "Không tạo được báo cáo: quá thời gian cho phép (%(seconds)s giây) ở bước “%(stage)s”. Hãy thử yêu cầu "
            "báo cáo cho phạm vi nhỏ hơn (một huyện)."
        ) % {"seconds": settings.CELERY_TASK_SOFT_TIME_LIMIT, "stage": stage}
    if isinstance(error, TRANSIENT_ERRORS):
        return _(
            "Không tạo được báo cáo: mất kết nối tới cơ sở dữ liệu ở bước “%(stage)s”. Hãy thử lại sau ít phút."
        ) % {"stage": stage}
    if isinstance(error, ValidationError | DataError | IntegrityError | ObjectDoesNotExist):
        return _(
            "Không tạo được báo cáo: lỗi dữ liệu ở bước “%(stage)s”. Hãy báo cho quản trị hệ thống để kiểm tra số "
            "liệu của đơn vị."
        ) % {"stage": stage}
    if isinstance(error, OSError):
        return _(
            "Không tạo được báo cáo: máy chủ không ghi được tệp báo cáo (bước “%(stage)s”). Hãy thử lại sau hoặc báo "
            "cho quản trị hệ thống."
        ) % {"stage": stage}
    return _(
        "Không tạo được báo cáo: lỗi hệ thống ở bước “%(stage)s”. Lỗi đã được ghi lại; hãy thử lại sau hoặc báo cho "
        "quản trị hệ thống."
    ) % {"stage": stage}


def _detail(error: Exception) -> str:
    text = str(error).strip()
    return f"{text} ({type(error).__name__})" if text else type(error).__name__


# --- liveness and the sweep -----------------------------------------------------------------------------------------


def _runner_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process nobody has reaped yet is a zombie: dead for our purpose
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _runner_alive(job: ReportJob, now: datetime) -> bool:
    """Is the process that claimed the job still building it? No heartbeat for REPORTS_STALE_AFTER_SECONDS (several
    missed beats: the builder died, or lost the database and gave up) means no; on this same machine a vanished
    process id also means no, without waiting that long."""
    stale_after = timedelta(seconds=settings.REPORTS_STALE_AFTER_SECONDS)
    if job.heartbeat_at is None or now - job.heartbeat_at > stale_after:
        return False
    host, _sep, rest = job.runner.partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        return pid != os.getpid() and _pid_alive(pid)
    return True


def report_sweep_stale(*, now: datetime | None = None) -> list[int]:
    """Send again the jobs that would otherwise wait forever: running with a dead builder, or queued and not claimed
    by any worker REPORTS_REQUEUE_AFTER_SECONDS after they were sent (a message lost with its broker or worker), or
    never sent at all (the broker was away when they were asked for). A job sent twice is built once (`_claim`).
    Returns the ids sent again."""
    now = now or timezone.now()
    resend = []
    for job in ReportJob.objects.filter(status=JobStatus.RUNNING).only("pk", "runner", "heartbeat_at"):
        if _runner_alive(job, now):
            continue
        with transaction.atomic():
            # Requeue only if nobody moved the job on since we looked (the same runner still holds it).
            requeued = ReportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, runner=job.runner).update(
                status=JobStatus.QUEUED,
                runner="",
                progress=0,
                stage=_("Gửi lại: tiến trình tạo báo cáo trước đã dừng giữa chừng"),
            )
        if requeued:
            logger.warning("Report job %s: its builder %s is gone; sending it again", job.pk, job.runner)
            resend.append(job.pk)
    requeue_after = timedelta(seconds=settings.REPORTS_REQUEUE_AFTER_SECONDS)
    lost = ReportJob.objects.filter(status=JobStatus.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - requeue_after)
    )
    resend.extend(pk for pk in lost.values_list("pk", flat=True) if pk not in resend)
    for pk in resend:
        transaction.on_commit(partial(_enqueue, pk))
    _remove_partial_files(older_than=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60))
    return resend


def _remove_partial_files(*, older_than: datetime) -> None:
    """Temporary files of builds that died mid-way; a live build's file is younger than its hard time limit."""
    folder = _partial_dir(default_storage)
    for path in folder.glob(f"*{PARTIAL_SUFFIX}"):
        try:
            if path.stat().st_mtime < older_than.timestamp():
                path.unlink()
        except FileNotFoundError:
            continue
