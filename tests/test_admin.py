"""The admin as data stewards use it: every page opens, search folds diacritics, lists cost fixed queries."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalChanges

from communes.choices import Region
from communes.models import AdministrativeUnit, Recognition, UnitSuccession
from criteria.admin import ReadOnlyAdminMixin
from criteria.models import (
    AssessmentChange,
    AssessmentRound,
    CriteriaSet,
    Criterion,
    CriterionResult,
    EvidenceFile,
    ExcelImportJob,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Standing,
    UnitTarget,
)
from ntm_portal.choices import Role
from ntm_portal.models import ApiToken, User
from ntm_portal.tokens import token_issue
from reports.models import ReportJob, ReportLetterhead
from secondments.models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)
from tests.communes.factories import CommuneFactory, ProvinceFactory, RecognitionFactory
from tests.criteria.factories import (
    AssessmentChangeFactory,
    AssessmentRoundFactory,
    CriteriaSetFactory,
    CriterionFactory,
    CriterionResultFactory,
    EvidenceFileFactory,
    IndicatorFactory,
    IndicatorTargetFactory,
    IndicatorValueFactory,
    UnitTargetFactory,
)
from tests.ntm_portal.factories import UserFactory
from tests.reports.factories import ReportJobFactory, ReportLetterheadFactory
from tests.secondments.factories import (
    AgencyFactory,
    CadreFactory,
    FieldVisitFactory,
    SecondmentBatchFactory,
    SecondmentFactory,
    SponsorAssignmentFactory,
    SupportContributionFactory,
    WorkPlanFactory,
    WorkPlanItemFactory,
)

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


NOT_ADDABLE = {ApiToken, AccessAttempt, AccessLog, AccessFailureLog}


def login_rows(username: str, *models) -> None:
    """What django-axes records of sign-ins: a failed attempt, a sign-in and a failure (or only the given ones)."""
    now = timezone.now()
    common = {"username": username, "ip_address": "10.0.0.1", "user_agent": "pytest", "attempt_time": now}
    for model in models or (AccessAttempt, AccessLog, AccessFailureLog):
        if model is AccessAttempt:
            AccessAttempt.objects.create(**common, failures_since_start=1, get_data="", post_data="", http_accept="*/*")
        elif model is AccessLog:
            AccessLog.objects.create(**common, http_accept="*/*")
        else:
            AccessFailureLog.objects.create(**common, http_accept="*/*", locked_out=False)


@pytest.fixture
def one_of_each(geography):
    """A small province with one row of every model, each linked to the others as in real data."""
    criteria_set = CriteriaSetFactory()
    criterion = CriterionFactory(criteria_set=criteria_set, number=1)
    indicator = IndicatorFactory(criterion=criterion, code="1.1")
    IndicatorTargetFactory(indicator=indicator, region=Region.NORTHERN_MIDLANDS_MOUNTAINS)
    assessment_round = AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=criteria_set)
    CriterionResultFactory(assessment_round=assessment_round, criterion=criterion)
    IndicatorValueFactory(assessment_round=assessment_round, indicator=indicator)
    EvidenceFileFactory(assessment_round=assessment_round, indicator=indicator)
    UnitTargetFactory(unit=geography.district_a)
    RecognitionFactory(commune=geography.commune_a2, criteria_set=criteria_set)
    UnitSuccession.objects.create(
        successor=geography.commune_a1, predecessor=CommuneFactory(parent=geography.district_a)
    )

    agency = AgencyFactory(unit=geography.province)
    cadre = CadreFactory(home_agency=agency)
    secondment = SecondmentFactory(
        cadre=cadre,
        commune=geography.commune_a1,
        batch=SecondmentBatchFactory(province=geography.province),
    )
    assignment = SponsorAssignmentFactory(agency=agency, commune=geography.commune_a1)
    WorkPlanItemFactory(work_plan=WorkPlanFactory(assignment=assignment), criterion=criterion)
    visit = FieldVisitFactory(agency=agency, commune=geography.commune_a1, secondment=secondment)
    visit.criteria_addressed.add(criterion)
    SupportContributionFactory(giver=agency, commune=geography.commune_a1, criterion=criterion)

    official = UserFactory(role=Role.COMMUNE_OFFICIAL, unit=geography.commune_a1)
    token_issue(user=official, name="script")
    login_rows(official.username)
    AssessmentChange.objects.create(
        assessment_round=assessment_round,
        commune=geography.commune_a1,
        changed_by=official,
        kind="state",
        field="status",
        old_value="draft",
        new_value="submitted",
    )
    Group.objects.create(name="Thẩm tra viên")
    ReportJobFactory(unit=geography.province, criteria_set=criteria_set, requested_by=official)
    ExcelImportJob.objects.create(requested_by=official, file_name="danh-gia.xlsx")
    ReportLetterheadFactory(unit=geography.province)
    return geography


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_of_every_model_opens(admin_client, one_of_each, model):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    # A search runs every search_fields lookup, so a misspelt one fails here rather than in a steward's hands.
    assert admin_client.get(admin_url(model, "changelist"), {"q": "thu"}).status_code == 200
    # Assessment values are read-only here (changed only through the audited workflow): no add page; nor for API
    # tokens (the key could not be shown) and sign-in records (axes writes them).
    addable = not isinstance(admin.site._registry[model], ReadOnlyAdminMixin) and model not in NOT_ADDABLE
    assert admin_client.get(admin_url(model, "add")).status_code == (200 if addable else 403)
    obj = model._default_manager.first()
    assert obj is not None, f"the fixture builds no {model._meta.label}"
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_every_model_of_the_project_has_an_admin():
    # A history table (simple_history) is shown through its record's admin ("Lịch sử"), not an admin of its own.
    project_models = {
        model
        for app in ("communes", "criteria", "secondments", "reports", "ntm_portal")
        for model in apps.get_app_config(app).get_models()
        if not issubclass(model, HistoricalChanges)
    }
    assert project_models - set(admin.site._registry) == set()


def test_the_unit_search_finds_dinh_hoa_without_diacritics(admin_client, geography):
    for term in ("dinh hoa", "Định Hóa", "định hoá", "DINH HOA"):
        response = admin_client.get(admin_url(AdministrativeUnit, "changelist"), {"q": term})

        assert list(response.context["cl"].result_list) == [geography.district_a], term


def test_the_unit_search_finds_a_unit_by_its_code(admin_client, geography):
    response = admin_client.get(admin_url(AdministrativeUnit, "changelist"), {"q": "05620"})

    assert list(response.context["cl"].result_list) == [geography.commune_b1]


def test_the_commune_autocomplete_of_a_round_offers_communes_only(admin_client, geography):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "criteria", "model_name": "assessmentround", "field_name": "commune", "term": "phu"},
    )

    # "Phú" names the district Phú Lương too, but a round belongs to a commune.
    names = [result["text"] for result in response.json()["results"]]
    assert names == ["Xã Phú Đình", "Xã Sơn Phú"]


def test_a_rounds_inlines_offer_only_the_criteria_of_its_own_set(admin_client, geography):
    own_set = CriteriaSetFactory(criteria_count=2)
    CriteriaSetFactory(criteria_count=3)
    assessment_round = AssessmentRoundFactory(commune=geography.commune_a1, criteria_set=own_set)

    response = admin_client.get(admin_url(AssessmentRound, "change", assessment_round.pk))

    formset = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is CriterionResult)
    offered = formset.empty_form.fields["criterion"].queryset
    assert set(offered) == set(own_set.criteria.all())


# One more row of each model, with related rows of its own so that a missing join shows as one query per row.
BUILDERS = {
    AdministrativeUnit: lambda: CommuneFactory(),
    Recognition: lambda: RecognitionFactory(criteria_set=CriteriaSetFactory()),
    UnitSuccession: lambda: UnitSuccession.objects.create(successor=CommuneFactory(), predecessor=CommuneFactory()),
    CriteriaSet: lambda: CriteriaSetFactory(criteria_count=2, province=ProvinceFactory()),
    Criterion: lambda: CriterionFactory(),
    Indicator: lambda: IndicatorFactory(),
    IndicatorTarget: lambda: IndicatorTargetFactory(),
    AssessmentRound: lambda: AssessmentRoundFactory(),
    CriterionResult: lambda: CriterionResultFactory(),
    Standing: lambda: CriterionResultFactory(),  # the ledger follows the round and its result
    IndicatorValue: lambda: IndicatorValueFactory(),
    EvidenceFile: lambda: EvidenceFileFactory(indicator=IndicatorFactory()),
    UnitTarget: lambda: UnitTargetFactory(),
    Agency: lambda: AgencyFactory(parent=AgencyFactory()),
    Cadre: lambda: CadreFactory(),
    SecondmentBatch: lambda: SecondmentBatchFactory(),
    Secondment: lambda: SecondmentFactory(batch=SecondmentBatchFactory()),
    SponsorAssignment: lambda: SponsorAssignmentFactory(),
    WorkPlan: lambda: WorkPlanFactory(),
    WorkPlanItem: lambda: WorkPlanItemFactory(criterion=CriterionFactory()),
    FieldVisit: lambda: FieldVisitFactory(secondment=SecondmentFactory()),
    SupportContribution: lambda: SupportContributionFactory(criterion=CriterionFactory()),
    User: lambda: UserFactory(unit=CommuneFactory(), agency=AgencyFactory()),
    Group: lambda: Group.objects.create(name=f"Nhóm {Group.objects.count()}"),
    ApiToken: lambda: token_issue(user=UserFactory(), name="script"),
    AccessAttempt: lambda: login_rows(UserFactory().username, AccessAttempt),
    AccessLog: lambda: login_rows(UserFactory().username, AccessLog),
    AccessFailureLog: lambda: login_rows(UserFactory().username, AccessFailureLog),
    AssessmentChange: lambda: AssessmentChangeFactory(),
    ReportJob: lambda: ReportJobFactory(requested_by=UserFactory()),
    ReportLetterhead: lambda: ReportLetterheadFactory(),
    ExcelImportJob: lambda: ExcelImportJob.objects.create(requested_by=UserFactory(), file_name="danh-gia.xlsx"),
}


def build(model, count: int) -> None:
    for _ in range(count):
        BUILDERS[model]()


def changelist_queries(client, model) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_every_registered_model_has_a_builder_for_the_query_count_test():
    assert set(REGISTERED_MODELS) - set(BUILDERS) == set()


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_a_changelist_costs_the_same_queries_for_2_rows_as_for_22(admin_client, model):
    build(model, 2)
    few = changelist_queries(admin_client, model)

    build(model, 20)
    many = changelist_queries(admin_client, model)

    assert many == few


# Every changelist starts with the session and the user (2) and counts its rows twice, filtered and in full (2).
PINNED_CHANGELIST_QUERIES = [
    # + provinces in use, districts in use (sidebar), the rows joined to parent and province
    pytest.param(AdministrativeUnit, 7, id="AdministrativeUnit"),
    # + batches, provinces in use, districts in use (sidebar), the rows joined to cadre, commune and batch,
    #   the start dates' range and the days in it (date hierarchy)
    pytest.param(Secondment, 10, id="Secondment"),
    # + criteria sets, provinces in use, districts in use, years (sidebar),
    #   the rows joined to commune, its district and the criteria set
    pytest.param(AssessmentRound, 9, id="AssessmentRound"),
]


@pytest.mark.parametrize(("model", "expected"), PINNED_CHANGELIST_QUERIES)
def test_the_busiest_changelists_run_a_pinned_number_of_queries(
    admin_client, django_assert_num_queries, model, expected
):
    build(model, 2)
    with django_assert_num_queries(expected):
        response = admin_client.get(admin_url(model, "changelist"))
    assert len(response.context["cl"].result_list) == model._default_manager.count()

    build(model, 20)
    with django_assert_num_queries(expected):
        response = admin_client.get(admin_url(model, "changelist"))
    assert len(response.context["cl"].result_list) == model._default_manager.count()


def test_a_steward_adds_a_commune_official_with_the_commune_in_one_form(admin_client, geography):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "username": "official_a2",
            "usable_password": "true",
            "password1": "mat-khau-rat-dai-2025",
            "password2": "mat-khau-rat-dai-2025",
            "role": Role.COMMUNE_OFFICIAL,
            "unit": geography.commune_a2.pk,
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="official_a2").unit == geography.commune_a2


def test_the_user_form_refuses_a_district_officer_without_a_district(admin_client, geography):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "username": "officer_x",
            "usable_password": "true",
            "password1": "mat-khau-rat-dai-2025",
            "password2": "mat-khau-rat-dai-2025",
            "role": Role.DISTRICT_OFFICER,
            "unit": geography.commune_a2.pk,
        },
    )

    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="officer_x").exists()
