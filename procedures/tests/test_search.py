import pytest
from django.db import connection

from procedures import search, selectors
from procedures.models import Procedure, SearchWord
from procedures.normalise import normalise, words

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def names(q: str, **filters) -> list[str]:
    result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q=q, **filters))
    return [p.name for p in result.queryset]


def test_normalise_strips_accents_case_and_maps_d():
    assert normalise("Đăng ký  KHAI-SINH, giấy khai sinh!") == "dang ky khai sinh giay khai sinh"
    assert normalise("ĐỒ độ đồ do") == "do do do do"
    assert words("Khai sinh khai SINH", keep_accents=True) == ["khai", "sinh"]
    assert len(words(" ".join(f"tu{i}" for i in range(100)))) == 12


def test_postgres_function_normalises_like_python(demo_catalogue):
    """portal_normalise() (migration 0002) and normalise() must agree, or typed queries miss."""
    for name, search_name in Procedure.objects.values_list("name", "search_name"):
        assert search_name == normalise(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT portal_normalise(%s)", ["Đăng Ký KẾT HÔN – Ưu tiên đ/Đ"])
        assert cursor.fetchone()[0] == normalise("Đăng Ký KẾT HÔN – Ưu tiên đ/Đ")


def test_acceptance_searches_without_diacritics(demo_catalogue):
    assert names("cap ban sao bang tot nghiep")[0] == "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"
    assert any("đăng ký khai sinh" in n.lower() for n in names("giay khai sinh")[:2])
    assert "kết hôn" in names("dang ky ket hon")[0].lower()
    assert names("DANG KY KET HON") == names("đăng ký kết hôn") == names("hon ket dang ky")


def test_name_matches_rank_above_description_matches(demo_catalogue):
    results = names("khai tu")
    assert "khai tử" in results[0].lower()
    assert len(results) > 1  # others only mention it in their description or documents


def test_right_accents_rank_above_stripped_ones():
    ProcedureFactory(name="Thủ tục thẩm định đồ án quy hoạch", description="")
    ProcedureFactory(name="Thủ tục thẩm định độ an toàn", description="")
    assert names("thẩm định đồ")[0] == "Thủ tục thẩm định đồ án quy hoạch"
    assert names("thẩm định độ")[0] == "Thủ tục thẩm định độ an toàn"
    assert len(names("tham dinh do")) == 2
    # Through the page (whose rows are cached per keyword): the accents typed still decide.
    first = {}
    for q in ("thẩm định đồ", "thẩm định độ"):
        result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q=q))
        first[q] = result.rows(0, 20)[0].name
    assert first == {
        "thẩm định đồ": "Thủ tục thẩm định đồ án quy hoạch",
        "thẩm định độ": "Thủ tục thẩm định độ an toàn",
    }


def test_one_typo_still_finds_the_procedure(demo_catalogue):
    result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="dang ki khai sin"))
    assert result.fuzzy
    assert "khai sinh" in next(iter(result.queryset)).name.lower()


def test_fuzzy_pass_is_not_used_for_short_words(demo_catalogue):
    result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="xyz"))
    assert not result.fuzzy and result.counts["total"][""] == 0


def test_search_text_is_refreshed_when_a_procedure_changes():
    procedure = ProcedureFactory(name="Cấp giấy phép kinh doanh karaoke")
    assert names("karaoke") == [procedure.name]
    Procedure.objects.filter(pk=procedure.pk).update(name="Cấp giấy phép hoạt động vũ trường")
    search.refresh([procedure.pk])
    assert names("karaoke") == []
    assert names("vu truong") == ["Cấp giấy phép hoạt động vũ trường"]


def test_each_misspelt_word_is_corrected_to_the_name_words_one_letter_away(demo_catalogue):
    """The typo-tolerant pass: words no name has are replaced by the name words one letter away
    (``ki`` → ``ky``, ``sin`` → ``sinh``, ``xee`` → ``xe``); the words found stay as typed."""
    assert names("dang ki khai sin")[0] == "Thủ tục đăng ký khai sinh"
    assert "lái xe" in names("giay phep lai xee")[0].lower()
    assert names("DANG KI KHAI SIN") == names("khai sin dang ki")  # case and word order still free
    result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="giay phep lai xee"))
    assert result.fuzzy


def test_typo_pass_keeps_names_only():
    """A corrected word found only in a description does not make a result (the notice says these
    are the closest names)."""
    named = ProcedureFactory(name="Cấp phép hoạt động karaoke", description="")
    ProcedureFactory(name="Cấp phép hoạt động vũ trường", description="Kể cả phòng karaoke.")
    assert names("cap phep karaoka") == [named.name]


def test_a_word_with_no_close_spelling_ends_the_search_in_two_queries(demo_catalogue, django_assert_num_queries):
    meta = selectors.catalogue_meta()
    with django_assert_num_queries(2):  # the counts (none), then the close spellings: none for "xyzw"
        result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="dang ky khai sinh xyzw"), meta=meta)
    assert not result.fuzzy and result.counts["total"][""] == 0
    with django_assert_num_queries(0):  # another filter of the same words: nothing can match
        other = selectors.procedure_catalogue(
            query=selectors.CatalogueQuery(q="dang ky khai sinh xyzw", field="ho-tich"), meta=meta
        )
    assert other.counts["total"][""] == 0


def test_name_words_are_listed_for_the_typo_pass():
    ProcedureFactory(name="Cấp giấy phép karaoke số 12")
    listed = set(SearchWord.objects.values_list("word", flat=True))
    assert {"cap", "giay", "phep", "karaoke", "so"} <= listed
    assert "12" not in listed  # numbers are not misspelt words
