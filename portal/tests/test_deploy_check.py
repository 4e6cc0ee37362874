import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def run_check(extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CAPTCHA_TEST_MODE", "DJANGO_SETTINGS_MODULE"}}
    env.update(extra_env)
    return subprocess.run(
        [
            sys.executable,
            MANAGE,
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=portal.settings.production",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = run_check(
        {
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "dichvucong.example.vn",
            "CSRF_TRUSTED_ORIGINS": "https://dichvucong.example.vn",
            "PORTAL_VAR_DIR": str(tmp_path),
        }
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The one silenced check is django-ratelimit's list of the backends it has tested, which
    # predates Django's own Redis cache (portal/settings/base.py says why it is safe).
    assert "System check identified no issues (1 silenced)." in output
    assert "WARNINGS" not in output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_check({"ALLOWED_HOSTS": "dichvucong.example.vn", "PORTAL_VAR_DIR": str(tmp_path), "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr
