from . import excel, views


def register(router) -> None:
    router.register("criteria-sets", views.CriteriaSetViewSet, basename="criteriaset")
    router.register("assessment-rounds", views.AssessmentRoundViewSet, basename="assessmentround")
    router.register("indicator-values", views.IndicatorValueViewSet, basename="indicatorvalue")
    router.register("unit-targets", views.UnitTargetViewSet, basename="unittarget")
    router.register("dashboards", views.DashboardViewSet, basename="dashboard")
    router.register("assessment-excel", excel.AssessmentExcelViewSet, basename="assessmentexcel")
