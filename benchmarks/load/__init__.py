"""Load benchmark: `make bench` (writes docs/benchmarks/load.md; run as ``python -m benchmarks.load``).

Production settings (benchmarks/settings.py: production plus plain HTTP on loopback, captcha test
mode and a bare baseline view) served by gunicorn, with PostgreSQL, Redis and a Celery worker,
seeded with 10,000 procedures and 200,000 dossiers (bulk insert, not through views). The load
generator (locust, headless, locustfile.py) runs in its own process and sends only to 127.0.0.1.
Each scenario of scenarios.py runs at 16 users for a warm-up and then a measured period; the
baseline is measured first in the same run, and every page is reported as a ratio to it. Every
process started here is stopped at the end (and on Ctrl-C).

seed.py fills the database, serve.py runs the processes and measures, report.py writes the
Markdown, __main__.py is the command line.
"""
