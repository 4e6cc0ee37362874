import pytest
from django.test import RequestFactory

from lookup.charts import Series, bar_chart
from lookup.masking import mask_person_name
from lookup.ratelimit import hit


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V. A."),
        ("  Trần   thị   bình ", "Trần T. B."),
        ("Lê", "L."),
        ("", ""),
        ("Đỗ Đức Độ", "Đỗ Đ. Đ."),
    ],
)
def test_mask_person_name(name, masked):
    assert mask_person_name(name) == masked


def test_bar_chart_is_accessible_and_escapes_labels():
    svg = bar_chart(
        title="Hồ sơ theo cơ quan",
        description="Số hồ sơ đúng hạn và trễ hạn",
        categories=["Sở <Tư pháp>", "UBND phường"],
        series=[Series("Đúng hạn", [10, 3]), Series("Trễ hạn", [2, 0])],
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="chart-title">Hồ sơ theo cơ quan</title>' in svg
    assert "&lt;Tư pháp&gt;" in svg and "<Tư pháp>" not in svg
    assert svg.count("<rect") == 2 + 4  # legend + bars


def test_bar_chart_with_no_data():
    svg = bar_chart(title="t", description="d", categories=[], series=[Series("a", [])])
    assert "</svg>" in svg


@pytest.mark.django_db
def test_rate_limit_counts_per_client_address():
    rf = RequestFactory()
    a = rf.get("/", REMOTE_ADDR="10.0.0.1")
    b = rf.get("/", REMOTE_ADDR="10.0.0.2")
    assert all(hit(a, scope="t", limit=3) for _ in range(3))
    assert not hit(a, scope="t", limit=3)
    assert hit(b, scope="t", limit=3)


@pytest.mark.django_db
def test_rate_limit_ignores_spoofed_forwarded_for_without_trusted_proxies():
    rf = RequestFactory()
    for i in range(3):
        assert hit(rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}"), scope="s", limit=3)
    assert not hit(rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="9.9.9.9"), scope="s", limit=3)


@pytest.mark.django_db
def test_rate_limit_counter_is_one_redis_key_that_expires_with_its_window():
    from django.core.cache import cache

    assert hasattr(cache, "count_hit"), "the test settings use the Redis cache"
    a = RequestFactory().get("/", REMOTE_ADDR="10.0.0.3")
    assert all(hit(a, scope="ttl", limit=5, window_seconds=60) for _ in range(5))
    assert not hit(a, scope="ttl", limit=5, window_seconds=60)
    client = cache._cache.get_client(write=True)
    (key,) = client.keys(cache.make_and_validate_key("ratelimit:ttl:*"))
    assert int(client.get(key)) == 6
    assert 0 < client.ttl(key) <= 65


@pytest.mark.django_db
def test_rate_limit_without_redis_counts_in_any_cache(settings):
    from django.core.cache import cache

    # The setting_changed signal gives the cache handler the new setting and then back the old.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-test"},
    }
    assert not hasattr(cache, "count_hit")
    a = RequestFactory().get("/", REMOTE_ADDR="10.0.0.4")
    assert all(hit(a, scope="l", limit=2) for _ in range(2))
    assert not hit(a, scope="l", limit=2)


@pytest.mark.django_db
def test_one_round_trip_counts_pops_and_reads_even_after_redis_lost_its_scripts():
    """``count_hit_and_take``: the counter (with its window's expiry), the list's first item and
    a cache entry in one Lua call; redis-py sends the script again when Redis has forgotten it
    (a restart, ``SCRIPT FLUSH``)."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    shelf = cache.make_and_validate_key("unit:shelf")
    client.delete(shelf)
    client.rpush(shelf, b"first", b"second")
    cache.set("unit:entry", ("v1", "<p>answer</p>"), 60)
    counter = "unit:counter"
    cache.delete(counter)
    assert cache.count_hit_and_take(counter, 30, shelf, get="unit:entry") == (1, b"first", ("v1", "<p>answer</p>"))
    client.script_flush()
    assert cache.count_hit_and_take(counter, 30, shelf, get="unit:missing") == (2, b"second", None)
    assert cache.count_hit_and_take(counter, 30, shelf) == (3, None, None)  # the list is empty now
    assert cache.count_hit_and_take(counter, 30, None, get="unit:entry")[1:] == (None, ("v1", "<p>answer</p>"))
    full = cache.make_and_validate_key(counter)
    assert int(client.get(full)) == 4 and 0 < client.ttl(full) <= 30


@pytest.mark.django_db
def test_while_redis_is_away_every_request_is_within_the_limit(settings):
    """The limit degrades as the rest of the cache does: while Redis is away nothing is counted
    (the lookup still works, its captcha still guards it) and nothing is popped or read."""
    from django.core.cache import cache

    from lookup.ratelimit import hit_and_take

    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},  # nothing listens
    }
    from portal.cache import UNREACHABLE

    a = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5")
    shelf = cache.make_and_validate_key("x")
    assert hit_and_take(a, scope="away", limit=1, list_key=shelf, get="y") == (True, UNREACHABLE, None)
    assert hit_and_take(a, scope="away", limit=1, get="y") == (True, None, None)  # nothing to pop: nothing lost


@pytest.mark.parametrize("language", ["vi", "en"])
def test_answer_dates_are_written_as_the_date_filter_writes_them(language):
    """lookup/templatetags/answer_tags.py against Django's ``date`` filter, in the portal's time
    zone (a UTC evening is the next morning in Hà Nội), for datetimes, dates and nothing."""
    import datetime

    from django.template import Context, Template
    from django.utils import translation

    moments = [
        datetime.datetime(2026, 12, 31, 19, 5, 7, 123456, tzinfo=datetime.UTC),
        datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC),
        datetime.date(2026, 2, 9),
        None,
    ]
    ours = Template("{% load answer_tags %}{{ v|day_minute }}|{{ v|day }}|{{ v|iso_time }}")
    django_s = Template('{{ v|date:"d/m/Y H:i" }}|{{ v|date:"d/m/Y" }}|{{ v|date:"c" }}')
    with translation.override(language):
        for value in moments:
            if isinstance(value, datetime.datetime) or value is None:
                assert ours.render(Context({"v": value})) == django_s.render(Context({"v": value})), value
            else:  # a date has no time: only d/m/Y is asked of one
                assert ours.render(Context({"v": value})).split("|")[1] == "09/02/2026"
    assert ours.render(Context({"v": moments[0]})).startswith("01/01/2027 02:05|01/01/2027|2027-01-01T02:05:07")


def test_an_answer_is_cached_under_the_code_as_the_form_reads_it():
    from django.utils import translation

    from lookup.views import answer_key

    with translation.override("vi"):
        assert answer_key("  sgddt-hn-261120-ab3cde ") == "lookup:answer:vi:SGDDT-HN-261120-AB3CDE"
        assert answer_key("ＳＧＤＤＴ-１") == "lookup:answer:vi:SGDDT-1"  # full-width, as typed on a phone
        for refused in ("", "<b>", "mã-hồ-sơ", "A" * 61, "A" * 10_000):
            assert answer_key(refused) is None, refused
    with translation.override("en"):
        assert answer_key("abc-1") == "lookup:answer:en:ABC-1"
