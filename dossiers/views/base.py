from django.views.generic.detail import SingleObjectMixin


class ScopedObjectMixin(SingleObjectMixin):
    """The object named by the URL's code, from ``get_queryset()`` (scoped to the user), loaded
    once before the handler runs: 404 when the code is not in the scope. In the context under its
    model's name (``dossier``, ``procedure``).

    List it after ``LoginRequiredMixin``, so an anonymous visitor is sent to the login page first.
    """

    slug_field = slug_url_kwarg = "code"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)
