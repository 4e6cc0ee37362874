class VietnameseFirstMiddleware:
    """Drop the browser's Accept-Language: a page's language is in its address (Vietnamese
    without a prefix, English under /en/), never guessed from the browser, whose settings are
    often English on citizens' phones and office computers. It also keeps the header out of
    cache keys, so one cached copy of an anonymous page serves every browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
