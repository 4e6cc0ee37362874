"""Real processes for tests: a Redis server and a Celery worker, started and stopped by the test."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from .smtp import free_port


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def test_database_url() -> str:
    """The test database's URL for a subprocess; a Unix socket's directory (the embedded server's)
    goes in the path, as django-environ reads it."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{db['USER']}@/{host}/{db['NAME']}"
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class RedisServer:
    """A private redis-server on a free port, so stopping it touches nothing else."""

    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        assert wait_for(lambda: _ping(client), timeout=10), "redis-server did not start"

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _ping(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


class Worker:
    """A Celery worker process on the test database, a given broker and SMTP server."""

    def __init__(self, *, broker_url: str, email_url: str, log_path: Path, **env):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": broker_url,
            "EMAIL_URL": email_url,
            "EMAIL_RETRY_BASE_SECONDS": "1",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            **{k: str(v) for k, v in env.items()},
        }
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.log = open(self.log_path, "a")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO", "-n", "t@%h"],
            cwd=Path(settings.BASE_DIR),
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to acknowledge or clean up, as when a machine dies."""
        if self.proc:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None
            self.log.close()

    def stop(self) -> None:
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
