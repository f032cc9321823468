from . import views


def register(router) -> None:
    router.register("agencies", views.AgencyViewSet, basename="agency")
    router.register("cadres", views.CadreViewSet, basename="cadre")
    router.register("secondment-batches", views.SecondmentBatchViewSet, basename="secondmentbatch")
    router.register("secondments", views.SecondmentViewSet, basename="secondment")
    router.register("sponsor-assignments", views.SponsorAssignmentViewSet, basename="sponsorassignment")
    router.register("work-plans", views.WorkPlanViewSet, basename="workplan")
    router.register("work-plan-items", views.WorkPlanItemViewSet, basename="workplanitem")
    router.register("field-visits", views.FieldVisitViewSet, basename="fieldvisit")
    router.register("support-contributions", views.SupportContributionViewSet, basename="supportcontribution")
