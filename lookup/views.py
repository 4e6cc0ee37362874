import dataclasses

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.generic import FormView

from accounts import captchas
from portal import pagecache

from . import ratelimit, selectors
from .forms import CODE_HOLE, LookupForm, is_well_formed, normalise_code


class LookupView(FormView):
    """Tra cứu hồ sơ: a dossier code plus the confirmation code; the answer appears below the box.

    Each attempt counts against a per-address limit, so codes cannot be guessed in bulk even by
    someone who can solve captchas.
    """

    template_name = "lookup/lookup.html"
    form_class = LookupForm
    # This minute's captcha list when the rate limit popped the answer page's captcha from it,
    # and what it popped (None: the list was empty; portal.cache.UNREACHABLE: Redis was away).
    shelf: str | None = None
    popped_captcha: bytes | None = None
    # The answer to this code as rendered before, (version, html), read with the rate limit.
    cached_answer = None

    def get_initial(self):
        return {"code": normalise_code(self.request.GET.get("code", ""))[:200]}

    def post(self, request, *args, **kwargs):
        limit = {"scope": "lookup", "limit": settings.LOOKUP_RATE_LIMIT, "window_seconds": 60}
        self.shelf = captchas.shelf() if pagecache.is_cacheable_visitor(request) else None
        # The captcha of the answer's page and the answer as rendered before are taken in the
        # rate limit's round trip (two fewer per lookup); the captcha is given back if unused.
        allowed, self.popped_captcha, self.cached_answer = ratelimit.hit_and_take(
            request, list_key=self.shelf, get=answer_key(request.POST.get("code", "")), **limit
        )
        try:
            if not allowed:
                # The box again with the code typed, without validating (or using up) the captcha.
                form = self.form_class(initial={"code": normalise_code(request.POST.get("code", ""))[:200]})
                form.captcha_key = self.take_popped_captcha()
                context = self.get_context_data(form=form, limited=True)
                return self.render_to_response(context, status=429)
            return super().post(request, *args, **kwargs)
        finally:
            if self.shelf is not None and self.popped_captcha is not None:
                captchas.give_back(self.shelf, self.popped_captcha)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # No answer rendered before (most lookups: a citizen checks their own dossier now and
        # then): the history comes in the dossier's own statement.
        form.with_history = self.cached_answer is None
        return form

    def form_valid(self, form):
        dossier = form.dossier
        # The answer changes only with its dossier (and the day): rendered once per version.
        cached = self.cached_answer
        if isinstance(cached, tuple) and cached[0] == dossier.version:
            answer = cached[1]
        else:
            if dossier.history is None:  # rendered before, for an older version
                dossier = dataclasses.replace(dossier, history=selectors.public_history(dossier.pk))
            answer = render_to_string("lookup/_answer.html", {"dossier": dossier}, self.request)
            key = answer_key(dossier.code)
            if key is not None:  # always, for a code a dossier has
                cache.set(key, (dossier.version, answer), ANSWER_CACHE_SECONDS)
        if pagecache.is_cacheable_visitor(self.request):
            return HttpResponse(self.anonymous_answer_page(dossier.code, answer))
        # A fresh, empty captcha for the next lookup; the code stays in the box.
        next_form = self.form_class(initial={"code": dossier.code})
        return self.render_to_response(
            self.get_context_data(form=next_form, dossier=dossier, answer=mark_safe(answer))  # noqa: S308 - our template
        )

    def anonymous_answer_page(self, code: str, answer: str) -> str:
        """The page around an answer for a visitor who is not logged in: the same for everyone
        but for the CSRF token, the code in the box, the new captcha and the answer, so it is
        rendered once per process, language and address with placeholders for those (see
        ``portal.pagecache``) and each response fills them in. Rendering the page was the
        largest part of a lookup after the database (docs/benchmarks/load.md)."""
        key = pagecache.page_key(self.request, "lookup-answer")
        templates = caches["templates"]
        frame = templates.get(key)
        if frame is None:
            form = self.form_class(initial={"code": CODE_HOLE})
            form.fields["captcha"].widget.deferred_key = pagecache.CAPTCHA_HOLE
            context = self.get_context_data(form=form, answer=ANSWER_HOLE)
            context["csrf_token"] = pagecache.CSRF_HOLE
            frame = render_to_string(self.template_name, context, self.request)
            templates.set(key, frame, ANSWER_CACHE_SECONDS)
        html = frame.replace(f' value="{CODE_HOLE}"', f' value="{escape(code)}"')
        # The answer last: it holds what citizens typed, which must never be taken for a placeholder.
        captcha_key = self.take_popped_captcha() if pagecache.CAPTCHA_HOLE in html else None
        html = pagecache.fill(self.request, html, captcha_key=captcha_key)
        return html.replace(ANSWER_HOLE, answer)

    def take_popped_captcha(self) -> str | None:
        """The captcha popped with the rate limit, for the page being made (a new batch if the
        list was empty); None when none was popped (then the page takes one itself)."""
        if self.shelf is None:
            return None
        self.shelf = None
        return captchas.issue_key(popped=self.popped_captcha)


def answer_key(code: str) -> str | None:
    """The cache key of the answer to ``code`` as typed (normalised), in this language; None for
    a code no dossier can have. The entry holds the dossier's version with the answer, so a
    lookup reads it before it knows the dossier (in the rate limit's round trip)."""
    if len(code) > LookupForm.base_fields["code"].max_length:  # refused by the form: not normalised
        return None
    code = normalise_code(code)
    return f"lookup:answer:{get_language()}:{code}" if is_well_formed(code) else None


# Where the answer goes in the page rendered once for anonymous visitors.
ANSWER_HOLE = "portalholelookupanswer7c1e"

# Bounds how long a renamed agency may show under its old name in an answer (a dossier's own
# changes and its procedure's show at once: the entry holds their version, checked each time).
ANSWER_CACHE_SECONDS = 600
