from . import views


def register(router) -> None:
    router.register("administrative-units", views.AdministrativeUnitViewSet, basename="administrativeunit")
