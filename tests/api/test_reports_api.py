"""/api/v1/reports/: order a report, watch its job, download its PDF; scoped like the browser's pages."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from reports.choices import JobStatus
from reports.models import ReportJob
from reports.services import report_build
from tests.communes.factories import DistrictFactory, ProvinceFactory
from tests.criteria.factories import CriteriaSetFactory
from tests.reports.factories import ReportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def report_set(geography):
    """The national set of 2021–2025, the default of an as-of date in 2024."""
    return CriteriaSetFactory(period_start=2021, period_end=2025, criteria_count=3)


def done_job(**fields) -> ReportJob:
    job = ReportJobFactory(status=JobStatus.DONE, progress=100, pages=7, **fields)
    job.file.save("bao-cao.pdf", ContentFile(b"%PDF-1.7 a report\n%%EOF\n"))
    return job


def request_report(client, **fields):
    return client.post("/api/v1/reports/", fields, format="json")


def test_a_coordinator_orders_a_report_and_gets_the_queued_job(
    api, province_coordinator, geography, report_set, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_report(
            api(province_coordinator), unit_id=geography.district_a.pk, as_of="2024-12-31", language="en"
        )

    assert response.status_code == 201, response.content
    body = response.json()
    job = ReportJob.objects.get()
    assert body["id"] == job.pk and sent == [job.pk]
    assert (body["unit_id"], body["as_of"], body["criteria_set_id"], body["language"]) == (
        geography.district_a.pk,
        "2024-12-31",
        report_set.pk,
        "en",
    )
    assert body["status"] == "queued" and body["progress"] == {"percent": 0, "stage": job.stage}
    assert body["requested_by_id"] == province_coordinator.pk and body["download_url"] is None


def test_as_of_defaults_to_today(api, province_coordinator, geography, sent):
    CriteriaSetFactory(period_start=2010, period_end=2100, criteria_count=1)

    response = request_report(api(province_coordinator), unit_id=geography.province.pk)

    assert response.status_code == 201, response.content
    assert response.json()["as_of"] == timezone.localdate().isoformat()


def test_an_identical_request_reuses_the_job_still_queued(api, province_coordinator, geography, report_set, sent):
    client = api(province_coordinator)
    first = request_report(client, unit_id=geography.province.pk, as_of="2024-12-31")

    again = request_report(client, unit_id=geography.province.pk, as_of="2024-12-31")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and ReportJob.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "unit"),
    [
        ("district_officer_a", "province"),  # the unit above its own
        ("district_officer_a", "district_b"),
        ("commune_official_a1", "district_a"),
        ("province_coordinator", "commune_a1"),  # a commune is no report's scope (the browser does not offer it)
        ("agency_liaison", "province"),
    ],
)
def test_a_unit_the_browser_would_not_offer_is_refused_naming_unit_id(
    api, geography, report_set, sent, request, persona, unit
):
    response = request_report(
        api(request.getfixturevalue(persona)), unit_id=getattr(geography, unit).pk, as_of="2024-12-31"
    )

    assert response.status_code == 400 and "unit_id" in response.json()
    assert not ReportJob.objects.exists() and sent == []


def test_another_provinces_unit_is_refused_like_a_missing_one(api, province_coordinator, report_set, sent):
    other = ProvinceFactory(code="20")
    client = api(province_coordinator)

    elsewhere = request_report(client, unit_id=other.pk, as_of="2024-12-31")
    missing = request_report(client, unit_id=10**9, as_of="2024-12-31")

    assert elsewhere.status_code == missing.status_code == 400
    assert elsewhere.json()["unit_id"][0].replace(str(other.pk), "#") == missing.json()["unit_id"][0].replace(
        str(10**9), "#"
    )


def test_a_district_officer_orders_its_districts_report(api, district_officer_a, geography, report_set, sent):
    response = request_report(api(district_officer_a), unit_id=geography.district_a.pk, as_of="2024-12-31")

    assert response.status_code == 201


def test_the_services_rules_answer_with_the_api_field_names(api, province_coordinator, geography, report_set, sent):
    client = api(province_coordinator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    future = request_report(client, unit_id=geography.province.pk, as_of=tomorrow.isoformat())
    no_set = request_report(client, unit_id=geography.province.pk, as_of="2012-12-31")
    other_province_set = CriteriaSetFactory(period_start=2021, period_end=2025, province=ProvinceFactory(code="20"))
    foreign = request_report(
        client, unit_id=geography.province.pk, as_of="2024-12-31", criteria_set_id=other_province_set.pk
    )
    language = request_report(client, unit_id=geography.province.pk, as_of="2024-12-31", language="fr")

    assert future.status_code == 400 and future.json()["as_of"] == ["Ngày tính số liệu không được sau hôm nay."]
    assert no_set.status_code == 400 and "criteria_set_id" in no_set.json()
    assert foreign.status_code == 400 and "criteria_set_id" in foreign.json()
    assert language.status_code == 400 and "language" in language.json()
    assert not ReportJob.objects.exists()


def test_each_persona_lists_the_jobs_of_its_unit_and_under_it(
    api, geography, province_coordinator, district_officer_a, commune_official_a1
):
    province_job = ReportJobFactory(unit=geography.province)
    district_a_job = ReportJobFactory(unit=geography.district_a)
    district_b_job = ReportJobFactory(unit=geography.district_b)
    ReportJobFactory(unit=ProvinceFactory(code="20"))

    def listed(user):
        response = api(user).get("/api/v1/reports/")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert listed(province_coordinator) == {province_job.pk, district_a_job.pk, district_b_job.pk}
    assert listed(district_officer_a) == {district_a_job.pk}
    assert listed(commune_official_a1) == set()


def test_another_units_job_is_a_404_download_included(api, geography, district_officer_a):
    job = done_job(unit=geography.district_b)
    client = api(district_officer_a)

    assert client.get(f"/api/v1/reports/{job.pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/{job.pk}/download/").status_code == 404


def test_a_job_reads_with_its_progress_and_timings(api, geography, province_coordinator):
    job = ReportJobFactory(
        unit=geography.province,
        status=JobStatus.RUNNING,
        progress=35,
        stage="Dàn trang, tạo PDF",
        started_at=timezone.now(),
        timings={"queries": 0.5},
    )

    body = api(province_coordinator).get(f"/api/v1/reports/{job.pk}/").json()

    assert body["status"] == "running" and body["status_label"] == "Đang tạo"
    assert body["progress"] == {"percent": 35, "stage": "Dàn trang, tạo PDF"}
    assert body["timings"] == {"queries": 0.5} and body["download_url"] is None and body["error"] == ""


def test_downloading_a_job_still_queued_is_a_409(api, geography, province_coordinator):
    job = ReportJobFactory(unit=geography.province)

    response = api(province_coordinator).get(f"/api/v1/reports/{job.pk}/download/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_ready" and response.json()["status"] == "queued"


def test_a_done_job_downloads_as_a_pdf(api, geography, province_coordinator):
    job = done_job(unit=geography.province)
    client = api(province_coordinator)

    body = client.get(f"/api/v1/reports/{job.pk}/").json()
    response = client.get(body["download_url"])

    assert body["download_url"].endswith(f"/api/v1/reports/{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.slow
def test_a_report_requested_through_the_api_builds_and_downloads(
    api, province_coordinator, geography, report_set, sent, django_capture_on_commit_callbacks
):
    client = api(province_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = request_report(client, unit_id=geography.district_a.pk, as_of="2024-12-31").json()["id"]
    assert client.get(f"/api/v1/reports/{job_id}/download/").status_code == 409

    report_build(sent.pop())  # what the worker does with the task, here synchronously

    body = client.get(f"/api/v1/reports/{job_id}/").json()
    assert body["status"] == "done", body["error"]
    assert body["progress"]["percent"] == 100 and body["pages"] >= 1 and "total" in body["timings"]
    response = client.get(body["download_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_list_costs_the_same_queries_for_2_jobs_as_for_22(api, geography, province_coordinator):
    client = api(province_coordinator)
    for _ in range(2):
        ReportJobFactory(unit=DistrictFactory(parent=geography.province))
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/reports/").json()["count"] == 2
    for _ in range(20):
        done_job(unit=DistrictFactory(parent=geography.province))

    # token + user, the scope's unit, the count, the page joined to its unit
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/reports/").json()["results"]) == 22
    assert len(many.captured_queries) == len(few.captured_queries)


def test_ordering_needs_a_signed_in_caller():
    assert APIClient().post("/api/v1/reports/", {}, format="json").status_code == 401
    assert APIClient().get("/api/v1/reports/").status_code == 401
