from celery import shared_task

from . import selectors


@shared_task
def catalogue_warm() -> None:
    """Compute the agency tree, the fields, the synonyms, the vocabulary and the plain list's
    counts of the current catalogue version, so the first visitor after a change does not wait
    for them.

    Enqueued after commit by ``services.catalogue_changed``. Running it twice is harmless: the
    second run finds everything cached for that version; a run for a version already replaced
    fills keys nobody reads, which expire.
    """
    selectors.catalogue_warm()


@shared_task
def search_stats_purge() -> int:
    """Daily (beat ``search-stats-purge``): forget the counted queries nobody searched for
    ``SEARCH_STATS_KEEP_DAYS`` days. Running it twice is harmless."""
    from django.conf import settings

    from . import services

    return services.search_stats_purge(older_than_days=settings.SEARCH_STATS_KEEP_DAYS)
