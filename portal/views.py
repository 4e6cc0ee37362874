from django import forms
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from core.decorators import cache_page_for_anonymous
from dossiers.selectors import most_used_procedures
from lookup.forms import LookupForm
from procedures.selectors import agencies_with_counts, catalogue_version


class LookupBoxForm(forms.Form):
    """The home page's lookup box: the code only, sent by GET to the lookup page, which asks the
    confirmation code. So the home page carries nothing per visitor and is cached whole."""

    code = LookupForm.base_fields["code"]


# Cached for anonymous visitors on the catalogue version, like the catalogue's pages; the most
# used procedures (counted from the dossiers sent, not a catalogue change) at most 5 minutes old.
@method_decorator(cache_page_for_anonymous(300, version=catalogue_version), name="dispatch")
class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lookup_form"] = LookupBoxForm(auto_id="lookup_%s")
        context["most_used"] = most_used_procedures(limit=6)
        tree, counts = agencies_with_counts()
        context["agencies"] = [(node, counts.get(node.code, 0)) for node in tree.nodes if node.depth <= 1]
        return context


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def bad_request(request, exception):
    return render(request, "400.html", status=400)


@never_cache
def healthz(request):
    """For nginx, load balancers and monitoring: 200 "ok" while this node can query its database.

    The cache and the broker are left out on purpose: the portal keeps serving (and keeps every
    email in the outbox) while Redis is away, so taking a node out of rotation for it would only
    turn a degraded service into an outage. Cheap (one ``SELECT 1``), no session, no template.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
