from . import recognitions, views


def register(router) -> None:
    router.register("administrative-units", views.AdministrativeUnitViewSet, basename="administrativeunit")
    router.register("communes", views.CommuneViewSet, basename="commune")
    router.register("recognitions", recognitions.RecognitionViewSet, basename="recognition")
