"""A failed report tells its user why in their words, never with a server path or an exception's text (issue 17,
finding 7); the text goes to the log and to the admin."""

import logging
from pathlib import Path

import pytest
from django.urls import reverse

from ntm_portal.choices import Role
from reports.choices import JobStatus
from reports.services import report_build
from tests.api.conftest import token_client
from tests.criteria.factories import CriteriaSetFactory
from tests.ntm_portal.factories import UserFactory
from tests.reports.factories import ReportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_on_disk(geography, media_root):
    """A job whose build met a real disk fault: where the partial PDF goes, a file stands instead of a folder, so the
    build fails with an OSError naming the server's absolute path."""
    blocker = Path(media_root) / "reports" / ".partial"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    criteria_set = CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)
    job = ReportJobFactory(unit=geography.province, criteria_set=criteria_set)
    return report_build(job.pk), str(blocker)


def test_a_build_that_fails_on_the_disk_tells_the_user_why_without_the_path(failed_on_disk, caplog):
    job, path = failed_on_disk

    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Không tạo được báo cáo: máy chủ không ghi được tệp báo cáo")
    assert path not in job.error and "Errno" not in job.error and "/" not in job.error
    assert path in job.error_detail and "FileExistsError" in job.error_detail


def test_the_exception_text_goes_to_the_log(geography, media_root, caplog):
    blocker = Path(media_root) / "reports" / ".partial"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    job = ReportJobFactory(unit=geography.province, criteria_set=CriteriaSetFactory(period_start=2021, period_end=2025))

    with caplog.at_level(logging.ERROR, logger="reports.services"):
        report_build(job.pk)

    assert any(str(blocker) in record.getMessage() + str(record.exc_info[1]) for record in caplog.records)


def test_the_report_page_and_its_status_show_the_reason_not_the_path(client, province_coordinator, failed_on_disk):
    job, path = failed_on_disk
    client.force_login(province_coordinator)

    page = client.get(reverse("reports:job_detail", args=[job.pk])).content.decode()
    status = client.get(reverse("reports:job_status", args=[job.pk])).json()

    assert "Không tạo được báo cáo: máy chủ không ghi được tệp báo cáo" in page
    assert path not in page and "FileExistsError" not in page
    assert status["error"] == job.error


def test_the_api_report_detail_shows_the_reason_not_the_path(province_coordinator, failed_on_disk):
    job, path = failed_on_disk

    body = token_client(province_coordinator).get(f"/api/v1/reports/{job.pk}/").json()

    assert body["status"] == "failed" and body["error"] == job.error
    assert path not in str(body) and "error_detail" not in body


def test_the_admin_shows_the_detail_to_the_data_steward(client, failed_on_disk):
    job, path = failed_on_disk
    steward = UserFactory(username="quantri", role=Role.PROVINCE_COORDINATOR, is_staff=True, is_superuser=True)
    client.force_login(steward)

    page = client.get(reverse("admin:reports_reportjob_change", args=[job.pk])).content.decode()

    assert path in page
