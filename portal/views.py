from django.shortcuts import render
from django.views.generic import TemplateView


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        from lookup.forms import LookupForm

        context = super().get_context_data(**kwargs)
        context["lookup_form"] = LookupForm(auto_id="lookup_%s")
        return context


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def bad_request(request, exception):
    return render(request, "400.html", status=400)
