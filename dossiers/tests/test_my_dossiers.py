"""My dossiers: tabs with counts, search, pagination, history, results, withdraw, delete; detail page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.constants import AttachmentKind, DossierStatus
from dossiers.models import Dossier, History
from dossiers.tests.factories import AttachmentFactory, DossierFactory, DossierProcedureFactory, RatingFactory

pytestmark = pytest.mark.django_db

LIST = "/dossiers/"


def test_list_url_name():
    assert reverse("dossiers:list") == LIST


def test_tabs_show_counts_per_status(citizen_client, citizen, procedure):
    DossierFactory.create_batch(2, owner=citizen, procedure=procedure)
    DossierFactory(owner=citizen, procedure=procedure, sent=True)
    DossierFactory(owner=citizen, procedure=procedure, received=True)
    DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    DossierFactory(owner=citizen, procedure=procedure, supplement_requested=True)
    DossierFactory(owner=citizen, procedure=procedure, finished=True)
    DossierFactory(owner=citizen, procedure=procedure, rejected=True)
    DossierFactory(owner=citizen, procedure=procedure, refused=True)
    DossierFactory(owner=citizen, procedure=procedure, withdrawn=True)
    DossierFactory(procedure=procedure, sent=True)  # someone else's
    response = citizen_client.get(LIST)
    tabs = {t["value"]: t["count"] for t in response.context["tabs"]}
    assert tabs == {
        "all": 10,
        "drafts": 2,
        "sent": 2,
        "in_progress": 1,
        "supplement": 1,
        "finished": 1,
        "rejected": 2,
        "withdrawn": 1,
    }
    html = response.content.decode()
    assert 'Chưa gửi <span class="count">(2)</span>' in html
    assert 'Yêu cầu bổ sung <span class="count">(1)</span>' in html
    response = citizen_client.get(LIST, {"tab": "drafts"})
    assert {d.status for d in response.context["dossiers"]} == {DossierStatus.DRAFT}
    response = citizen_client.get(LIST, {"tab": "rejected"})
    assert {d.status for d in response.context["dossiers"]} == {DossierStatus.REJECTED, DossierStatus.REFUSED}
    assert citizen_client.get(LIST, {"tab": "nonsense"}).context["tab"] == "all"


def test_search_by_code_ignores_case_and_spaces(citizen_client, citizen, procedure):
    wanted = DossierFactory(owner=citizen, procedure=procedure, code="SGD-261120-K7M2QX", sent=True)
    DossierFactory(owner=citizen, procedure=procedure, code="SGD-261120-AAAAAA", sent=True)
    response = citizen_client.get(LIST, {"q": "  k7m2qx "})
    assert [d.code for d in response.context["dossiers"]] == [wanted.code]


def test_pagination(citizen_client, citizen, procedure, settings):
    settings.DOSSIER_LIST_PAGE_SIZE = 5
    DossierFactory.create_batch(12, owner=citizen, procedure=procedure)
    response = citizen_client.get(LIST)
    assert len(response.context["dossiers"]) == 5
    assert "Trang 1/3" in response.content.decode()
    assert len(citizen_client.get(LIST, {"page": 3}).context["dossiers"]) == 2


def test_rows_offer_the_actions_of_their_status(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    sent = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    finished = DossierFactory(owner=citizen, procedure=procedure, finished=True)
    result = AttachmentFactory(dossier=finished, kind=AttachmentKind.RESULT, name="ban-sao-van-bang.pdf")
    History.objects.filter(dossier=finished, to_status=DossierStatus.FINISHED).update(note="Mời nhận kết quả.")
    html = citizen_client.get(LIST).content.decode()
    assert reverse("dossiers:resume", args=[draft.code]) in html
    assert reverse("dossiers:delete", args=[draft.code]) in html
    assert reverse("dossiers:step", args=[draft.code, "review"]) in html
    assert reverse("dossiers:withdraw", args=[sent.code]) in html
    assert reverse("dossiers:withdraw", args=[finished.code]) not in html
    assert "Quá trình xử lý" in html
    assert "Mời nhận kết quả." in html
    assert "Ghi chú nội bộ" not in html  # internal notes never reach the citizen
    assert reverse("dossiers:download", args=[finished.code, result.pk]) in html


def test_each_dossier_is_a_card_with_its_actions_as_buttons(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    received = DossierFactory(owner=citizen, procedure=procedure, received=True)
    html = citizen_client.get(LIST).content.decode()
    assert "<table" not in html
    assert html.count('<li class="dossier-card">') == 2
    assert f'class="button button-small" href="{reverse("dossiers:resume", args=[draft.code])}"' in html
    assert f'class="button button-small button-danger" href="{reverse("dossiers:delete", args=[draft.code])}"' in html
    assert received.due_date.strftime("%d/%m/%Y") in html  # the appointment date on the card


def test_only_the_tabs_that_hold_something_are_listed(citizen_client, citizen, procedure):
    DossierFactory(owner=citizen, procedure=procedure)
    html = citizen_client.get(LIST).content.decode()
    assert 'Tất cả <span class="count">(1)</span>' in html
    assert 'Chưa gửi <span class="count">(1)</span>' in html
    assert "(0)" not in html
    assert "tab=withdrawn" not in html
    # The tab asked for stays, empty, without a count.
    html = citizen_client.get(LIST, {"tab": "withdrawn"}).content.decode()
    assert 'href="?tab=withdrawn" aria-current="page">Đã rút</a>' in html


def test_the_result_is_a_highlighted_panel_at_the_top_of_the_dossier(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, finished=True)
    result = AttachmentFactory(dossier=dossier, kind=AttachmentKind.RESULT, name="ban-sao.pdf")
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    panel = html.index('class="result-panel"')
    assert panel < html.index("Quá trình xử lý") and panel < html.index("Nội dung hồ sơ")
    assert f'class="button" href="{reverse("dossiers:download", args=[dossier.code, result.pk])}"' in html


def test_a_supplement_is_filed_under_its_document(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, received=True)
    first = procedure.documents.first()
    AttachmentFactory(dossier=dossier, document=first, kind=AttachmentKind.APPLICANT, name="lan-dau.pdf")
    AttachmentFactory(dossier=dossier, document=first, kind=AttachmentKind.SUPPLEMENT, name="bo-sung.pdf")
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    slot = html[html.index(f"<dt>{first.name}") :]
    slot = slot[: slot.index("</dd>")]
    assert "lan-dau.pdf" in slot and "bo-sung.pdf" in slot and "bổ sung" in slot


def test_withdraw_is_a_destructive_action_behind_a_confirmation(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    url = reverse("dossiers:withdraw", args=[dossier.code])
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert f'class="button button-danger" href="{url}">Rút hồ sơ</a>' in html
    confirm = citizen_client.get(url).content.decode()
    assert 'class="button button-danger-solid"' in confirm


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx)


def test_list_runs_a_constant_number_of_queries(citizen_client, citizen, procedure, django_assert_num_queries):
    DossierFactory(owner=citizen, procedure=procedure, finished=True)
    few = _list_queries(citizen_client)
    for _ in range(8):
        dossier = DossierFactory(owner=citizen, procedure=DossierProcedureFactory(), finished=True)
        AttachmentFactory(dossier=dossier, kind=AttachmentKind.RESULT)
        AttachmentFactory(dossier=dossier, kind=AttachmentKind.RESULT)
    DossierFactory.create_batch(5, owner=citizen, procedure=procedure)
    many = _list_queries(citizen_client)
    assert few == many == 5  # the user, the tab counts, the rows, the new rows' history and result files
    with django_assert_num_queries(3):  # every row from the cache: neither history nor result files
        citizen_client.get(LIST)
    with django_assert_num_queries(4):  # a code search counts its matches
        citizen_client.get(LIST, {"q": "TEST"})


def test_detail_shows_everything_of_a_sent_dossier(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, received=True, form_data={"truong": "THPT Việt Đức"})
    AttachmentFactory(dossier=dossier, document=procedure.documents.first(), name="don.pdf")
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert dossier.code in html
    assert "Đã tiếp nhận" in html
    assert "THPT Việt Đức" in html
    assert "don.pdf" in html
    assert "Quá trình xử lý" in html
    assert "Ghi chú nội bộ" not in html
    assert reverse("dossiers:receipt_pdf", args=[dossier.code]) in html
    assert reverse("dossiers:withdraw", args=[dossier.code]) not in html  # received: too late


def test_withdraw_a_dossier_not_yet_received(
    citizen_client, citizen, procedure, mailoutbox, django_capture_on_commit_callbacks
):
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    page = citizen_client.get(reverse("dossiers:withdraw", args=[dossier.code]))
    token = page.context["form"].initial["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(
            reverse("dossiers:withdraw", args=[dossier.code]), {"token": token, "reason": "Nộp nhầm thủ tục."}
        )
        again = citizen_client.post(reverse("dossiers:withdraw", args=[dossier.code]), {"token": token, "reason": "x"})
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.code])
    assert again.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.WITHDRAWN
    assert History.objects.filter(dossier=dossier, to_status=DossierStatus.WITHDRAWN).count() == 1
    assert len(mailoutbox) == 1
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert "Đã rút" in html and "Nộp nhầm thủ tục." in html


def test_withdraw_is_refused_once_received(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, received=True)
    response = citizen_client.post(
        reverse("dossiers:withdraw", args=[dossier.code]),
        {"token": "6f1c2b1e-1111-4b7a-9e0e-1234567890ab"},
        follow=True,
    )
    assert "Chỉ rút được hồ sơ mà cơ quan chưa tiếp nhận" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED


def test_delete_a_draft_after_confirmation(citizen_client, citizen, procedure):
    draft = DossierFactory(owner=citizen, procedure=procedure)
    page = citizen_client.get(reverse("dossiers:delete", args=[draft.code]))
    assert "Xóa hồ sơ này?" in page.content.decode()
    assert Dossier.objects.filter(pk=draft.pk).exists()  # the GET only asks
    response = citizen_client.post(reverse("dossiers:delete", args=[draft.code]), follow=True)
    assert not Dossier.objects.filter(pk=draft.pk).exists()
    assert f"Đã xóa hồ sơ {draft.code}." in response.content.decode()


# --- Rating -------------------------------------------------------------------------------


def test_rating_once_when_finished(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, finished=True)
    html = citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert "Đánh giá chất lượng phục vụ" in html
    citizen_client.post(reverse("dossiers:rate", args=[dossier.code]), {"score": "4", "comment": "Nhanh, chu đáo."})
    dossier.rating.refresh_from_db()
    assert (dossier.rating.score, dossier.rating.comment) == (4, "Nhanh, chu đáo.")
    response = citizen_client.post(reverse("dossiers:rate", args=[dossier.code]), {"score": "1"}, follow=True)
    assert "Bạn đã đánh giá hồ sơ này rồi." in response.content.decode()
    dossier.rating.refresh_from_db()
    assert dossier.rating.score == 4
    assert "4/5" in citizen_client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()


def test_rating_needs_a_score_between_1_and_5(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, finished=True)
    response = citizen_client.post(reverse("dossiers:rate", args=[dossier.code]), {"score": "9", "comment": "?"})
    assert response.status_code == 200
    assert not hasattr(Dossier.objects.get(pk=dossier.pk), "rating") or not RatingFactory._meta.model.objects.exists()


def test_rating_is_refused_before_the_result(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure, in_progress=True)
    response = citizen_client.post(reverse("dossiers:rate", args=[dossier.code]), {"score": "5"}, follow=True)
    assert "Chỉ có thể đánh giá khi hồ sơ đã có kết quả." in response.content.decode()
    assert not RatingFactory._meta.model.objects.exists()


def test_the_list_is_always_fresh(citizen_client, citizen, procedure):
    """Only rows are cached, per version of their dossier: a new, deleted or moved dossier, a new
    history note, a renamed procedure, the header's name and the language show on the next visit."""
    from dossiers import services, workflow

    sent = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    html = citizen_client.get(LIST).content.decode()
    assert "Đã gửi" in html and reverse("dossiers:withdraw", args=[sent.code]) in html
    with CaptureQueriesContext(connection) as warm:
        citizen_client.get(LIST)
    assert not any("dossiers_history" in q["sql"] for q in warm.captured_queries)  # the row came from the cache
    draft = DossierFactory(owner=citizen, procedure=procedure)
    html = citizen_client.get(LIST).content.decode()
    assert draft.code in html and "(2)" in html
    services.dossier_delete_draft(dossier=draft, user=citizen)
    assert draft.code not in citizen_client.get(LIST).content.decode()
    workflow.dossier_withdraw(dossier=sent, user=citizen, reason="Nộp nhầm thủ tục.")
    html = citizen_client.get(LIST).content.decode()
    assert "Đã rút" in html and "Nộp nhầm thủ tục." in html
    assert reverse("dossiers:withdraw", args=[sent.code]) not in html
    procedure.name = "Cấp bản sao văn bằng (tên mới)"
    procedure.save()
    assert "Cấp bản sao văn bằng (tên mới)" in citizen_client.get(LIST).content.decode()
    citizen.full_name = "Nguyễn Thị Hoa Mới"
    citizen.save()
    assert "Nguyễn Thị Hoa Mới" in citizen_client.get(LIST).content.decode()
    english = citizen_client.get("/en" + LIST).content.decode()
    assert "Withdrawn" in english and f'href="/en/dossiers/{sent.code}/"' in english


def test_another_citizen_never_gets_a_cached_row(citizen_client, citizen, procedure, client):
    from accounts.tests.factories import UserFactory

    mine = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    citizen_client.get(LIST)  # the row is cached now
    client.force_login(UserFactory())
    assert mine.code not in client.get(LIST).content.decode()


def test_a_pending_message_is_shown_once(citizen_client, citizen, procedure):
    dossier = DossierFactory(owner=citizen, procedure=procedure)
    citizen_client.get(LIST)
    response = citizen_client.post(reverse("dossiers:delete", args=[dossier.code]), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Đã xóa hồ sơ {dossier.code}." in html and reverse("dossiers:resume", args=[dossier.code]) not in html
    assert 'class="messages"' not in citizen_client.get(LIST).content.decode()
