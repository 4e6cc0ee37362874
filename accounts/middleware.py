import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

ACTIVITY_KEY = "_last_activity"


class IdleSessionTimeoutMiddleware:
    """End sessions left idle on a shared computer.

    A session without "remember me" (expires with the browser) is closed after
    ``SESSION_IDLE_TIMEOUT`` seconds without a request. The timestamp is refreshed at most once a
    minute so ordinary browsing does not write the session on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.get_expire_at_browser_close():
            now = int(time.time())
            last = request.session.get(ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("Your session ended after a period of inactivity. Please log in again."))
            elif last is None or now - last >= 60:
                request.session[ACTIVITY_KEY] = now
        return self.get_response(request)
