"""Dossier pages, one module per page group: ``wizard`` (new dossier, steps, send), ``my_dossiers``
(the list), ``detail`` (detail, success page, receipt, rating, withdraw, delete), ``supplement``
and ``files`` (downloads, and the upload handling the wizard and the supplement page share).

Every view that takes a code is a generic view whose ``get_queryset()`` is one of
``dossiers.selectors``' scopes of the requesting user: a stranger's code gives 404 exactly like a
code that does not exist. A view checks, binds its form, calls one service or workflow function,
adds a message and redirects.
"""
