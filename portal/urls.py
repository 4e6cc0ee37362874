"""The portal's addresses. Every page a person reads is under ``i18n_patterns``: Vietnamese
without a prefix, English under ``/en/``, so a page's language is in its address and an
anonymous page is the same for every visitor (cacheable whole, no CSRF token to switch
language). Machine endpoints (health check, captcha images) have no language."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts.forms import AdminLoginForm
from accounts.urls import allauth_urlpatterns
from dossiers.payments.urls import api_urlpatterns as payment_api_urlpatterns

from . import views

admin.site.site_header = "Cổng Dịch vụ công — Quản trị"
admin.site.site_title = "Cổng Dịch vụ công"
admin.site.login_form = AdminLoginForm  # throttled like the citizens' login (core.ratelimit)

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("captcha/", include("captcha.urls")),
    path("payments/", include((payment_api_urlpatterns, "payments_api"))),
]
urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include(allauth_urlpatterns)),
    path("", include("procedures.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("payments/", include("dossiers.payments.urls")),
    path("", include("lookup.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
