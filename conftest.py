import pytest


def _delete_suite_keys() -> None:
    """Empty this suite's part of the caches: ``clear()`` deletes the keys under the test settings'
    KEY_PREFIX only (core/cache.py), which also holds the broker's keys (portal/settings/test.py).
    The Redis database is REDIS_URL's and may hold other keys (another checkout's suite, a
    developer's portal): FLUSHDB would take them too."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the shared cache (Redis in CI); no test may inherit another's."""
    _delete_suite_keys()
    yield
    _delete_suite_keys()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def captcha_ok(settings, monkeypatch):
    """Form data for a passed captcha: the test that asks for it runs in the captcha's test mode,
    which takes "PASSED" for every answer. Every other test answers real captchas; the test
    settings leave the mode off (on with DEBUG off, the library rightly warns that it is on)."""
    from captcha.conf import settings as captcha_settings

    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)  # the library reads it once, at import
    return {"captcha_0": "test-key", "captcha_1": "PASSED"}


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Vietnamese: a request to an /en/ page leaves English active in the
    thread, and a later test's ``reverse()`` would otherwise build /en/ addresses."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
