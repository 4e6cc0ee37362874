from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def portal(request):
    """What every page's layout needs: the portal's name and, for the language switcher, this
    page's address in each language (the language is in the address: see portal/urls.py)."""
    current = get_language()
    path = request.get_full_path()
    languages = [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "language_links": languages,
        "SESSION_IDLE_TIMEOUT": settings.SESSION_IDLE_TIMEOUT,
    }
