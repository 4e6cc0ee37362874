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
    for name, search_name in Procedure.objects.values_list("name", "search_entry__search_name"):
        assert search_name == normalise(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT portal_normalise(%s)", ["Đăng Ký KẾT HÔN – Ưu tiên đ/Đ"])
        assert cursor.fetchone()[0] == normalise("Đăng Ký KẾT HÔN – Ưu tiên đ/Đ")


def test_acceptance_searches_without_diacritics(demo_catalogue):
    assert names("cap ban sao bang tot nghiep")[0] == "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"
    assert any("đăng ký khai sinh" in n.lower() for n in names("giay khai sinh")[:2])
    assert "kết hôn" in names("dang ky ket hon")[0].lower()
    # Case, accents and word order change the order a little (accents typed, words side by side), not what is found.
    found = [names(q) for q in ("DANG KY KET HON", "đăng ký kết hôn", "hon ket dang ky")]
    assert sorted(found[0]) == sorted(found[1]) == sorted(found[2])
    assert found[0][0] == found[1][0] == found[2][0] == "Thủ tục đăng ký kết hôn"


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
    assert result.corrected
    assert "khai sinh" in next(iter(result.queryset)).name.lower()


def test_a_word_nothing_is_close_to_finds_nothing(demo_catalogue):
    result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="xyz"))
    assert not result.corrected and result.counts["total"][""] == 0


def test_each_misspelt_word_is_corrected_to_the_words_one_letter_away(demo_catalogue):
    """Words no document has are replaced by the words one letter away (``sin`` → ``sinh``,
    ``xee`` → ``xe``); the words found stay as typed."""
    assert names("dang ki khai sin")[0] == "Thủ tục đăng ký khai sinh"
    assert "lái xe" in names("giay phep lai xee")[0].lower()
    assert sorted(names("DANG KI KHAI SIN")) == sorted(names("khai sin dang ki"))  # case and word order still free
    result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="giay phep lai xee"))
    assert result.corrected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ket hno", "Thủ tục đăng ký kết hôn"),  # swapped
        ("ket hoon", "Thủ tục đăng ký kết hôn"),  # extra
        ("ket hn", "Thủ tục đăng ký kết hôn"),  # missing
        ("ket hom", "Thủ tục đăng ký kết hôn"),  # wrong
        ("dang ky thuong tu", "Đăng ký thường trú"),
    ],
)
def test_one_wrong_missing_extra_or_swapped_letter_is_forgiven(demo_catalogue, typed, expected):
    assert expected in names(typed)[:3]


def test_the_corrected_query_is_offered(client, demo_catalogue):
    html = client.get("/procedures/", {"q": "ket hno"}).content.decode()
    assert "Có phải bạn muốn tìm:" in html
    assert ">kết hôn</a>" in html and "Thủ tục đăng ký kết hôn" in html


def test_a_misspelt_word_is_corrected_against_names_first():
    named = ProcedureFactory(name="Cấp phép hoạt động karaoke", description="")
    ProcedureFactory(name="Cấp phép hoạt động vũ trường", description="Kể cả phòng karaoke.")
    assert names("cap phep karaoka")[0] == named.name


def test_extra_words_never_empty_the_result(demo_catalogue, django_assert_num_queries):
    """A word no procedure has (nor anything close) is left out; words found in no name still
    leave the procedures matching the others, the most matched first."""
    meta = selectors.catalogue_meta()
    with django_assert_num_queries(3):  # the synonyms, the vocabulary, the counts
        result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="dang ky khai sinh xyzw"), meta=meta)
    assert result.counts["total"][""] > 0 and not result.corrected
    assert result.rows(0, 1)[0].name == "Thủ tục đăng ký khai sinh"
    with django_assert_num_queries(0):  # another filter of the same words: counted from the cache
        selectors.procedure_catalogue(query=selectors.CatalogueQuery(q="dang ky khai sinh xyzw", field="ho-tich"))
    assert names("nộp hồ sơ đăng ký thường trú cho con")[0] == "Đăng ký thường trú"


def test_words_that_say_how_people_ask_weigh_little(demo_catalogue):
    """ "thủ tục", "cấp", "giấy", "xin", "làm"… rank a little and match nothing on their own."""
    assert names("xin làm thủ tục cấp giấy khai tử")[0] == "Thủ tục đăng ký khai tử"
    assert names("thủ tục cấp giấy")  # only such words: they match, a normal page


def test_synonyms_are_applied_at_query_time(demo_catalogue, django_capture_on_commit_callbacks):
    from procedures import services
    from procedures.models import Synonym

    assert names("GPLX quoc te")[0] == "Cấp Giấy phép lái xe quốc tế"  # the default dictionary
    assert "Đăng ký thành lập hộ kinh doanh" in names("giấy phép kinh doanh hộ cá thể")[:2]
    with django_capture_on_commit_callbacks(execute=True):
        services.synonym_save(synonym=Synonym(term="Giấy thông hành", meaning="hộ chiếu phổ thông"))
    assert names("giay thong hanh")[0].startswith("Cấp hộ chiếu phổ thông")


def test_search_text_is_refreshed_when_a_procedure_changes():
    procedure = ProcedureFactory(name="Cấp giấy phép kinh doanh karaoke")
    assert names("karaoke") == [procedure.name]
    Procedure.objects.filter(pk=procedure.pk).update(name="Cấp giấy phép hoạt động vũ trường")
    search.refresh([procedure.pk])
    assert names("karaoke") == []
    assert names("vu truong") == ["Cấp giấy phép hoạt động vũ trường"]


def test_name_words_are_listed_for_the_typo_pass():
    ProcedureFactory(name="Cấp giấy phép karaoke số 12", description="Phòng hát")
    listed = set(SearchWord.objects.values_list("word", flat=True))
    assert {"cap", "giay", "phep", "karaoke", "so", "phong", "hat"} <= listed
    assert "12" not in listed  # numbers are not misspelt words


def test_a_misspelt_word_is_corrected_by_the_likeliest_kind_of_slip_first():
    """Two letters swapped, then a key pressed twice, then a letter left out, then any one edit:
    only the likeliest kind found is kept, its words in alphabetical order."""
    vocabulary = search.Vocabulary.of(["hon", "ho", "nho", "xe", "xem", "sinh", "sing", "song", "ket"])
    known, close = search._vocabulary(["ket", "hno", "xee", "sin", "sonk"], ["hno", "xee", "sin", "sonk"], vocabulary)
    assert known == {"ket"}
    assert close == {"hno": ["hon", "nho"], "xee": ["xe"], "sin": ["sing", "sinh"], "sonk": ["song"]}


def test_corrections_use_the_letters_of_the_vocabulary_and_skip_words_longer_than_any_in_it():
    vocabulary = search.Vocabulary.of(["pho", "phở"])
    _known, close = search._vocabulary(["phơ"], ["phơ"], vocabulary)
    assert close == {"phơ": ["pho", "phở"]}
    _known, close = search._vocabulary(["x" * 200], ["x" * 200], vocabulary)
    assert close == {}  # no word of the vocabulary is within one letter of it
