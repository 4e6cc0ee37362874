from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("procedures/", views.ProcedureListView.as_view(), name="list"),
    path("procedures/suggest/", views.ProcedureSuggestView.as_view(), name="suggest"),
    path("procedures/<str:code>/", views.ProcedureDetailView.as_view(), name="detail"),
    path(
        "procedures/<str:code>/templates/<int:document_id>/",
        views.TemplateDownloadView.as_view(),
        name="template",
    ),
    path("agencies/", views.AgencyListView.as_view(), name="agencies"),
    path("agencies/<str:code>/", views.AgencyDetailView.as_view(), name="agency"),
]
