"""The project's relevance set: queries written the way citizens type them (no accents, extra
words, everyday names, abbreviations, typos), each with the procedure a clerk at the one-stop
counter would hand over, on the demo catalogue and the default synonym dictionary.

The dictionary serves every citizen and this set checks it: no query here is an entry of the
dictionary. The test reports top-1 and top-3 and fails under 90 % in the top 3.
"""

import pytest

from procedures import selectors

pytestmark = pytest.mark.django_db

RELEVANCE_SET = [
    # The examples of issue 18
    ("nộp hồ sơ đăng ký thường trú cho con", "1.004222"),
    ("giấy chứng tử", "1.000656"),
    ("giấy phép kinh doanh hộ cá thể", "2.000720"),
    ("đổi GPLX", "1.002804"),
    ("thành lập DNTN", "2.002024"),
    ("ket hno", "1.000894"),
    # Civil status
    ("lam giay khai tu cho ong", "1.000656"),
    ("đăng ký khai sinh cho con mới sinh", "1.001193"),
    ("dang ki khai sin", "1.001193"),
    ("đăng ký lại giấy khai sinh bị mất", "1.004884"),
    ("sửa sai ngày sinh trong giấy khai sinh", "1.004859"),
    ("đăng ký nhận con ngoài giá thú", "1.001022"),
    ("xin giấy xác nhận độc thân để kết hôn", "1.004873"),
    ("xac nhan tinh trang hon nhan", "1.004873"),
    ("ket hon voi nguoi nuoc ngoai", "1.000593"),
    ("đăng ký giám hộ cho cháu", "1.004837"),
    ("xin trich luc ho tich", "2.000635"),
    # Authentication
    ("sao y bản chính giấy tờ", "2.000815"),
    ("công chứng chữ ký", "2.000884"),
    ("dich thuat cong chung", "2.000843"),
    ("chứng thực hợp đồng tặng cho nhà", "2.001035"),
    # Residence, identity, travel
    ("đăng ký tạm trú cho người thuê trọ", "1.004194"),
    ("thủ tục cắt khẩu cho người đã chết", "1.004226"),
    ("báo tạm vắng đi làm xa", "1.004204"),
    ("nhap ho khau cho vo", "1.004222"),
    ("làm passport", "2.001759"),
    ("ho chieu pho thong", "2.001759"),
    # Land and construction
    ("lam so do lan dau", "1.012757"),
    ("sang tên sổ đỏ cho con", "1.012780"),
    ("vay ngân hàng thế chấp sổ đỏ", "2.001812"),
    ("xin giấy phép xây nhà", "1.009994"),
    ("sửa nhà có cần xin phép không", "1.010006"),
    ("giay phep xay dung cong trinh cap 1", "1.009972"),
    ("chứng chỉ hành nghề xây dựng", "1.009987"),
    # Transport
    ("mất bằng lái xe", "1.002809"),
    ("cấp lại GPLX bị hỏng", "1.002809"),
    ("đổi bằng lái quốc tế", "1.002820"),
    ("doi bang lai xe nuoc ngoai sang viet nam", "1.002796"),
    # Business
    ("mở quán cà phê cần giấy phép gì", "2.000720"),
    ("thành lập công ty TNHH 1 thành viên", "2.002025"),
    ("đăng ký công ty cổ phần", "2.002027"),
    ("đổi giám đốc công ty", "2.002035"),
    ("tạm ngừng kinh doanh công ty", "2.002052"),
    ("tạm nghỉ bán hàng hộ kinh doanh", "2.000509"),
    ("thay đổi địa chỉ hộ kinh doanh", "2.000575"),
    # Education
    ("bản sao bằng tốt nghiệp cấp 3", "1.005092"),
    ("chuyển trường cho con lên cấp 3", "1.006390"),
    ("phúc khảo điểm thi tốt nghiệp", "1.005095"),
    ("thi tot nghiep thpt", "1.005142"),
    ("mở trung tâm tiếng anh", "1.005003"),
    ("xin học lại trường khác", "1.006391"),
    ("công nhận bằng đại học nước ngoài", "1.008902"),
    # Justice
    ("làm lý lịch tư pháp", "2.000488"),
    ("xin phiếu LLTP số 2", "2.000488"),
    # Labour and social protection
    ("xin hưởng bảo hiểm thất nghiệp khi mất việc", "1.001978"),
    ("chuyen noi huong tro cap that nghiep", "1.001966"),
    ("học nghề miễn phí khi đang hưởng thất nghiệp", "1.000401"),
    ("giay phep lao dong cho nguoi nuoc ngoai", "2.000205"),
    ("trợ cấp cho người khuyết tật", "1.001776"),
]


def ranked_codes(q: str) -> list[str]:
    result = selectors.procedure_catalogue(query=selectors.CatalogueQuery(q=q))
    return [procedure.code for procedure in result.rows(0, 3)]


def test_the_relevance_set_is_written_as_citizens_ask_not_copied_into_the_dictionary(default_synonyms):
    from procedures.models import Synonym
    from procedures.normalise import normalise

    assert len(RELEVANCE_SET) >= 40
    keys = set(Synonym.objects.values_list("key", flat=True))
    assert keys, "the default dictionary ships with the migrations"
    assert not keys & {normalise(q) for q, _code in RELEVANCE_SET}


def test_the_clerks_procedure_is_in_the_top_three(demo_catalogue, capsys):
    top1 = top3 = 0
    misses = []
    for q, code in RELEVANCE_SET:
        codes = ranked_codes(q)
        top1 += bool(codes) and codes[0] == code
        top3 += code in codes
        if code not in codes:
            misses.append(f"  {q!r}: expected {code}, got {codes}")
    n = len(RELEVANCE_SET)
    report = f"Relevance set: {n} queries, top-1 {top1 / n:.0%} ({top1}), top-3 {top3 / n:.0%} ({top3})"
    with capsys.disabled():
        print("\n" + report + ("\n" + "\n".join(misses) if misses else ""))
    assert top3 / n >= 0.9, report + "\n" + "\n".join(misses)
