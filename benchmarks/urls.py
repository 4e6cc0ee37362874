"""The portal's URLs plus the load benchmark's baseline page (ROOT_URLCONF of benchmarks.settings)."""

from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401 - Django reads them here
from portal.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [
    *portal_urlpatterns,
    path("bench/baseline/<str:code>/", views.baseline, name="bench-baseline"),
]
