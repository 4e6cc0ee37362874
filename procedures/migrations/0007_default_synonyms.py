"""The default synonym dictionary: how people ask for a procedure at a one-stop counter (bộ phận
một cửa) → the words of the official names. Colloquial names, abbreviations, old names of renamed
procedures and papers, across civil status, authentication, residence, identity, land,
construction, transport, business, education, justice, labour and social protection.

Staff edit it in the admin (Catalogue → Synonyms); entries they already have are left alone.
"""

import re
import unicodedata

from django.db import migrations

SYNONYMS = [
    # Civil status (hộ tịch)
    ("chứng tử", "khai tử"),
    ("báo tử", "khai tử"),
    ("người mất", "khai tử"),
    ("người chết", "khai tử"),
    ("qua đời", "khai tử"),
    ("làm lại giấy khai sinh", "đăng ký lại khai sinh"),
    ("bản sao giấy khai sinh", "cấp bản sao trích lục hộ tịch khai sinh"),
    ("sao giấy khai sinh", "cấp bản sao trích lục hộ tịch khai sinh"),
    ("trích lục khai sinh", "cấp bản sao trích lục hộ tịch khai sinh"),
    ("bản sao giấy kết hôn", "cấp bản sao trích lục hộ tịch kết hôn"),
    ("giấy hôn thú", "đăng ký kết hôn"),
    ("hôn thú", "kết hôn"),
    ("giấy đăng ký kết hôn", "đăng ký kết hôn"),
    ("đăng ký cưới", "đăng ký kết hôn"),
    ("giấy cưới", "đăng ký kết hôn"),
    ("lấy chồng", "kết hôn"),
    ("lấy vợ", "kết hôn"),
    ("cưới", "kết hôn"),
    ("Việt kiều", "có yếu tố nước ngoài"),
    ("giấy xác nhận độc thân", "xác nhận tình trạng hôn nhân"),
    ("xác nhận độc thân", "xác nhận tình trạng hôn nhân"),
    ("chứng nhận độc thân", "xác nhận tình trạng hôn nhân"),
    ("độc thân", "xác nhận tình trạng hôn nhân"),
    ("nhận con", "đăng ký nhận cha mẹ con"),
    ("nhận bố", "đăng ký nhận cha mẹ con"),
    ("nhận cha", "đăng ký nhận cha mẹ con"),
    ("bố", "cha"),
    ("đổi tên", "thay đổi cải chính thông tin hộ tịch"),
    ("sửa tên", "thay đổi cải chính thông tin hộ tịch"),
    ("đổi họ", "thay đổi cải chính thông tin hộ tịch"),
    ("sửa ngày sinh", "cải chính thông tin hộ tịch"),
    ("sai ngày sinh", "cải chính thông tin hộ tịch"),
    ("sửa giấy khai sinh", "cải chính thông tin hộ tịch"),
    ("đổi dân tộc", "xác định lại dân tộc"),
    # Authentication (chứng thực) — people say "công chứng" for what the commune authenticates
    ("công chứng", "chứng thực"),
    ("photo công chứng", "chứng thực bản sao từ bản chính"),
    ("sao y", "chứng thực bản sao từ bản chính"),
    ("sao y bản chính", "chứng thực bản sao từ bản chính"),
    ("bản dịch", "chứng thực chữ ký người dịch"),
    ("dịch thuật", "chứng thực chữ ký người dịch"),
    ("hợp đồng mua bán nhà", "chứng thực hợp đồng giao dịch nhà ở"),
    ("mua bán xe", "chứng thực hợp đồng giao dịch động sản"),
    ("hợp đồng mua bán xe", "chứng thực hợp đồng giao dịch động sản"),
    # Residence (cư trú) — the household book was abolished in 2023; people still ask for it
    ("hộ khẩu", "đăng ký thường trú"),
    ("sổ hộ khẩu", "đăng ký thường trú"),
    ("nhập khẩu", "đăng ký thường trú"),
    ("nhập hộ khẩu", "đăng ký thường trú"),
    ("chuyển hộ khẩu", "đăng ký thường trú"),
    ("tách hộ khẩu", "đăng ký thường trú"),
    ("tách khẩu", "đăng ký thường trú"),
    ("cắt khẩu", "xóa đăng ký thường trú"),
    ("cắt hộ khẩu", "xóa đăng ký thường trú"),
    ("xóa hộ khẩu", "xóa đăng ký thường trú"),
    ("xóa thường trú", "xóa đăng ký thường trú"),
    ("KT3", "đăng ký tạm trú"),
    ("sổ tạm trú", "đăng ký tạm trú"),
    ("khai báo tạm trú", "đăng ký tạm trú"),
    ("ở trọ", "đăng ký tạm trú"),
    ("thuê trọ", "đăng ký tạm trú"),
    ("báo vắng", "khai báo tạm vắng"),
    ("đi vắng", "khai báo tạm vắng"),
    ("vắng nhà", "khai báo tạm vắng"),
    ("CT07", "xác nhận thông tin về cư trú"),
    ("xác nhận cư trú", "xác nhận thông tin về cư trú"),
    # Identity and travel
    ("CCCD", "căn cước"),
    ("căn cước công dân", "căn cước"),
    ("CMND", "căn cước"),
    ("CMT", "căn cước"),
    ("chứng minh nhân dân", "căn cước"),
    ("chứng minh thư", "căn cước"),
    ("passport", "hộ chiếu"),
    ("hộ chiếu", "hộ chiếu phổ thông"),
    ("xuất cảnh", "hộ chiếu"),
    # Land (đất đai)
    ("sổ đỏ", "giấy chứng nhận quyền sử dụng đất"),
    ("sổ hồng", "giấy chứng nhận quyền sử dụng đất quyền sở hữu tài sản gắn liền với đất"),
    ("bìa đỏ", "giấy chứng nhận quyền sử dụng đất"),
    ("sổ đất", "giấy chứng nhận quyền sử dụng đất"),
    ("GCN", "giấy chứng nhận"),
    ("GCNQSDĐ", "giấy chứng nhận quyền sử dụng đất"),
    ("GCN QSDĐ", "giấy chứng nhận quyền sử dụng đất"),
    ("QSDĐ", "quyền sử dụng đất"),
    ("QSH", "quyền sở hữu"),
    ("giấy chứng nhận quyền sở hữu nhà ở và quyền sử dụng đất ở", "giấy chứng nhận quyền sử dụng đất quyền sở hữu tài sản gắn liền với đất"),
    ("sang tên", "đăng ký biến động chuyển nhượng"),
    ("mua bán đất", "đăng ký biến động chuyển nhượng quyền sử dụng đất"),
    ("mua đất", "đăng ký biến động chuyển nhượng quyền sử dụng đất"),
    ("bán đất", "đăng ký biến động chuyển nhượng quyền sử dụng đất"),
    ("cho đất", "tặng cho quyền sử dụng đất"),
    ("thừa kế đất", "đăng ký biến động thừa kế quyền sử dụng đất"),
    ("vay ngân hàng", "đăng ký thế chấp"),
    ("vay vốn", "đăng ký thế chấp"),
    ("cầm sổ", "đăng ký thế chấp"),
    ("giao dịch bảo đảm", "đăng ký thế chấp"),
    # Construction (xây dựng)
    ("GPXD", "giấy phép xây dựng"),
    ("xây nhà", "giấy phép xây dựng mới nhà ở riêng lẻ"),
    ("làm nhà", "giấy phép xây dựng mới nhà ở riêng lẻ"),
    ("sửa nhà", "giấy phép sửa chữa cải tạo nhà ở riêng lẻ"),
    ("cơi nới", "giấy phép sửa chữa cải tạo nhà ở riêng lẻ"),
    ("nâng tầng", "giấy phép sửa chữa cải tạo nhà ở riêng lẻ"),
    ("CCHN", "chứng chỉ hành nghề"),
    # Transport (giao thông)
    ("GPLX", "giấy phép lái xe"),
    ("bằng lái", "giấy phép lái xe"),
    ("bằng lái xe", "giấy phép lái xe"),
    ("bằng xe máy", "giấy phép lái xe"),
    ("bằng ô tô", "giấy phép lái xe"),
    ("bằng A1", "giấy phép lái xe"),
    ("bằng B2", "giấy phép lái xe"),
    ("IDP", "giấy phép lái xe quốc tế"),
    ("mất", "cấp lại"),
    ("làm lại", "cấp lại"),
    ("hỏng", "cấp lại"),
    # Business (đăng ký kinh doanh)
    ("DNTN", "doanh nghiệp tư nhân"),
    ("TNHH", "trách nhiệm hữu hạn"),
    ("MTV", "một thành viên"),
    ("CTCP", "công ty cổ phần"),
    ("cty", "công ty"),
    ("HKD", "hộ kinh doanh"),
    ("hộ cá thể", "hộ kinh doanh"),
    ("kinh doanh cá thể", "hộ kinh doanh"),
    ("buôn bán", "hộ kinh doanh"),
    ("mở quán", "đăng ký thành lập hộ kinh doanh"),
    ("mở cửa hàng", "đăng ký thành lập hộ kinh doanh"),
    ("mở tiệm", "đăng ký thành lập hộ kinh doanh"),
    ("mở công ty", "đăng ký thành lập công ty"),
    ("mở doanh nghiệp", "đăng ký thành lập doanh nghiệp"),
    ("giấy phép kinh doanh", "đăng ký kinh doanh"),
    ("GPKD", "đăng ký kinh doanh"),
    ("ĐKKD", "đăng ký kinh doanh"),
    ("giấy chứng nhận đăng ký hộ kinh doanh", "đăng ký thành lập hộ kinh doanh"),
    ("tạm nghỉ kinh doanh", "tạm ngừng kinh doanh"),
    ("tạm dừng kinh doanh", "tạm ngừng kinh doanh"),
    ("đóng cửa", "tạm ngừng kinh doanh"),
    ("nghỉ bán", "tạm ngừng kinh doanh"),
    ("giám đốc", "người đại diện theo pháp luật"),
    ("người đại diện", "người đại diện theo pháp luật"),
    # Education (giáo dục, văn bằng)
    ("THPT", "trung học phổ thông"),
    ("cấp 3", "trung học phổ thông"),
    ("cấp ba", "trung học phổ thông"),
    ("THCS", "trung học cơ sở"),
    ("cấp 2", "trung học cơ sở"),
    ("bằng tốt nghiệp", "văn bằng tốt nghiệp"),
    ("bằng cấp", "văn bằng chứng chỉ"),
    ("sao bằng", "bản sao văn bằng"),
    ("bản sao bằng", "bản sao văn bằng"),
    ("sửa bằng", "chỉnh sửa nội dung văn bằng"),
    ("bằng nước ngoài", "công nhận văn bằng do cơ sở giáo dục nước ngoài cấp"),
    ("du học", "văn bằng do cơ sở giáo dục nước ngoài cấp"),
    ("chấm lại", "phúc khảo bài thi"),
    ("phúc tra", "phúc khảo bài thi"),
    ("thi tốt nghiệp", "dự thi tốt nghiệp trung học phổ thông"),
    ("thi cấp 3", "dự thi tốt nghiệp trung học phổ thông"),
    ("trung tâm tiếng anh", "trung tâm ngoại ngữ"),
    ("trung tâm anh ngữ", "trung tâm ngoại ngữ"),
    ("tiếng anh", "ngoại ngữ"),
    # Justice (lý lịch tư pháp)
    ("LLTP", "lý lịch tư pháp"),
    ("lý lịch", "phiếu lý lịch tư pháp"),
    ("tiền án", "phiếu lý lịch tư pháp"),
    ("tiền sự", "phiếu lý lịch tư pháp"),
    # Labour (việc làm)
    ("BHTN", "trợ cấp thất nghiệp"),
    ("bảo hiểm thất nghiệp", "trợ cấp thất nghiệp"),
    ("thất nghiệp", "trợ cấp thất nghiệp"),
    ("mất việc", "hưởng trợ cấp thất nghiệp"),
    ("nghỉ việc", "hưởng trợ cấp thất nghiệp"),
    ("GPLĐ", "giấy phép lao động"),
    ("work permit", "giấy phép lao động"),
    ("chuyển tỉnh", "chuyển nơi"),
    ("học nghề", "hỗ trợ học nghề"),
    # Social protection (bảo trợ xã hội)
    ("BTXH", "trợ cấp xã hội"),
    ("người già", "trợ cấp xã hội hàng tháng"),
    ("người cao tuổi", "trợ cấp xã hội hàng tháng"),
    ("khuyết tật", "trợ cấp xã hội hàng tháng"),
    ("tàn tật", "trợ cấp xã hội hàng tháng"),
    # Agencies
    ("UBND", "ủy ban nhân dân"),
    ("TTHC", "thủ tục hành chính"),
]


def _normalise(text: str) -> str:
    """As procedures.normalise.normalise on the day this was written (a copy: a migration must not
    change when the code does)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = unicodedata.normalize("NFC", "".join(ch for ch in text if not unicodedata.combining(ch)))
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def forward(apps, schema_editor):
    Synonym = apps.get_model("procedures", "Synonym")
    Synonym.objects.bulk_create(
        [Synonym(term=term, meaning=meaning, key=_normalise(term)) for term, meaning in SYNONYMS],
        ignore_conflicts=True,
    )


def backward(apps, schema_editor):
    Synonym = apps.get_model("procedures", "Synonym")
    Synonym.objects.filter(key__in=[_normalise(term) for term, _meaning in SYNONYMS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0006_search_synonyms"),
    ]

    operations = [migrations.RunPython(forward, backward)]
