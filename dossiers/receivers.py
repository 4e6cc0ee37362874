"""After logging in, point the citizen back to the wizard step they were on.

A login redirected from a wizard page (``?next=``, e.g. after the idle timeout) returns there by
itself; a fresh login (closed browser) lands on the home page, so a message links to the step
the latest draft was left at. Presentation only: nothing is written.
"""

from django.contrib import messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from . import selectors


def remind_unfinished_draft(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    draft = selectors.latest_draft(user=user)
    if draft is None:
        return
    url = reverse("dossiers:step", args=[draft.code, draft.current_step])
    messages.info(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _("You have a dossier that is not sent yet: %(code)s — %(procedure)s.")
            % {"code": draft.code, "procedure": draft.procedure.name},
            url,
            _("Continue where you left off"),
        ),
        fail_silently=True,  # a login without the messages middleware (an API client, a test)
    )
