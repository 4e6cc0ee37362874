import pytest

from lookup.charts import Series, bar_chart
from lookup.masking import mask_person_name


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
