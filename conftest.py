import pytest


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the shared cache (Redis in CI); no test may inherit another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def captcha_ok():
    """Form data for a passed captcha (CAPTCHA_TEST_MODE is on in test settings)."""
    return {"captcha_0": "test-key", "captcha_1": "PASSED"}
