from celery import shared_task

from . import selectors


@shared_task
def catalogue_warm() -> None:
    """Compute the agency tree, the fields and the plain list's counts of the current catalogue
    version, so the first visitor after a change does not wait for them.

    Enqueued after commit by ``services.catalogue_changed``. Running it twice is harmless: the
    second run finds everything cached for that version; a run for a version already replaced
    fills keys nobody reads, which expire.
    """
    selectors.catalogue_warm()
