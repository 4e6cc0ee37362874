"""gunicorn settings for one portal node: `gunicorn -c deploy/gunicorn.conf.py` (systemd: portal-gunicorn.service).

Every value a machine may need to change comes from the environment (the same /etc/portal/portal.env
the portal reads), so this file is the same on every node. https://gunicorn.org/reference/settings/
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "portal.wsgi:application"  # production settings unless DJANGO_SETTINGS_MODULE says otherwise

# Listen on the private address nginx proxies to (never on a public interface: anyone reaching
# gunicorn directly could forge X-Forwarded-For). Several addresses: comma-separated.
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address]

# Sync workers: nginx buffers request bodies and responses, so a worker only ever talks to nginx
# at loopback/LAN speed and (2 x cores) + 1 keeps the CPUs busy while some wait on PostgreSQL.
worker_class = "sync"
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
# A request taking longer is killed (and logged): no portal page needs more than a few seconds.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 2
# Recycle each worker after about a thousand requests: a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on a disk that may stall under backup I/O.
SHM = "/dev/shm"  # noqa: S108 - gunicorn's documented choice for its heartbeat files
worker_tmp_dir = SHM if os.path.isdir(SHM) else None

# Only the proxy (nginx) may set X-Forwarded-Proto; gunicorn reads FORWARDED_ALLOW_IPS itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No preload: `systemctl reload portal-gunicorn` (HUP) then loads new code into fresh workers.
preload_app = False
proc_name = "portal"

# Logs to stdout/stderr, which systemd's journal keeps. %(M)s: milliseconds; X-Forwarded-For: the client.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# gunicornc's control socket: in systemd's RuntimeDirectory; an empty value turns it off.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "/run/portal-gunicorn/gunicorn.ctl")
if not control_socket:
    control_socket_disable = True
