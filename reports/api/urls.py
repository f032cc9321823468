from . import views


def register(router) -> None:
    router.register("reports", views.ReportJobViewSet, basename="reportjob")
