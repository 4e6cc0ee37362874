from django.conf import settings
from django.utils.translation import get_language


def portal(request):
    """What every page's layout needs: the portal's name and, for the language switcher, this
    page's address in each language. Every page has the same address in every language but for
    the prefix (portal/urls.py: Vietnamese without one, English under /en/), so the addresses are
    the prefix swapped, not the URL resolved and reversed again on every page."""
    current = get_language()
    path = request.get_full_path()
    prefix = f"/{current}/"
    if current != settings.LANGUAGE_CODE and path.startswith(prefix):
        path = path[len(prefix) - 1 :]
    languages = [
        {
            "code": code,
            "name": name,
            "url": path if code == settings.LANGUAGE_CODE else f"/{code}{path}",
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "language_links": languages,
        "SESSION_IDLE_TIMEOUT": settings.SESSION_IDLE_TIMEOUT,
    }
