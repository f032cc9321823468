"""Thin Celery tasks: take an id, call the service."""

from celery import shared_task

from .services.excel_jobs import excel_import_run, excel_import_sweep


@shared_task(
    name="criteria.excel_import",
    acks_late=True,  # a worker lost mid-import leaves the message to be delivered again; the import committed nothing
    reject_on_worker_lost=True,
)
def excel_import_task(job_id: int) -> str:
    job = excel_import_run(job_id)
    return job.status if job else "missing"


@shared_task(name="criteria.excel_import_sweep", acks_late=True)
def excel_import_sweep_task() -> list[int]:
    return excel_import_sweep()
