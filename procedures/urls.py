from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("procedures/", views.procedure_list, name="list"),
    path("procedures/suggest/", views.ProcedureSuggestView.as_view(), name="suggest"),
    path("procedures/<str:code>/", views.ProcedureDetailView.as_view(), name="detail"),
    path("procedures/<str:code>/from-search/", views.SearchResultOpenedView.as_view(), name="from_search"),
    path(
        "procedures/<str:code>/templates/<int:document_id>/",
        views.TemplateDownloadView.as_view(),
        name="template",
    ),
    path("agencies/", views.AgencyListView.as_view(), name="agencies"),
    path("agencies/<str:code>/", views.AgencyDetailView.as_view(), name="agency"),
]
