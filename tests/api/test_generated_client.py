"""The API as a stranger uses it (issue 16): a client generated from /api/schema/ by openapi-python-client with
--fail-on-warning, and a short script with it against the live server and a real worker: a token from a password,
the province's PDF requested, followed and downloaded, a district's communes listed by province_id, and a recognition
recorded and revoked."""

import datetime
import importlib
import io
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from criteria.models import CriteriaSet
from criteria.services.assessment import (
    CriterionInput,
    round_approve,
    round_save,
    round_start,
    round_submit,
    round_verify,
)
from criteria.services.reference import criteria_reference_load
from tests.browser.conftest import PASSWORD
from tests.conftest import LIVE_PROCESSES

pytestmark = [pytest.mark.django_db(transaction=True), *LIVE_PROCESSES]

CONFIG = Path(__file__).with_name("openapi-client.yaml")
PACKAGE = "ntm_portal_api_client"
REPORT_SECONDS = 90


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory):
    """The client package, generated from the schema this code serves, imported from a temporary folder."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiYamlRenderer

    folder = tmp_path_factory.mktemp("client")
    schema = folder / "schema.yaml"
    schema.write_bytes(OpenApiYamlRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    tools = str(Path(sys.executable).parent)  # openapi-python-client and the ruff it formats with
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(
        [
            f"{tools}/openapi-python-client",
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(folder / "out"),
            "--fail-on-warning",
            "--config",
            str(CONFIG),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout[-3000:] + generated.stderr[-3000:]
    sys.path.insert(0, str(folder / "out"))
    try:
        yield folder / "out" / PACKAGE
    finally:
        sys.path.remove(str(folder / "out"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def operation(name: str):
    """The generated module of an operationId, whichever tag it sits under."""
    matches = list(Path(importlib.import_module(PACKAGE).__file__).parent.glob(f"api/*/{name}.py"))
    assert len(matches) == 1, name
    return importlib.import_module(f"{PACKAGE}.api.{matches[0].parent.name}.{name}")


def model(name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def test_the_generated_client_has_ascii_names_only(generated_client):
    names = [p.relative_to(generated_client).as_posix() for p in generated_client.rglob("*.py")]
    assert len(names) > 200
    assert [n for n in names if not n.isascii()] == []
    assert (generated_client / "api" / "assessment_rounds" / "approve_assessment_round.py").exists()


def approved_round(official, coordinator, officer, commune):
    """A 2024 round of the 2021–2025 set, every criterion met, approved: ready for its recognition decision."""
    assessment_round = round_start(
        user=official, commune=commune, year=2024, criteria_set=CriteriaSet.objects.get(code="ntm-2021-2025")
    )
    criteria = {c.pk: CriterionInput(met=True) for c in assessment_round.criteria_set.criteria.all()}
    round_save(
        user=official, assessment_round=assessment_round, expected_version=assessment_round.version, criteria=criteria
    )
    round_submit(user=official, assessment_round=assessment_round)
    round_verify(user=officer, assessment_round=assessment_round)
    round_approve(user=coordinator, assessment_round=assessment_round)
    return assessment_round


def test_a_stranger_script_with_the_generated_client(
    generated_client,
    live_server,
    settings,
    celery_worker_process,
    geography,
    province_coordinator,
    district_officer_a,
    commune_official_a1,
):
    settings.REPORTS_QUEUE = celery_worker_process.queue
    settings.MEDIA_ROOT = celery_worker_process.media_root
    criteria_reference_load()
    assessment_round = approved_round(
        commune_official_a1, province_coordinator, district_officer_a, geography.commune_a1
    )
    client_module = importlib.import_module(PACKAGE)

    # 1. A token from a password.
    anonymous = client_module.Client(base_url=live_server.url)
    issued = operation("obtain_token").sync_detailed(
        client=anonymous, body=model("TokenObtainRequest")(username="coordinator", password=PASSWORD)
    )
    assert issued.status_code == 200, issued.content
    api = client_module.AuthenticatedClient(base_url=live_server.url, token=issued.parsed.token, prefix="Token")

    # 2. The province's PDF: requested, followed until done, downloaded.
    ordered = operation("request_report").sync_detailed(
        client=api, body=model("ReportRequestRequest")(unit_id=geography.province.pk)
    )
    assert ordered.status_code == 201, ordered.content
    job_id, seen = ordered.parsed.id, []
    deadline = time.monotonic() + REPORT_SECONDS
    while True:
        job = operation("get_report").sync_detailed(job_id, client=api).parsed
        seen.append((str(job.status), job.progress))
        if str(job.status) in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert str(job.status) == "done", seen
    assert job.download_url.endswith(f"/api/v1/reports/{job_id}/download/")
    pdf = operation("download_report").sync_detailed(job_id, client=api)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    assert len(reader.pages) >= 1 and "Thái Nguyên" in text

    # 3. The communes of the province, by province_id; then one district's.
    listed = operation("list_communes").sync_detailed(client=api, province_id=[geography.province.pk])
    assert listed.status_code == 200, listed.content
    names = {commune.name for commune in listed.parsed.results}
    assert {"Xã Phú Đình", geography.commune_b1.name} <= names
    district = operation("list_communes").sync_detailed(client=api, district_id=[geography.district_a.pk])
    assert geography.commune_b1.name not in {commune.name for commune in district.parsed.results}

    # 4. A recognition recorded through the workflow, then revoked.
    recorded = operation("recognise_assessment_round").sync_detailed(
        assessment_round.pk,
        client=api,
        body=model("RecogniseRequest")(
            decision_number="501/QĐ-UBND", decision_date=datetime.date(2025, 3, 1), signer="Chủ tịch UBND tỉnh"
        ),
    )
    assert recorded.status_code == 201, recorded.content
    revoked = operation("revoke_recognition").sync_detailed(
        recorded.parsed.id, client=api, body=model("RecognitionRevokeRequest")(reason="Vi phạm tiêu chí môi trường")
    )
    assert revoked.status_code == 200, revoked.content
    decisions = operation("list_recognitions").sync_detailed(client=api, commune_id=[geography.commune_a1.pk])
    mine = [d for d in decisions.parsed.results if d.id == recorded.parsed.id]
    assert len(mine) == 1 and mine[0].revoked_on == datetime.date.today()
