"""The portal's URLs plus two views that let test_nginx.py look through nginx at what Django sees.

Used only by the gunicorn nodes of portal/tests/test_nginx.py (``portal.tests.deploy_settings``).
"""

from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.http import Http404, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from core.files import private_file_response
from core.ratelimit import client_ip
from portal.urls import urlpatterns as portal_urlpatterns


@csrf_exempt
def client_address(request):
    """What the rate limits see (core.ratelimit.client_ip, TRUSTED_PROXY_COUNT) and the raw headers."""
    return JsonResponse(
        {
            "client": client_ip(request),
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "x_forwarded_for": request.headers.get("X-Forwarded-For"),
            "x_real_ip": request.headers.get("X-Real-IP"),
            "secure": request.is_secure(),
            "host": request.get_host(),
            "body_bytes": len(request.body) if request.method == "POST" else 0,
        }
    )


def private_file(request, name):
    """A stand-in for a permission-checked download view: 404 unless ?allowed=1."""
    if request.GET.get("allowed") != "1":
        raise Http404
    fieldfile = FieldFile(None, FileField(), name)
    return private_file_response(
        fieldfile, download_name=request.GET.get("as", "tệp đính kèm.pdf"), content_type="application/pdf"
    )


urlpatterns = [
    path("_test/client-address/", client_address),
    path("_test/private/<path:name>", private_file),
    *portal_urlpatterns,
]
