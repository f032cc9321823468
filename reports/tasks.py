"""Thin Celery tasks: take an id (or nothing), call the service. The reliability rules live in the service and in
the CELERY_* settings; the delivery options are repeated here so that a task keeps them whatever the app's defaults.
"""

from celery import shared_task

from .services import TRANSIENT_ERRORS, report_build, report_monthly_request, report_sweep_stale


@shared_task(
    bind=True,
    name="reports.build",
    acks_late=True,  # acknowledged after it returns: a worker dying mid-build leaves the message to be redelivered
    reject_on_worker_lost=True,  # ... and a child process killed under it requeues the message instead of acking it
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,  # 5, 10, 20 s... with jitter, capped well below the broker's visibility timeout
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=3,
)
def report_build_task(self, job_id: int) -> str:
    job = report_build(job_id, may_retry=self.request.retries < self.max_retries)
    return job.status if job else "missing"


@shared_task(name="reports.sweep_stale", acks_late=True)
def report_sweep_task() -> list[int]:
    return report_sweep_stale()


@shared_task(name="reports.monthly", acks_late=True)
def report_monthly_task() -> list[int]:
    return [job.pk for job in report_monthly_request()]
