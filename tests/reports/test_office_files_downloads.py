"""Downloading a report's PDF, .docx and .xlsx (issue 18) in the browser and through the API: named after the unit
and the date, with their own content types, and nothing of another unit's."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from ntm_portal.choices import Role
from reports.choices import JobStatus
from reports.models import REPORT_FORMATS, ReportJob
from tests.api.conftest import token_client as api
from tests.communes.factories import ProvinceFactory
from tests.ntm_portal.factories import UserFactory
from tests.reports.factories import ReportJobFactory

pytestmark = pytest.mark.django_db

KINDS = ["pdf", "docx", "xlsx"]
CONTENTS = {"pdf": b"%PDF-1.7 a report\n%%EOF\n", "docx": b"PK\x03\x04 a docx", "xlsx": b"PK\x03\x04 an xlsx"}


def done_job(*, office_files: bool = True, **fields) -> ReportJob:
    job = ReportJobFactory(status=JobStatus.DONE, progress=100, pages=7, **fields)
    job.file.save("bao-cao.pdf", ContentFile(CONTENTS["pdf"]))
    if office_files:
        job.docx_file.save("bao-cao.docx", ContentFile(CONTENTS["docx"]))
        job.xlsx_file.save("bao-cao.xlsx", ContentFile(CONTENTS["xlsx"]))
    return job


def download_url(job: ReportJob, kind: str) -> str:
    return reverse("reports:download", args=[job.pk, kind])


@pytest.mark.parametrize("kind", KINDS)
def test_a_user_in_scope_downloads_each_kind_named_after_the_unit_and_the_date(
    client, district_officer_a, geography, kind
):
    job = done_job(unit=geography.district_a)
    client.force_login(district_officer_a)

    response = client.get(download_url(job, kind))

    assert response.status_code == 200
    assert response["Content-Type"] == REPORT_FORMATS[kind].content_type
    assert b"".join(response.streaming_content) == CONTENTS[kind]
    assert f'filename="bao-cao-tien-do-ntm_huyen-dinh-hoa_2024-12-31.{kind}"' in response["Content-Disposition"]


def test_the_pdf_keeps_its_address_without_a_kind(client, province_coordinator, geography):
    job = done_job(unit=geography.province)
    client.force_login(province_coordinator)

    response = client.get(reverse("reports:download", args=[job.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="bao-cao-tien-do-ntm_tinh-thai-nguyen_2024-12-31.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize("kind", KINDS)
def test_another_units_job_is_not_found_in_any_kind(client, geography, kind):
    job = done_job(unit=geography.district_b)
    district_officer_a = UserFactory(role=Role.DISTRICT_OFFICER, unit=geography.district_a)
    other_province = UserFactory(role=Role.PROVINCE_COORDINATOR, unit=ProvinceFactory())
    api_path = f"/api/v1/reports/{job.pk}/download/" + ("" if kind == "pdf" else f"{kind}/")

    for user in (district_officer_a, other_province):
        client.force_login(user)
        assert client.get(download_url(job, kind)).status_code == 404
        assert api(user).get(api_path).status_code == 404


def test_an_unknown_kind_is_not_found(client, province_coordinator, geography):
    job = done_job(unit=geography.province)
    client.force_login(province_coordinator)

    assert client.get(f"/reports/{job.pk}/download/odt/").status_code == 404


def test_the_job_page_offers_the_three_downloads(client, province_coordinator, geography):
    job = done_job(unit=geography.province)
    client.force_login(province_coordinator)

    page = client.get(reverse("reports:job_detail", args=[job.pk])).content.decode()

    pdf, docx, xlsx = (reverse("reports:download", args=[job.pk]), download_url(job, "docx"), download_url(job, "xlsx"))
    for url in (pdf, docx, xlsx):
        assert f'href="{url}"' in page, url
    assert "Tải bản Word (.docx) để hoàn thiện, trình ký" in page and "Tải các bảng số liệu (Excel)" in page


def test_a_job_built_before_the_office_files_offers_only_its_pdf(client, province_coordinator, geography):
    job = done_job(unit=geography.province, office_files=False)
    client.force_login(province_coordinator)

    page = client.get(reverse("reports:job_detail", args=[job.pk])).content.decode()
    body = api(province_coordinator).get(f"/api/v1/reports/{job.pk}/").json()

    assert reverse("reports:download", args=[job.pk]) in page and download_url(job, "docx") not in page
    assert client.get(download_url(job, "docx")).status_code == 404
    assert body["downloads"]["pdf"] == body["download_url"] and body["downloads"]["pdf"] is not None
    assert body["downloads"]["docx"] is None and body["downloads"]["xlsx"] is None
    assert api(province_coordinator).get(f"/api/v1/reports/{job.pk}/download/xlsx/").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_the_api_names_each_download_and_serves_it(geography, province_coordinator, kind):
    job = done_job(unit=geography.province)
    client = api(province_coordinator)

    body = client.get(f"/api/v1/reports/{job.pk}/").json()
    response = client.get(body["downloads"][kind])

    assert set(body["downloads"]) == set(KINDS)
    assert response.status_code == 200
    assert response["Content-Type"] == REPORT_FORMATS[kind].content_type
    assert f'filename="bao-cao-tien-do-ntm_tinh-thai-nguyen_2024-12-31.{kind}"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == CONTENTS[kind]


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_an_office_file_of_a_job_still_running_is_a_409(geography, province_coordinator, kind):
    job = ReportJobFactory(unit=geography.province, status=JobStatus.RUNNING)

    response = api(province_coordinator).get(f"/api/v1/reports/{job.pk}/download/{kind}/")
    body = api(province_coordinator).get(f"/api/v1/reports/{job.pk}/").json()

    assert response.status_code == 409 and response.json()["code"] == "not_ready"
    assert body["downloads"] is None
