from django.urls import path

from reporting import board_views, lock_views

urlpatterns = [
    path("lich-bao-cao/", board_views.board, name="reporting_board"),
    path("lich-bao-cao/don-vi/<int:unit_id>/", board_views.unit_obligations, name="reporting_unit"),
    path("lich-bao-cao/che-do/", board_views.regime_list, name="reporting_regimes"),
    path("lich-bao-cao/mo-khoa/", lock_views.exception_list, name="lock_exceptions"),
    path("lich-bao-cao/mo-khoa/moi/", lock_views.grant_exception, name="lock_exception_grant"),
]
