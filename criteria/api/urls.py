from . import communes, excel, recognitions, views


def register(router) -> None:
    router.register("communes", communes.CommuneViewSet, basename="commune")
    router.register("recognitions", recognitions.RecognitionViewSet, basename="recognition")
    router.register("criteria-sets", views.CriteriaSetViewSet, basename="criteriaset")
    router.register("assessment-rounds", views.AssessmentRoundViewSet, basename="assessmentround")
    router.register("indicator-values", views.IndicatorValueViewSet, basename="indicatorvalue")
    router.register("unit-targets", views.UnitTargetViewSet, basename="unittarget")
    router.register("assessment-excel", excel.AssessmentExcelViewSet, basename="assessmentexcel")
