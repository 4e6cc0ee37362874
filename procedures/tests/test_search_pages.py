"""The search as a citizen meets it: bad input, searches without results counted for the staff,
the autocomplete, and what the staff do with them in the admin."""

import io
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from procedures import services
from procedures.models import MissedQuery, SearchedQuery, Synonym

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db
LIST = "/procedures/"
SUGGEST = "/procedures/suggest/"


@pytest.mark.parametrize(
    "q",
    [
        "đăng ký khai sinh " * 30,  # 500 characters: too long, reported, not searched
        "khai sinh " * 19,  # long but allowed: the first words are searched
        "thủ tục cho làm xin cấp giấy",  # only stop words
        "!!! ... ??? ,,, ---",
        "' OR 1=1; -- <b>x</b> & | ! :* ( ) \\ %",
        "😀 🚗 khai sinh 🎉",
        "khai sinh привет 出生登记 ﷽ ²³",
        "\u200b\u200d\ufeff",
    ],
)
def test_bad_input_gives_a_normal_page_never_a_500(client, q):
    ProcedureFactory(name="Đăng ký khai sinh")
    for url in (LIST, SUGGEST):
        response = client.get(url, {"q": q})
        assert response.status_code == 200, (url, q)
    html = client.get(LIST, {"q": q}).content.decode()
    assert "<b>x</b>" not in html


def test_a_search_without_results_is_counted_without_its_numbers(client, django_assert_num_queries):
    ProcedureFactory(name="Đăng ký khai sinh")
    response = client.get(LIST, {"q": "Xyzw qwv 001234567890"})
    assert response.status_code == 200 and "0 thủ tục" in response.content.decode()
    assert "no-store" in response["Cache-Control"]  # nginx and browsers do not keep it: each miss is counted
    with django_assert_num_queries(1):  # the page from our page cache; the miss counted (one UPDATE)
        again = client.get(LIST, {"q": "Xyzw qwv 001234567890"})
    assert again.content == response.content and "no-store" in again["Cache-Control"]
    missed = MissedQuery.objects.get()
    assert (missed.query, missed.count) == ("xyzw qwv", 2)
    assert not MissedQuery.objects.filter(query__contains="0012").exists()
    # A search with results is not counted there, and its page is cached as before (the one
    # query: the search counted among the searches with results).
    client.get(LIST, {"q": "khai sinh"})
    with django_assert_num_queries(1):
        client.get(LIST, {"q": "khai sinh"})
    assert MissedQuery.objects.count() == 1


def test_a_search_with_results_and_its_openings_are_counted_without_splitting_the_page_cache(
    client, django_assert_num_queries
):
    procedure = ProcedureFactory(name="Đăng ký khai sinh")
    detail = procedure.get_absolute_url()
    html = client.get(LIST, {"q": "Khai sinh 0123456789"}).content.decode()
    with django_assert_num_queries(1):  # the page from the cache, the search still counted
        client.get(LIST, {"q": "Khai sinh 0123456789"})
    client.get(LIST, {"q": "Khai sinh 0123456789", "page": "2"})  # the same search, read further
    counted = SearchedQuery.objects.get()
    assert (counted.query, counted.searches, counted.opens) == ("khai sinh", 2, 0)  # no numbers kept
    # The result links count an opening, then lead to the procedure's one address.
    opened = reverse("procedures:from_search", args=[procedure.code]) + "?q=khai%20sinh"
    assert f'href="{opened}" rel="nofollow" data-direct="{detail}"' in html
    response = client.get(opened)
    assert response.status_code == 302 and response["Location"] == detail
    assert "no-store" in response["Cache-Control"]
    beacon = client.post(opened)  # what static/js/search-opens.js sends (no CSRF token)
    assert beacon.status_code == 204 and "no-store" in beacon["Cache-Control"]
    assert SearchedQuery.objects.get().opens == 2
    # The procedure page itself is cached once, whatever the search it came from.
    client.get(detail)
    with django_assert_num_queries(0):
        client.get(detail)
    # An opening never adds a query, and an unknown or unpublished procedure is a 404.
    client.post(reverse("procedures:from_search", args=[procedure.code]) + "?q=never+searched")
    unpublished = ProcedureFactory(name="Đăng ký khai sinh cũ", is_published=False)
    assert client.get(reverse("procedures:from_search", args=[unpublished.code]) + "?q=khai+sinh").status_code == 404
    assert client.post(reverse("procedures:from_search", args=["9.999999"]) + "?q=khai+sinh").status_code == 404
    assert list(SearchedQuery.objects.values_list("query", "opens")) == [("khai sinh", 2)]
    # A search without results is counted among those, not here.
    client.get(LIST, {"q": "qwxz"})
    assert SearchedQuery.objects.count() == 1 and MissedQuery.objects.get().query == "qwxz"


def test_openings_beyond_the_rate_still_lead_to_the_procedure_but_are_not_counted(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search_open": "2/d"}
    procedure = ProcedureFactory(name="Đăng ký khai sinh")
    client.get(LIST, {"q": "khai sinh"})
    opened = reverse("procedures:from_search", args=[procedure.code]) + "?q=khai%20sinh"
    for _ in range(4):
        response = client.get(opened)
        assert response.status_code == 302 and response["Location"] == procedure.get_absolute_url()
    assert client.post(opened).status_code == 204
    assert SearchedQuery.objects.get().opens == 2


def test_a_bot_cannot_fill_the_counted_queries(client, settings):
    settings.SEARCH_STATS_NEW_PER_HOUR = 2
    ProcedureFactory(name="Đăng ký khai sinh")
    for q in ("khai sinh", "dang ky khai sinh", "khai sinh online", "qwxz", "zzyq"):
        client.get(LIST, {"q": q})
    assert SearchedQuery.objects.count() + MissedQuery.objects.count() == 2  # the first two new queries
    client.get(LIST, {"q": "dang ky khai sinh"})  # already counted: it still counts
    assert SearchedQuery.objects.get(query="dang ky khai sinh").searches == 2


def test_counted_queries_nobody_searched_for_long_are_purged():
    old = timezone.now() - timedelta(days=200)
    services.search_record(q="khai sinh", found=True)
    services.search_record(q="qwxz", found=False)
    services.search_record(q="ket hon", found=True)
    SearchedQuery.objects.filter(query="khai sinh").update(last_seen=old)
    MissedQuery.objects.filter(query="qwxz").update(last_seen=old)
    call_command("purge_search_stats", "--older-than", "180", stdout=io.StringIO())
    assert list(SearchedQuery.objects.values_list("query", flat=True)) == ["ket hon"]
    assert not MissedQuery.objects.exists()


def test_staff_see_the_searches_nobody_opened_first_and_make_one_a_synonym(client):
    for q, searches, opens in (("giay to nha", 9, 0), ("khai sinh", 50, 30), ("so hong", 3, 0)):
        SearchedQuery.objects.create(query=q, searches=searches, opens=opens)
    staff = type(client)()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:procedures_searchedquery_changelist")
    listing = staff.get(changelist).content.decode()
    assert listing.index("giay to nha") < listing.index("so hong") < listing.index("khai sinh")
    add_url = reverse("admin:procedures_synonym_add") + "?term=giay+to+nha"
    assert add_url.replace("&", "&amp;") in listing
    never = staff.get(changelist, {"opened": "no"}).content.decode()
    assert "so hong" in never and "khai sinh" not in never
    response = staff.post(add_url, {"term": "giấy tờ nhà", "meaning": "giấy chứng nhận quyền sở hữu nhà ở"})
    assert response.status_code == 302
    assert not SearchedQuery.objects.filter(query="giay to nha").exists()  # counted afresh from now


def test_an_empty_result_suggests_where_to_look(client):
    ProcedureFactory(name="Đăng ký khai sinh", field__name="Hộ tịch", field__code="ho-tich")
    html = client.get(LIST, {"q": "qwxz"}).content.decode()
    assert "Xem thủ tục theo lĩnh vực" in html and '?field=ho-tich"' in html


def test_staff_turn_a_missed_query_into_a_synonym_and_the_next_search_uses_it(
    client, django_capture_on_commit_callbacks
):
    ProcedureFactory(name="Cấp hộ chiếu phổ thông")
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 thủ tục" in client.get(LIST, {"q": "laissez passer"}).content.decode()
    staff = type(client)()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = staff.get(reverse("admin:procedures_missedquery_changelist")).content.decode()
    add_url = reverse("admin:procedures_synonym_add") + "?term=laissez+passer"
    assert "laissez passer" in listing and add_url.replace("&", "&amp;") in listing
    form = staff.get(add_url).content.decode()
    assert 'value="laissez passer"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(add_url, {"term": "laissez passer", "meaning": "hộ chiếu phổ thông"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Synonym.objects.filter(key="laissez passer").exists()
    assert not MissedQuery.objects.exists()  # answered
    assert "Cấp hộ chiếu phổ thông" in client.get(LIST, {"q": "laissez passer"}).content.decode()


def test_a_synonym_twice_is_refused_beside_the_field(client):
    staff = type(client)()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    Synonym.objects.filter(key="so do").delete()
    services.synonym_save(synonym=Synonym(term="sổ đỏ", meaning="giấy chứng nhận quyền sử dụng đất"))
    response = staff.post(reverse("admin:procedures_synonym_add"), {"term": "SO DO", "meaning": "x"})
    assert response.status_code == 200 and "Các từ này đã có trong từ điển." in response.content.decode()
    response = staff.post(reverse("admin:procedures_synonym_add"), {"term": "!!!", "meaning": "x"})
    assert "Hãy gõ ít nhất một chữ cái hoặc chữ số." in response.content.decode()


def test_autocomplete_answers_from_the_same_search_with_the_last_word_unfinished(
    client, django_assert_num_queries, default_synonyms
):
    ProcedureFactory(name="Đăng ký khai sinh")
    ProcedureFactory(name="Đăng ký kết hôn")
    ProcedureFactory(name="Cấp giấy phép xây dựng")
    data = json.loads(client.get(SUGGEST, {"q": "dang ky kha"}).content)
    assert data["results"][0]["name"] == "Đăng ký khai sinh"
    assert data["results"][0]["url"].startswith("/procedures/")
    ProcedureFactory(name="Đổi giấy phép lái xe")
    cache.clear()
    gplx = json.loads(client.get(SUGGEST, {"q": "gplx"}).content)["results"]  # a whole abbreviation, not "gplx…"
    assert gplx[0]["name"] == "Đổi giấy phép lái xe"
    assert json.loads(client.get(SUGGEST, {"q": ""}).content) == {"results": []}
    cache.clear()
    with django_assert_num_queries(6):  # agencies, fields, synonyms, the vocabulary, the ranked ids, the rows
        client.get(SUGGEST, {"q": "ket ho"})
    ProcedureFactory.create_batch(10, name="Đăng ký kết hôn có yếu tố nước ngoài")
    cache.clear()
    with django_assert_num_queries(6):
        data = json.loads(client.get(SUGGEST, {"q": "ket ho"}).content)
    assert len(data["results"]) == 8
    with django_assert_num_queries(0):  # the same address again: from the page cache
        client.get(SUGGEST, {"q": "ket ho"})


def test_the_search_box_is_enhanced_with_its_own_script(client):
    html = client.get(LIST).content.decode()
    assert 'data-suggest-url="/procedures/suggest/"' in html and "js/autocomplete.js" in html
    home = client.get("/").content.decode()
    assert 'data-suggest-url="/procedures/suggest/"' in home and "js/autocomplete.js" in home
