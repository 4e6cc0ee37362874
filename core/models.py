"""Shared infrastructure's one table: rate-limit counters kept while the cache's Redis is away."""

from __future__ import annotations

from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone

NEVER = timedelta(days=3650)


class RateLimitCounterManager(models.Manager):
    """The cache calls django-ratelimit makes (``add``, ``incr``, ``get``), over PostgreSQL rows,
    for ``core.cache.RateLimitCache`` while Redis is unreachable. Expired rows count as absent
    and are deleted by the next ``add``."""

    @transaction.atomic
    def add(self, key: str, value: int, timeout: float | None) -> bool:
        now = timezone.now()
        self.filter(expires_at__lte=now).delete()
        expires_at = now + (NEVER if timeout is None else timedelta(seconds=timeout))
        _row, created = self.get_or_create(key=key, defaults={"count": value, "expires_at": expires_at})
        return created

    @transaction.atomic
    def incr(self, key: str, delta: int = 1) -> int:
        """The count after adding ``delta``; the row is locked, so concurrent requests each count."""
        row = self.select_for_update().filter(key=key, expires_at__gt=timezone.now()).first()
        if row is None:
            raise ValueError(f"Key '{key}' not found.")  # what Django's caches raise
        row.count += delta
        row.save(update_fields=["count"])
        return row.count

    def read(self, key: str, default=None):
        count = self.filter(key=key, expires_at__gt=timezone.now()).values_list("count", flat=True).first()
        return default if count is None else count


class RateLimitCounter(models.Model):
    """One rate-limit counter (django-ratelimit's cache key: the group, the client or account, the
    window), written only while the cache's Redis is away (``core.cache``)."""

    key = models.CharField(max_length=250, primary_key=True)
    count = models.IntegerField()
    expires_at = models.DateTimeField(db_index=True)

    objects = RateLimitCounterManager()

    def __str__(self) -> str:
        return f"{self.key} = {self.count}"
