"""Two rules every request and response obey, whatever view serves them."""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest
from django.urls import get_resolver
from django.utils.cache import patch_cache_control

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class RefuseControlCharactersMiddleware:
    """A path with a control character is a 404, a query value or name with one a 400 (the portal's
    own pages, one line in the log), before any view or query runs.

    No address of the portal contains one, and no form field sent by GET expects one; a NUL
    reaching PostgreSQL (whose text cannot hold it) raised ``psycopg.DataError``, a 500 with a
    traceback that anyone could repeat to fill the error log. First in ``MIDDLEWARE``, so not even
    the session is read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if CONTROL_CHARACTERS.search(request.path):
            raise Http404
        for name, values in request.GET.lists():
            if CONTROL_CHARACTERS.search(name) or any(CONTROL_CHARACTERS.search(value) for value in values):
                # The portal's 400 page, answered (not raised: a raised BadRequest is logged with
                # its traceback, the log flooding this is meant to end).
                return get_resolver().resolve_error_handler(400)(request, BadRequest())
        return self.get_response(request)


class PrivateUnlessPublicMiddleware:
    """``Cache-Control: private, no-store`` on every answer that does not declare itself public.

    Pages and files with personal data (a dossier with its CCCD and address, a receipt PDF, the
    profile, the back office) must not be kept by a shared proxy or left in a browser's cache on a
    shared computer. Rather than a decorator on each such view (and a leak on the one forgotten),
    the rule is the other way round: only what says ``public`` (the anonymous pages cached whole
    by ``core.decorators``, public documents) keeps its own header; static files are answered by
    WhiteNoise before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True, no_store=True)
        return response
