from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.generic import FormView

from core import admin_units

from . import services
from .constants import AccountType
from .forms import ProfileForm


class SignupView(AllauthSignupView):
    """allauth's signup, told which kind of account (``?type=organisation``) to show."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["account_type"] = self.request.GET.get("type", AccountType.PERSONAL)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["account_types"] = AccountType
        return ctx


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm
    success_url = reverse_lazy("accounts:profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        services.user_update_profile(user=self.request.user, data=form.cleaned_data)
        if self.request.user.is_organisation:
            messages.success(self.request, _("The organisation's profile has been saved."))
        else:
            messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class SessionKeepAliveView(LoginRequiredMixin, View):
    """ "Stay signed in" in the warning shown before an idle session ends (WCAG 2.2.1, timing
    adjustable): the request itself is the activity that ``IdleSessionTimeoutMiddleware`` counts."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        return HttpResponse(status=204)


@cache_control(public=True, max_age=24 * 3600)
def communes(request):
    """The communes, wards and special zones of one province (``?province=01``) as JSON, for the
    address fields' script to fill the commune list when the province changes. Static data from
    the package, in memory: no query. An unknown province answers an empty list."""
    found = admin_units.communes_of(request.GET.get("province", ""))
    return JsonResponse({"communes": [{"code": c.code, "name": c.name} for c in found]})
