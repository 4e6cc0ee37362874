"""The benchmarks (`make bench*`) and what only they use: nothing in the portal imports this package.

``python -m benchmarks.load`` is the load benchmark (docs/benchmarks/load.md); catalogue.py,
lookup.py and dossiers.py measure one page through django.test.Client; settings.py, urls.py and
views.py are the load benchmark's server (production settings plus a bare baseline page).
"""
