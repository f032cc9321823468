"""Thin Celery tasks: take an id, call the service."""

from celery import shared_task

from .services.excel_jobs import excel_import_run


@shared_task(
    name="criteria.excel_import",
    acks_late=True,  # a worker lost mid-import leaves the message to be delivered again; the import committed nothing
    reject_on_worker_lost=True,
)
def excel_import_task(job_id: int) -> str:
    job = excel_import_run(job_id)
    return job.status if job else "missing"
