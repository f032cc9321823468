"""/api/v1/assessment-excel/: the template of a unit's communes, and an upload saved all or nothing."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from criteria.models import AssessmentRound, ExcelImportJob
from criteria.services import excel as excel_service
from criteria.services.excel_jobs import excel_import_run
from tests.communes.factories import ProvinceFactory
from tests.conftest import LIVE_PROCESSES
from tests.criteria.test_excel import A1, A2, B1, XLSX, database_state, fill, letter_of, whole_criteria
from tests.criteria.test_excel_limits import bomb_chunks, workbook_with_sheet

pytestmark = pytest.mark.django_db


def template(client, unit, year=2022):
    return client.get("/api/v1/assessment-excel/template/", {"unit_id": unit.pk, "year": year})


def upload(client, data: bytes, **fields):
    file = SimpleUploadedFile("danh-gia.xlsx", data, content_type=XLSX)
    return client.post("/api/v1/assessment-excel/import/", {"file": file, **fields}, format="multipart")


def codes(response) -> list[str]:
    sheet = load_workbook(io.BytesIO(response.content))["Đánh giá"]
    return [row[0].value for row in sheet.iter_rows(min_row=2, max_col=1)]


@pytest.mark.parametrize(
    ("persona", "unit", "expected"),
    [
        ("province_coordinator", "province", [A1, A2, B1]),
        ("province_coordinator", "district_b", [B1]),
        ("commune_official_a1", "commune_a1", [A1]),
    ],
)
def test_each_persona_downloads_the_template_of_the_communes_it_may_edit(
    api, national_sets, geography, request, persona, unit, expected
):
    response = template(api(request.getfixturevalue(persona)), getattr(geography, unit))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "private, no-store"
    assert codes(response) == expected


@pytest.mark.parametrize(
    ("persona", "unit"),
    [
        ("district_officer_a", "district_b"),
        ("commune_official_b1", "commune_a1"),
        ("commune_official_a1", "district_a"),  # the district above its commune is not its scope
    ],
)
def test_a_unit_outside_the_scope_is_refused_like_a_missing_one(api, national_sets, geography, request, persona, unit):
    client = api(request.getfixturevalue(persona))

    outside = template(client, getattr(geography, unit))
    missing = client.get("/api/v1/assessment-excel/template/", {"unit_id": 10**9, "year": 2022})

    assert outside.status_code == missing.status_code == 400
    assert "unit_id" in outside.json() and "unit_id" in missing.json()


def test_another_provinces_unit_is_a_400(api, national_sets, province_coordinator):
    response = template(api(province_coordinator), ProvinceFactory(code="20"))

    assert response.status_code == 400 and "unit_id" in response.json()


def test_a_missing_or_bad_year_is_a_400_naming_it(api, national_sets, geography, province_coordinator):
    client = api(province_coordinator)

    missing = client.get("/api/v1/assessment-excel/template/", {"unit_id": geography.province.pk})
    bad = template(client, geography.province, year=1900)

    assert missing.status_code == bad.status_code == 400
    assert "year" in missing.json() and "year" in bad.json()


@pytest.mark.parametrize(("persona", "unit"), [("agency_liaison", "commune_a1"), ("district_officer_a", "district_a")])
def test_a_role_that_enters_no_values_is_a_403(api, national_sets, geography, request, persona, unit):
    response = template(api(request.getfixturevalue(persona)), getattr(geography, unit))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


def test_a_filled_template_uploads_and_reports_what_changed(api, national_sets, geography, commune_official_a1):
    client = api(commune_official_a1)
    data = template(client, geography.commune_a1).content

    response = upload(client, fill(data, whole_criteria() | {(A1, "3.1"): "80,5", (A1, "3.2"): "Đạt"}))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "rounds_created": 1,
        "rounds_changed": 0,
        "values_changed": 20,
        "communes": ["Xã Phú Đình"],
    }
    assert AssessmentRound.objects.get(commune=geography.commune_a1).year == 2022


def test_one_bad_cell_refuses_the_file_and_writes_nothing(api, national_sets, geography, province_coordinator):
    client = api(province_coordinator)
    data = template(client, geography.province).content
    spoiled = fill(data, {(A2, "TC1"): "Đạt", (A2, "3.1"): "90", (A1, "TC5"): "có lẽ"})
    before = database_state()

    response = upload(client, spoiled)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_file" and len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["row"] == 2 and error["column"].startswith(letter_of(data, "TC5"))
    assert error["message"].startswith(f"Dòng 2, cột {letter_of(data, 'TC5')}")
    assert database_state() == before


def test_a_file_that_is_no_workbook_is_a_400(api, national_sets, province_coordinator):
    response = upload(api(province_coordinator), b"not a workbook")

    assert response.status_code == 400 and response.json()["errors"]


def test_an_upload_needs_a_file(api, province_coordinator):
    response = api(province_coordinator).post("/api/v1/assessment-excel/import/", {}, format="multipart")

    assert response.status_code == 400 and "file" in response.json()


def test_a_year_that_disagrees_with_the_file_is_refused(api, national_sets, geography, commune_official_a1):
    client = api(commune_official_a1)
    data = fill(template(client, geography.commune_a1).content, whole_criteria())

    response = upload(client, data, year=2023)

    assert response.status_code == 400
    assert not AssessmentRound.objects.exists()


def test_a_commune_official_cannot_write_another_communes_rows(
    api, national_sets, geography, province_coordinator, commune_official_b1
):
    data = fill(template(api(province_coordinator), geography.province).content, whole_criteria(code=A1))

    response = upload(api(commune_official_b1), data)

    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    assert not AssessmentRound.objects.exists()


@pytest.mark.parametrize("persona", ["agency_liaison", "district_officer_a"])
def test_a_role_that_enters_no_values_gets_a_403_for_an_upload_before_it_is_read(
    api, national_sets, geography, request, persona, monkeypatch
):
    monkeypatch.setattr(excel_service, "load_workbook", lambda *a, **k: pytest.fail("the workbook was parsed"))

    response = upload(api(request.getfixturevalue(persona)), b"PK\x03\x04 malformed, and never read")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied" and "chỉ có quyền xem" in response.json()["detail"]


def test_a_zip_bomb_is_a_400_naming_the_limit(api, national_sets, province_coordinator):
    bomb = workbook_with_sheet(bomb_chunks(60))

    response = upload(api(province_coordinator), bomb)

    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert "Tệp giải nén ra 60 MB dữ liệu, vượt giới hạn 50 MB." in messages
    assert not AssessmentRound.objects.exists()


def live(test):
    """The marks of a test that drives a real worker process (tests/conftest.py)."""
    for mark in LIVE_PROCESSES:
        test = mark(test)
    return test


def test_a_large_upload_is_a_202_with_a_job_to_follow(
    api,
    national_sets,
    geography,
    province_coordinator,
    commune_official_a1,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES, settings.MEDIA_ROOT = 1024, tmp_path
    client = api(province_coordinator)
    data = fill(template(client, geography.province).content, {(A2, "TC1"): "Đạt"})

    with django_capture_on_commit_callbacks(execute=False):
        response = upload(client, data)
    body = response.json()
    excel_import_run(ExcelImportJob.objects.get().pk)
    done = client.get(body["url"])

    assert response.status_code == 202 and response["Location"] == body["url"]
    assert body["status"] == "queued" and body["url"].endswith(f"/api/v1/assessment-excel/jobs/{body['id']}/")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["report"]["communes"] == ["Xã Sơn Phú"]
    assert api(commune_official_a1).get(body["url"]).status_code == 404


@live
@pytest.mark.django_db(transaction=True)
def test_a_large_upload_is_imported_by_a_real_worker(
    api, national_sets, geography, province_coordinator, settings, celery_worker_process
):
    settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES = 1024
    settings.EXCEL_IMPORT_QUEUE = celery_worker_process.queue
    settings.MEDIA_ROOT = celery_worker_process.media_root
    client = api(province_coordinator)
    data = fill(template(client, geography.province).content, {(A2, "TC1"): "Đạt", (A2, "3.1"): "90"})

    response = upload(client, data)

    assert response.status_code == 202, response.content
    deadline, body = time.monotonic() + 60, response.json()
    while body["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        body = client.get(response.json()["url"]).json()
    assert body["status"] == "done", (body, celery_worker_process.log_text()[-3000:])
    assert body["report"] == {"rounds_created": 1, "rounds_changed": 0, "values_changed": 2, "communes": ["Xã Sơn Phú"]}
    assert AssessmentRound.objects.filter(commune__code=A2, year=2022).exists()
