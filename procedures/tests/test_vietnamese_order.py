import pytest
from django.urls import reverse

from procedures.tests.factories import AgencyFactory, FieldFactory

pytestmark = pytest.mark.django_db


def test_agencies_and_fields_are_listed_in_vietnamese_alphabetical_order(client):
    """PostgreSQL's "C" order put "Ấn…" and "Đ…" after "Y…"; the lists follow the alphabet."""
    for name in ("Ủy ban nhân dân phường Yên Hòa", "Đài Phát thanh Hà Nội", "Sở Y tế", "Ban Dân tộc", "Ấp Bắc"):
        AgencyFactory(name=name, parent=None)
    for name in ("Đất đai", "Giáo dục", "Dân số", "An toàn thực phẩm"):
        FieldFactory(name=name)
    html = client.get(reverse("procedures:agencies")).content.decode()
    order = ["Ấp Bắc", "Ban Dân tộc", "Đài Phát thanh Hà Nội", "Sở Y tế", "Ủy ban nhân dân phường Yên Hòa"]
    positions = [html.index(name) for name in order]
    assert positions == sorted(positions)
    html = client.get(reverse("procedures:list")).content.decode()
    positions = [html.index(f">{name}") for name in ("An toàn thực phẩm", "Dân số", "Đất đai", "Giáo dục")]
    assert positions == sorted(positions)
