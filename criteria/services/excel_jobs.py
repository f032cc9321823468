"""Large Excel uploads, imported by a Celery worker while the user watches a progress page.

An upload above settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES would hold a web worker for minutes (714 communes: several),
so it becomes a job: bounded first like any upload (a bomb is refused at once, never queued), stored whole
(ntm_portal.files), then imported by `excel_import_run` with the same all-or-nothing service as a small file. The
job's row says how far it got and, once finished, what changed or every problem found; the stored file is removed.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ntm_portal import files
from ntm_portal.access import AccessDenied

from ..choices import ImportStatus
from ..models import ExcelImportJob
from ..permissions import require_may_import
from .excel import CellError, ExcelImportError, cell_error_dicts, rounds_import_xlsx, upload_checked
from .transitions import WorkflowError

logger = logging.getLogger(__name__)


def excel_import_request(*, user, file, year: int | None = None) -> ExcelImportJob:
    """Queue the import of a large upload. Raises AccessDenied before reading it when the user may enter no values,
    and ExcelImportError when it is beyond the limits or cannot be stored; nothing is queued then."""
    require_may_import(user)
    data = upload_checked(file)
    file_name = (getattr(file, "name", "") or "tep.xlsx")[:255]
    file_field = ExcelImportJob._meta.get_field("file")
    try:
        name = file_field.generate_filename(None, file_name)
        stored = files.write_into_place(file_field.storage, name, ContentFile(data), max_length=file_field.max_length)
    except OSError as error:
        logger.error("Excel upload %r not stored", file_name, exc_info=True)
        reason = _("Không lưu được tệp “%(name)s”: %(reason)s Chưa có gì được ghi; hãy thử lại sau.")
        reason %= {"name": file_name, "reason": files.not_saved_reason(error)}
        raise ExcelImportError([CellError(0, "", reason)]) from error
    try:
        with transaction.atomic():
            job = ExcelImportJob.objects.create(
                requested_by=user, file=stored, file_name=file_name, year=year, stage=_("Đang chờ máy xử lý")
            )
            transaction.on_commit(partial(_enqueue, job.pk))
    except BaseException:
        files.discard(file_field.storage, stored)
        raise
    return job


def _enqueue(job_id: int) -> None:
    """Send the task; a job whose task cannot be sent fails at once, with a message, rather than wait for nothing."""
    from ..tasks import excel_import_task  # noqa: PLC0415 - the tasks import this module

    try:
        result = excel_import_task.apply_async(args=[job_id], queue=settings.EXCEL_IMPORT_QUEUE)
    except Exception:  # noqa: BLE001 - whatever the broker or result backend raises, the user must hear of it
        logger.exception("Excel import job %s: the task could not be sent", job_id)
        job = ExcelImportJob.objects.filter(pk=job_id).first()
        if job is not None:
            stage = _("Máy chủ chưa nhận được tệp để xử lý: chưa ghi gì. Hãy tải lên lại sau ít phút.")
            _finish(job, ImportStatus.FAILED, stage=stage)
        return
    ExcelImportJob.objects.filter(pk=job_id).update(task_id=result.id or "", enqueued_at=timezone.now())


def excel_import_sweep(*, now: datetime | None = None) -> list[int]:
    """Jobs that would otherwise wait forever. Queued, with their message sent long ago and no worker claiming it (a
    message lost with its broker or worker): sent again (a duplicate finds the job finished and does nothing).
    Running for longer than the hard time limit: their worker is gone and their import committed nothing; failed,
    with a message, so that the page stops waiting. Returns the ids sent again."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    for job in ExcelImportJob.objects.filter(status=ImportStatus.RUNNING, started_at__lt=stale):
        logger.warning("Excel import job %s: its worker is gone", job.pk)
        _finish(job, ImportStatus.FAILED, stage=_("Máy xử lý đã dừng giữa chừng: chưa ghi gì. Hãy tải lên lại."))
    lost = ExcelImportJob.objects.filter(status=ImportStatus.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - timedelta(seconds=settings.REPORTS_REQUEUE_AFTER_SECONDS))
    )
    resend = list(lost.values_list("pk", flat=True))
    for pk in resend:
        transaction.on_commit(partial(_enqueue, pk))
    return resend


def excel_import_run(job_id: int) -> ExcelImportJob | None:
    """Import a queued job's file, all or nothing, and record the outcome. Safe to run again for the same job: a
    finished job is left alone, and a run cut short (a worker lost) wrote nothing, since the import commits once."""
    with transaction.atomic():
        job = ExcelImportJob.objects.select_for_update().select_related("requested_by").filter(pk=job_id).first()
        if job is None or not job.is_active:
            return job
        job.status, job.started_at, job.progress = ImportStatus.RUNNING, timezone.now(), 0
        job.stage = _("Đang kiểm tra tệp")
        job.save(update_fields=["status", "started_at", "progress", "stage"])
    try:
        with job.file.open("rb") as handle:
            report = rounds_import_xlsx(
                user=job.requested_by, file=handle, year=job.year, progress=partial(_record_progress, job.pk)
            )
    except ExcelImportError as error:
        return _finish(job, ImportStatus.REFUSED, errors=cell_error_dicts(error.errors))
    except (AccessDenied, WorkflowError) as error:
        return _finish(job, ImportStatus.REFUSED, errors=cell_error_dicts([CellError(0, "", str(error))]))
    except Exception:
        logger.exception("Excel import job %s failed", job_id)
        return _finish(job, ImportStatus.FAILED, stage=_("Lỗi hệ thống khi nhập tệp: chưa ghi gì. Hãy tải lên lại."))
    return _finish(job, ImportStatus.DONE, report=dataclasses.asdict(report))


def _progress_key(job_id: int) -> str:
    return f"excel-import-progress:{job_id}"


def _record_progress(job_id: int, percent: int, stage: str) -> None:
    """Progress for the page that polls: on the job's row while no transaction is open; while the import's own
    transaction writes the rows (uncommitted, so invisible to others), in the cache, which `excel_import_job_status`
    reads first."""
    cache.set(_progress_key(job_id), {"progress": percent, "stage": stage}, timeout=3600)
    if not connection.in_atomic_block:
        ExcelImportJob.objects.filter(pk=job_id).update(progress=percent, stage=stage)


def _live_progress(job: ExcelImportJob) -> tuple[int, str]:
    """How far an active job got: the cache's latest word, else its row's."""
    latest = cache.get(_progress_key(job.pk)) if job.is_active else None
    return (latest["progress"], latest["stage"]) if latest else (job.progress, job.stage)


def excel_import_job_status(job: ExcelImportJob) -> dict:
    """The job as the progress page and the API read it: plain JSON types only."""
    progress, stage = _live_progress(job)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": progress,
        "stage": stage,
        "file_name": job.file_name,
        "report": job.report,
        "errors": job.errors,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _finish(job: ExcelImportJob, status: str, *, stage: str = "", report=None, errors=None) -> ExcelImportJob:
    job.status, job.progress, job.finished_at = status, 100, timezone.now()
    job.stage, job.report, job.errors = stage, report, errors or []
    stored, job.file = job.file.name, ""
    job.save(update_fields=["status", "progress", "finished_at", "stage", "report", "errors", "file"])
    if stored:
        files.discard(job.file.storage, stored)  # the upload served its purpose; it holds the communes' figures
    cache.delete(_progress_key(job.pk))
    return job
