from django.urls import path

from . import stats_views, views

app_name = "lookup"

urlpatterns = [
    path("lookup/", views.LookupView.as_view(), name="lookup"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("statistics/", stats_views.StatisticsView.as_view(), name="statistics"),
    path("statistics/csv/", stats_views.StatisticsCsvView.as_view(), name="statistics_csv"),
]
