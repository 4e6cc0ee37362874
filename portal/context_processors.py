from django.conf import settings


def portal(request):
    """Values every page's layout needs (portal name), without a query."""
    return {"PORTAL_NAME": settings.PORTAL_NAME}
