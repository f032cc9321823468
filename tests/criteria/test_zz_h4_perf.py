import datetime, time
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from communes.models import AdministrativeUnit, Recognition
from criteria.models import AssessmentRound, CriterionResult
from criteria.selectors import commune_progress_list, unit_progress_summary
from tests.communes.factories import ProvinceFactory, DistrictFactory
from tests.criteria.factories import CriteriaSetFactory

pytestmark = pytest.mark.django_db

def test_perf():
    cs = CriteriaSetFactory(criteria_count=19)
    crit = list(cs.criteria.all())
    prov = ProvinceFactory()
    districts = [DistrictFactory(parent=prov) for _ in range(9)]
    communes = []
    for i in range(700):
        d = districts[i % 9]
        c = AdministrativeUnit(code=f"9{i:04d}", name=f"Xã {i}", level="commune", kind="xa", parent=d)
        c.save()
        communes.append(c)
    rounds = AssessmentRound.objects.bulk_create(
        AssessmentRound(commune=c, criteria_set=cs, year=y, as_of=datetime.date(y, 12, 31), status="approved")
        for c in communes for y in range(2016, 2021))
    CriterionResult.objects.bulk_create(
        CriterionResult(assessment_round=r, criterion=k, met=(k.number + r.pk) % 4 != 0) for r in rounds for k in crit)
    Recognition.objects.bulk_create(Recognition(commune=c, level="standard", year=2018, decision_number=str(c.pk), decision_date=datetime.date(2018,12,1), signer="x") for c in communes[::3])
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE")
    for fn in (commune_progress_list, unit_progress_summary):
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            fn(unit=prov, as_of=datetime.date(2019, 12, 31))
        print(fn.__name__, connection.vendor, round(time.perf_counter() - t, 3), "s", len(q), [x["time"] for x in q.captured_queries])


def test_explain():
    test_perf()
    from criteria.selectors import _progress_communes, _set_and_criteria
    prov = AdministrativeUnit.objects.provinces().last()
    cs, _ = _set_and_criteria(None, year=2019)
    from criteria.models import CriteriaSet
    cs = CriteriaSet.objects.last()
    qs = _progress_communes(unit=prov, as_of=datetime.date(2019, 12, 31), criteria_set=cs, approved_only=False)
    g = qs.order_by().values("district_id", "district__code", "district__name", "level_as_of", "criteria_met").annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("pk"))
    print(g.explain(analyze=True))
