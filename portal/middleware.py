class VietnameseFirstMiddleware:
    """Serve Vietnamese unless the visitor picked another language with the switcher.

    Django would otherwise follow the browser's Accept-Language, and many citizens' phones and
    office computers are set to English; the portal's language is Vietnamese first. The choice
    made with the switcher (the language cookie) still wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
