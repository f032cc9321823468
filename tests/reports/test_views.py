"""The report pages: order a report, watch it, download it, and nothing of another unit's."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ntm_portal.choices import Role
from reports.choices import JobStatus
from reports.models import ReportJob
from tests.communes.factories import ProvinceFactory
from tests.criteria.factories import CriteriaSetFactory
from tests.ntm_portal.factories import UserFactory
from tests.reports.factories import ReportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria_set(geography):
    return CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)


def done_job(**fields) -> ReportJob:
    job = ReportJobFactory(status=JobStatus.DONE, progress=100, pages=7, **fields)
    job.file.save("bao-cao.pdf", ContentFile(b"%PDF-1.7 a report\n%%EOF\n"))
    return job


def test_the_form_offers_a_district_officer_only_its_own_district(client, district_officer_a, geography):
    client.force_login(district_officer_a)

    response = client.get(reverse("reports:job_request"))

    assert response.status_code == 200
    assert list(response.context["form"].fields["unit"].queryset) == [geography.district_a]


def test_the_form_offers_a_coordinator_the_province_and_its_districts(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    response = client.get(reverse("reports:job_request"))

    assert list(response.context["form"].fields["unit"].queryset) == [
        geography.province,
        geography.district_a,
        geography.district_b,
    ]


def test_posting_the_form_queues_a_job_and_opens_its_page(
    client, province_coordinator, geography, criteria_set, sent, django_capture_on_commit_callbacks
):
    client.force_login(province_coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:job_request"),
            {"unit": geography.district_a.pk, "as_of": "2024-12-31", "language": "vi", "criteria_set": ""},
        )

    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:job_detail", args=[job.pk])
    assert (job.unit, job.as_of, job.criteria_set, job.requested_by) == (
        geography.district_a,
        datetime.date(2024, 12, 31),
        criteria_set,
        province_coordinator,
    )
    assert sent == [job.pk]
    page = client.get(response.url)
    assert page.status_code == 200
    assert b'role="progressbar"' in page.content and b"js/job-progress.js" in page.content


def test_posting_the_same_request_again_opens_the_job_already_running(
    client, province_coordinator, geography, criteria_set, sent
):
    client.force_login(province_coordinator)
    data = {"unit": geography.province.pk, "as_of": "2024-12-31", "language": "vi"}

    first = client.post(reverse("reports:job_request"), data)
    second = client.post(reverse("reports:job_request"), data)

    assert first.url == second.url
    assert ReportJob.objects.count() == 1


def test_a_date_in_the_future_is_shown_as_an_error_on_the_form(client, province_coordinator, geography, criteria_set):
    client.force_login(province_coordinator)
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)

    response = client.post(
        reverse("reports:job_request"), {"unit": geography.province.pk, "as_of": tomorrow, "language": "vi"}
    )

    assert response.status_code == 200
    assert "Ngày tính số liệu không được sau hôm nay." in response.content.decode()
    assert not ReportJob.objects.exists()


def test_the_status_json_gives_progress_and_then_the_download_link(client, province_coordinator, geography):
    job = ReportJobFactory(unit=geography.province, status=JobStatus.RUNNING, progress=35, stage="Dàn trang")
    client.force_login(province_coordinator)
    url = reverse("reports:job_status", args=[job.pk])

    running = client.get(url).json()
    assert (running["status"], running["progress"], running["stage"], running["download_url"]) == (
        "running",
        35,
        "Dàn trang",
        None,
    )

    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, progress=100, pages=9)
    done = client.get(url).json()
    assert done["download_url"] == reverse("reports:download", args=[job.pk]) and done["pages"] == 9


def test_a_failed_job_shows_its_error_on_its_page_and_in_its_status(client, province_coordinator, geography):
    error = "Không tạo được báo cáo ở bước “Dàn trang, tạo PDF”: phông chữ hỏng (ValueError)"
    job = ReportJobFactory(unit=geography.province, status=JobStatus.FAILED, error=error)
    client.force_login(province_coordinator)

    assert client.get(reverse("reports:job_status", args=[job.pk])).json()["error"] == error
    assert error in client.get(reverse("reports:job_detail", args=[job.pk])).content.decode()


def test_a_user_in_scope_downloads_the_pdf(client, district_officer_a, geography):
    job = done_job(unit=geography.district_a)
    client.force_login(district_officer_a)

    response = client.get(reverse("reports:download", args=[job.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="bao-cao-tien-do-' in response["Content-Disposition"]


@pytest.mark.parametrize("view", ["reports:job_detail", "reports:job_status", "reports:download"])
def test_a_job_outside_the_users_scope_is_not_found(client, geography, view):
    job = done_job(unit=geography.district_b)
    district_officer_a = UserFactory(role=Role.DISTRICT_OFFICER, unit=geography.district_a)
    other_province = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=ProvinceFactory())

    for user in (district_officer_a, other_province):
        client.force_login(user)
        assert client.get(reverse(view, args=[job.pk])).status_code == 404


def test_a_job_not_yet_built_has_nothing_to_download(client, province_coordinator, geography):
    job = ReportJobFactory(unit=geography.province, status=JobStatus.RUNNING)
    client.force_login(province_coordinator)

    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, geography):
    job = done_job(unit=geography.province)

    for name, args in (("reports:job_list", []), ("reports:job_request", []), ("reports:download", [job.pk])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_list_shows_a_district_officer_only_its_own_districts_jobs(client, district_officer_a, geography):
    mine = ReportJobFactory(unit=geography.district_a)
    ReportJobFactory(unit=geography.province, language="en")
    ReportJobFactory(unit=geography.district_b)
    client.force_login(district_officer_a)

    response = client.get(reverse("reports:job_list"))

    assert set(response.context["page"].object_list) == {mine}


def test_the_list_costs_the_same_queries_for_2_jobs_as_for_22(client, province_coordinator, geography):
    client.force_login(province_coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("reports:job_list")).status_code == 200
        return len(context.captured_queries)

    for day in range(2):
        ReportJobFactory(
            unit=geography.province, as_of=datetime.date(2024, 1, 1 + day), requested_by=province_coordinator
        )
    few = queries()
    for day in range(20):
        ReportJobFactory(unit=geography.district_a, as_of=datetime.date(2024, 2, 1 + day), requested_by=UserFactory())
    assert queries() == few
