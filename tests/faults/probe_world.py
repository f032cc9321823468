"""The world run_probes.py attacks, built in its own database before gunicorn starts; prints it as one JSON line.

    DJANGO_SETTINGS_MODULE=... python tests/faults/probe_world.py    (after migrate, load_criteria and load_demo)

The demo is one province (Thái Nguyên, "A"). This adds a second, Lạng Sơn ("B"), built by the same demo builder, with
four personas of its own, so that every role has records of another province to try; users for the password-guessing
probes; an evidence file on each side; an API token for each persona. Then it writes down, from the foreign keys
alone (never `visible_to`, which is what is under test), which province, district and commune each record belongs to.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
django.setup()

from django.conf import settings  # noqa: E402 - after django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402

from communes.models import AdministrativeUnit, Recognition  # noqa: E402
from criteria.choices import RoundStatus  # noqa: E402
from criteria.models import AssessmentRound, Criterion, EvidenceFile, IndicatorValue, UnitTarget  # noqa: E402
from demo import province as demo  # noqa: E402
from ntm_portal import tokens  # noqa: E402
from ntm_portal.choices import Role  # noqa: E402
from ntm_portal.models import User  # noqa: E402
from secondments.models import (  # noqa: E402
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

OTHER_PROVINCE = "Tỉnh Lạng Sơn"  # kept whole by the 2025 reform: one unit before and after, no merger with A
OTHER_DISTRICT = "Huyện Tràng Định"  # mountainous here: the builder assigns agencies to its disadvantaged communes
SUBMITTER = "probe_submitter"
GUESS_USERS = ["probe_guess", "probe_other", "probe_guess_api", "probe_other_api"]

# API resource -> (model, path to the record's commune or None, path to its unit when it has no commune).
RESOURCES = {
    "administrative-units": (AdministrativeUnit, None, ""),
    "communes": (AdministrativeUnit, "", None),
    "recognitions": (Recognition, "commune", None),
    "assessment-rounds": (AssessmentRound, "commune", None),
    "indicator-values": (IndicatorValue, "assessment_round__commune", None),
    "unit-targets": (UnitTarget, None, "unit"),
    "agencies": (Agency, None, "unit"),
    "cadres": (Cadre, None, "home_agency__unit"),
    "secondment-batches": (SecondmentBatch, None, "province"),
    "secondments": (Secondment, "commune", None),
    "sponsor-assignments": (SponsorAssignment, "commune", None),
    "work-plans": (WorkPlan, "assignment__commune", None),
    "work-plan-items": (WorkPlanItem, "work_plan__assignment__commune", None),
    "field-visits": (FieldVisit, "commune", None),
    "support-contributions": (SupportContribution, "commune", None),
    "evidence": (EvidenceFile, "assessment_round__commune", None),
}


def build_other_province() -> None:
    """Lạng Sơn by the demo builder: its constants pointed at B for the call, its logins left out."""
    saved = demo.PROVINCE_NAME, demo.SEED_DISTRICT, demo._ensure_users
    demo.PROVINCE_NAME, demo.SEED_DISTRICT = OTHER_PROVINCE, OTHER_DISTRICT
    demo._ensure_users = lambda *args, **kwargs: []
    try:
        demo.build_demo(communes=8)
    finally:
        demo.PROVINCE_NAME, demo.SEED_DISTRICT, demo._ensure_users = saved


def persona(username: str, role: Role, **scope) -> User:
    user, _ = User.objects.update_or_create(
        username=username, defaults={"role": role, "unit": None, "agency": None, "first_name": username, **scope}
    )
    user.set_password(demo.DEMO_PASSWORD)
    user.save()
    return user


def other_personas() -> list[User]:
    province = AdministrativeUnit.objects.get(level="province", name=OTHER_PROVINCE)
    present = AdministrativeUnit.objects.communes().in_force_on(demo.DEMO_TODAY).filter(province=province)
    district = AdministrativeUnit.objects.districts().filter(province=province, name=OTHER_DISTRICT).get()
    agency = SponsorAssignment.objects.filter(commune__province=province).order_by("pk").first().agency
    return [
        persona("b_tinh", Role.PROVINCE_COORDINATOR, unit=province),
        persona("b_huyen", Role.DISTRICT_OFFICER, unit=district),
        # The commune of B's verified round when there is one: the doubled transitions run there.
        persona(
            "b_xa",
            Role.COMMUNE_OFFICIAL,
            unit=present.filter(assessment_rounds__status=RoundStatus.VERIFIED).order_by("code").first()
            or present.order_by("code").first(),
        ),
        persona("b_coquan", Role.AGENCY_LIAISON, agency=agency),
    ]


def issue_token(user: User) -> str:
    # DRF's one key per user today; the auth branch's named, expiring keys (token_issue(name=...) -> (token, key)).
    if "name" in inspect.signature(tokens.token_issue).parameters:
        return tokens.token_issue(user=user, name="probes")[1]
    return tokens.token_issue(user=user).key


def open_session(user: User) -> str:
    """A signed-in browser session, as the login view leaves it: the password hash costs the run's CPU once per
    sign-in, and the guessing probes sign in through the form already."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend"))
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def add_evidence() -> None:
    """One file on a round of each province, for the download probes."""
    for code in ("19", "20"):
        assessment_round = AssessmentRound.objects.filter(commune__province__code=code).order_by("-year", "pk").first()
        evidence = EvidenceFile(assessment_round=assessment_round, description=f"probe evidence {code}")
        evidence.file.save(f"probe-{code}.pdf", ContentFile(b"%PDF-1.4\n% probe\n"), save=True)


def unit_places() -> dict[int, tuple[str, int | None, int | None]]:
    """Unit pk -> (province code, district pk, commune pk): where each unit sits, from its own columns."""
    places = {}
    for unit in AdministrativeUnit.objects.select_related("province"):
        province_code = unit.code if unit.level == "province" else unit.province.code
        commune = unit.pk if unit.level == "commune" else None
        district = unit.pk if unit.level == "district" else unit.district_id
        places[unit.pk] = (province_code, district, commune)
    return places


def records(places) -> dict[str, list]:
    """resource -> [[id, province code, district pk, commune pk]] for every record."""
    found = {}
    for resource, (model, commune_path, unit_path) in RESOURCES.items():
        rows = model.objects.all()
        if resource == "communes":
            rows = rows.filter(level="commune")
        path = commune_path if commune_path is not None else unit_path
        field = f"{path}__pk" if path else "pk"
        found[resource] = [[pk, *places[unit]] for pk, unit in rows.values_list("pk", field) if unit is not None]
    return found


def workflow_rounds(coordinator: User) -> dict:
    """The rounds the concurrency probes use: a draft (or returned) one the coordinator may edit, with one of its
    criteria; a returned one with every criterion assessed, for a doubled submit by its
    commune's official; B's verified round, for a doubled approve and reopen by B's coordinator."""
    rounds = AssessmentRound.objects.filter(commune__province=coordinator.unit)
    draft = rounds.filter(status__in=[RoundStatus.DRAFT, RoundStatus.RETURNED]).order_by("pk").first()
    # The note of one criterion is what the parallel saves write: every set has criteria, not every one indicators.
    criterion = Criterion.objects.filter(criteria_set=draft.criteria_set).order_by("number").first()
    submittable = (
        rounds.filter(status=RoundStatus.RETURNED)
        .exclude(pk=draft.pk)
        .exclude(criterion_results__met__isnull=True)
        .order_by("pk")
        .first()
    )
    if submittable:
        persona(SUBMITTER, Role.COMMUNE_OFFICIAL, unit=submittable.commune)
    verified = AssessmentRound.objects.filter(commune__province__name=OTHER_PROVINCE, status=RoundStatus.VERIFIED)
    verified = verified.filter(commune__district__isnull=True).order_by("pk").first()  # the province verifies there
    return {
        "draft_round": draft.pk,
        "criterion": criterion.pk,
        "returned_round": submittable.pk if submittable else None,
        "verified_round": verified.pk if verified else None,
        "verified_commune": verified.commune_id if verified else None,
    }


def main() -> None:
    build_other_province()
    names = ["vpdp_tinh", "huyen_dinhhoa", "xa_phudinh", "coquan_snn", "xem"]
    users = [User.objects.get(username=name) for name in names] + other_personas()
    workflow = workflow_rounds(users[0])
    for username in GUESS_USERS:
        persona(username, Role.VIEWER, unit=users[0].unit)
    add_evidence()
    places = unit_places()
    world = {
        "other_province_code": AdministrativeUnit.objects.get(level="province", name=OTHER_PROVINCE).code,
        "records": records(places),
        "workflow": workflow,
        "submitter_token": issue_token(User.objects.get(username=SUBMITTER)) if workflow["returned_round"] else None,
        "personas": [
            {
                "username": user.username,
                "role": user.role,
                "token": issue_token(user),
                "session": open_session(user),
                "unit_id": user.unit_id,
                "province_code": places[user.unit_id][0] if user.unit_id else places[user.agency.unit_id][0],
                "level": user.unit.level if user.unit_id else None,
                "assigned": sorted(
                    set(SponsorAssignment.objects.filter(agency=user.agency_id).values_list("commune_id", flat=True))
                ),
            }
            for user in users
        ],
        # The detector's own check: the superuser reaches everything, so probed as A's coordinator it must leak.
        "superuser": {
            "username": "admin",
            "role": Role.PROVINCE_COORDINATOR,
            "token": issue_token(User.objects.get(username="admin")),
            "session": open_session(User.objects.get(username="admin")),
            "unit_id": users[0].unit_id,
            "province_code": places[users[0].unit_id][0],
            "level": "province",
            "assigned": [],
        },
    }
    Path(os.environ["NTM_PROBE_WORLD"]).write_text(json.dumps(world))


if __name__ == "__main__":
    main()
