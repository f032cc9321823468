"""The OpenAPI schema and the interactive docs, and schemathesis against the generated schema: no request it makes
(valid or not) gets a server error or a response the schema does not describe."""

import json
import os
import re
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import translation
from hypothesis import HealthCheck, settings
from rest_framework.fields import FileField
from rest_framework.relations import PrimaryKeyRelatedField, SlugRelatedField
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory, force_authenticate
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from communes.filtersets import _ManyFilter
from criteria.services.transitions import TRANSITIONS
from ntm_portal.api.docs import SchemaView
from ntm_portal.api.tokens import WRONG_CREDENTIALS
from ntm_portal.choices import Role
from ntm_portal.models import User
from ntm_portal.tokens import token_issue
from tests.conftest import build_geography, build_liaison
from tests.ntm_portal.factories import UserFactory
from tests.shared_rows import foreign_keys_checked

from .conftest import build_criteria_set, build_elsewhere, build_world, token_client

pytestmark = pytest.mark.django_db

# Each operation gets this many generated requests (valid and invalid ones), besides schemathesis' own boundary
# cases: enough to find what a caller can break, bounded so that the whole run stays near two minutes on 2 cores
# (89 operations: 10 each took four minutes a leg on this machine).
EXAMPLES_PER_OPERATION = int(os.environ.get("NTM_FUZZ_EXAMPLES", "5"))
# The boundary cases (schemathesis' coverage phase: each parameter missing, of the wrong type, at and past its bounds)
# are nine requests in ten: ~450 for the commune list alone, and 11 s of every process' collection. CI's embedded leg
# switches them off (NTM_FUZZ_COVERAGE=0 with 2 examples, .ci/run); its PostgreSQL leg, the production database,
# fuzzes in full. Both legs check every operation with every check.
FUZZ_BOUNDARY_CASES = os.environ.get("NTM_FUZZ_COVERAGE", "1") != "0"


def test_the_schema_describes_every_endpoint_with_its_errors(client, province_coordinator):
    client.force_login(province_coordinator)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for prefix in (
        "administrative-units",
        "communes",
        "criteria-sets",
        "assessment-rounds",
        "indicator-values",
        "unit-targets",
        "agencies",
        "cadres",
        "secondment-batches",
        "secondments",
        "sponsor-assignments",
        "work-plans",
        "work-plan-items",
        "field-visits",
        "support-contributions",
    ):
        assert f"/api/v1/{prefix}/" in paths and f"/api/v1/{prefix}/{{id}}/" in paths, prefix
    for action in ("values", "history", *(t.api_path for t in TRANSITIONS.values())):
        assert f"/api/v1/assessment-rounds/{{id}}/{action}/" in paths, action
    assert "/api/v1/dashboards/{id}/" in paths and "/api/v1/dashboards/{id}/trend/" in paths
    assert "/api/v1/me/" in paths and "/api/v1/ping/" in paths
    for path in (
        "/api/v1/reports/",
        "/api/v1/reports/{id}/",
        "/api/v1/reports/{id}/download/",
        "/api/v1/recognitions/",
        "/api/v1/recognitions/{id}/",
        "/api/v1/recognitions/{id}/revoke/",
        "/api/v1/assessment-excel/template/",
        "/api/v1/assessment-excel/import/",
        "/api/v1/auth/token/",
        "/api/v1/auth/tokens/",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {"400", "401", "403", "404"} <= set(operation["responses"]), (method, path)
            assert operation.get("summary") or operation.get("description"), (method, path)
            for parameter in operation.get("parameters", []):
                assert (
                    parameter.get("description")
                    or parameter["in"] == "path"
                    or parameter["name"]
                    in {
                        "page",
                    }
                ), (method, path, parameter["name"])
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_docs_load_swagger_ui_from_our_own_static_files(client, province_coordinator):
    client.force_login(province_coordinator)
    response = client.get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    redoc = client.get("/api/redoc/").content.decode()
    assert "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc
    assert "googleapis" not in redoc


def test_the_schema_states_the_year_limits_the_server_enforces(client, api, province_coordinator, geography):
    client.force_login(province_coordinator)
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    trend = {p["name"]: p for p in paths["/api/v1/dashboards/{id}/trend/"]["get"]["parameters"]}
    for name in ("from_year", "to_year"):
        assert trend[name]["schema"] == {"type": "integer", "minimum": 1990, "maximum": 2100}, name
    assert "to_year" in trend["from_year"]["description"] and "from_year" in trend["to_year"]["description"]
    year = next(p for p in paths["/api/v1/assessment-rounds/"]["get"]["parameters"] if p["name"] == "year")
    assert year["schema"] == {"type": "integer", "minimum": 1900, "maximum": 2100}
    # What the schema says is what the server does.
    url = f"/api/v1/dashboards/{geography.province.pk}/trend/"
    queries = [{"from_year": 1989}, {"to_year": 2101}, {"from_year": 2020, "to_year": 2019}, {"from_year": 2019}]
    answers = [api(province_coordinator).get(url, query).status_code for query in queries]
    assert answers == [400, 400, 400, 200]


def test_the_schema_says_text_takes_no_nul_and_is_more_than_spaces_where_it_may_not_be_blank(
    client, api, province_coordinator, geography
):
    client.force_login(province_coordinator)
    schemas = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]

    name = re.compile(schemas["AgencyRequest"]["properties"]["name"]["pattern"])
    assert name.search("Sở Y tế") and not name.search("Sở\x00Y tế") and not name.search("  \t ")
    password = re.compile(schemas["TokenObtainRequest"]["properties"]["password"]["pattern"])
    assert password.search("   ") and not password.search("a\x00")  # a password is not trimmed
    # What the schema says is what the server does.
    body = {"kind": "department", "level": "province", "unit_id": geography.province.pk}
    answers = [
        api(province_coordinator).post("/api/v1/agencies/", {**body, "name": name}, format="json")
        for name in ("   ", "Sở\x00Y tế", "Sở Y tế")
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 201]
    assert set(answers[0].json()) == set(answers[1].json()) == {"name"}


@contextmanager
def _requests_keep_the_connection():
    """Requests through the WSGI handler in this process, inside the test's transaction. Django closes the database
    connection when a request finishes; its own test client switches that off, and so must this."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _served_schema() -> dict:
    """The schema /api/schema/ serves, asked for as a signed-in user would (the view refuses anonymous callers). The
    user is not saved: the schema view reads no row, and no database is open while the module is collected."""
    request = APIRequestFactory().get("/api/schema/", {"format": "json"})
    force_authenticate(request, user=User(username="schema-reader"))
    response = SchemaView.as_view()(request)
    assert response.status_code == 200, response.status_code
    return json.loads(response.render().content)


# Loaded when the module is collected. Not `schemathesis.pytest.from_fixture`: its lazy loader reads
# `request.node._nodeid`, which pytest 9 no longer has.
schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = get_wsgi_application()
schema.config.phases.coverage.enabled = FUZZ_BOUNDARY_CASES
load_all_checks()


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def _reference_error_patterns() -> list[re.Pattern]:
    """The API's messages for a reference to a record that does not exist or is outside the caller's scope (a body's
    `"commune_id": 7`, a filter's `?commune_id=7`) and for credentials that match no account, in both languages, as
    patterns: read from the code that says them."""
    templates = [
        WRONG_CREDENTIALS,  # which username and password are right is the data's business too
        # What an upload holds, too: schemathesis sends an empty binary as an empty file or as a plain form field,
        # which a file field refuses as empty or as no file at all.
        *FileField.default_error_messages.values(),
        PrimaryKeyRelatedField.default_error_messages["does_not_exist"],
        SlugRelatedField.default_error_messages["does_not_exist"],
        *{f.not_found for f in _subclasses(_ManyFilter)},
    ]
    patterns = []
    for language in ("vi", "en"):
        with translation.override(language):
            for template in templates:
                parts = re.split(r"%\(\w+\)s|\{\w+\}", str(template))
                patterns.append(re.compile(".*".join(map(re.escape, parts)), re.S))
    return patterns


REFERENCE_ERRORS = _reference_error_patterns()


def _messages(body):
    if isinstance(body, dict):
        for value in body.values():
            yield from _messages(value)
    elif isinstance(body, list):
        for value in body:
            yield from _messages(value)
    else:
        yield str(body)


def positive_data_acceptance_of_known_references(ctx, response, case):
    """schemathesis' positive_data_acceptance, except for a 400 whose every message refuses a reference to a record
    that does not exist or that the caller may not see, or to credentials that match no account, or an uploaded file
    that is empty or no workbook. Such a request is valid in form, which is all a schema can promise: which ids and
    passwords exist and what a file holds are the data's business.
    Any other refusal of schema-valid data still fails."""
    if response.status_code == 400:
        body = response.json()
        if body.get("code") == "invalid_file":
            return None  # an upload whose bytes are no workbook: the schema can say "a file", not what is inside
        messages = list(_messages(body))
        if messages and all(any(p.fullmatch(m) for p in REFERENCE_ERRORS) for m in messages):
            return None
    return positive_data_acceptance(ctx, response, case)


# Every check schemathesis has (its CLI's `--checks all`): the answers' codes, types, headers and bodies against the
# schema, invalid input refused and valid input accepted (up to the ids that exist, above), methods the schema does
# not list refused, credentials required, deleted records gone. max_response_time needs a limit of its own: timing is
# not what this test is about.
ALL_CHECKS = [
    positive_data_acceptance_of_known_references if check is positive_data_acceptance else check
    for check in CHECKS.get_all()
    if check.__name__ != "max_response_time"
]


@pytest.fixture(scope="module")
def coordinator_token(django_db_setup, django_db_blocker):
    """Both provinces' data, built once for every operation's test in a transaction rolled back at the end of the
    module (each test's own writes are rolled back after it, in a savepoint); the coordinator's token, whose rate is
    lifted for the run."""
    rates = api_settings.DEFAULT_THROTTLE_RATES
    saved_rate, rates["token"] = rates["token"], "1000000/hour"
    with django_db_blocker.unblock(), transaction.atomic():
        geography = build_geography()
        criteria_set = build_criteria_set()
        liaison = build_liaison(geography)
        build_world(geography.province, geography.district_a, geography.commune_a1, criteria_set, liaison.agency)
        build_elsewhere(criteria_set)
        coordinator = UserFactory(username="coordinator", role=Role.PROVINCE_COORDINATOR, unit=geography.province)
        key = token_issue(user=coordinator, name="schemathesis")[1]
        foreign_keys_checked()
        yield key
        transaction.set_rollback(True)
    rates["token"] = saved_rate


def test_the_fuzzers_token_sees_the_data_it_fuzzes(coordinator_token):
    """Without data or with a dead token every answer would be an empty list or a 401, and conform trivially."""
    client = token_client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {coordinator_token}")

    assert client.get("/api/v1/communes/").json()["count"] == 3
    assert client.get("/api/v1/field-visits/").json()["count"] == 1


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_the_api_never_fails_and_keeps_to_its_schema(case, coordinator_token):
    # Per test: Django's own test client, used by other tests, reconnects the signal when its request ends.
    with _requests_keep_the_connection():
        case.call_and_validate(
            headers={"Authorization": f"Token {coordinator_token}"},
            checks=ALL_CHECKS,
        )
