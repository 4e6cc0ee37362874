"""What every benchmark does around its measurements: its own database, its own Redis keys.

A benchmark writes to a PostgreSQL database of its own (refused unless its name says "bench") and
to Redis only under its own key prefix, which it deletes key by key: it may share a Redis database
with a developer's portal or another benchmark, so it never empties one.
"""

from __future__ import annotations

from urllib.parse import urlparse

NOTES_MARKER = "## Reading the figures"


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the benchmark's database if it is missing (drop it first with ``recreate``)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"A benchmark only writes to a database whose name contains 'bench', not {name!r}.")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def delete_keys(redis_url: str, *patterns: str) -> int:
    """Delete the keys matching ``patterns`` (e.g. ``"bench-load:*"``), never the whole database."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deleted = 0
    for pattern in patterns:
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += client.unlink(*batch)
                batch.clear()
        if batch:
            deleted += client.unlink(*batch)
    return deleted


def empty_cache() -> None:
    """Empty the Django cache of this process's settings: its key prefix only (core/cache.py's
    ``clear()`` never empties the Redis database)."""
    from django.core.cache import cache

    cache.clear()


def write_report(path, report: str) -> None:
    """Write the figures to ``path``, keeping the hand-written notes that follow them there."""
    notes = ""
    if path.exists():
        previous = path.read_text(encoding="utf-8")
        if NOTES_MARKER in previous:
            notes = "\n" + previous[previous.index(NOTES_MARKER) :]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report + notes, encoding="utf-8")
