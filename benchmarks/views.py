"""The load benchmark's reference page (routed only by benchmarks/urls.py).

What Django itself costs in this server: the full middleware stack, one indexed query (a
procedure by its unique code) and a small template that extends nothing. Every page of the
benchmark is reported as a fraction of this page's requests per second, measured in the same run,
so a busy machine slows both sides alike.
"""

from django.http import Http404
from django.shortcuts import render

from procedures.models import Procedure


def baseline(request, code: str):
    row = Procedure.objects.filter(code=code).values("code", "name").first()
    if row is None:
        raise Http404
    return render(request, "benchmarks/baseline.html", {"procedure": row})
