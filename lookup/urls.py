from django.urls import path

from . import views

app_name = "lookup"

urlpatterns = [
    path("lookup/", views.LookupView.as_view(), name="lookup"),
]
