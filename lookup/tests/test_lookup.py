import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db

URL = reverse("lookup:lookup")


def look_up(client, code, captcha_ok, **extra):
    return client.post(URL, {"code": code, **captcha_ok}, **extra)


@pytest.fixture
def sent_dossier():
    owner = UserFactory(full_name="Nguyễn Văn An", citizen_id="001090000123", phone="0988777666")
    return DossierFactory(owner=owner, received=True, code="SGDDT-HN-261120-AB3CDE")


def test_lookup_page_has_code_and_captcha(client):
    html = client.get(URL).content.decode()
    assert 'name="code"' in html and 'name="captcha_1"' in html
    assert "Tra cứu hồ sơ" in html


def test_qr_link_prefills_the_code_and_still_asks_the_captcha(client):
    html = client.get(URL + "?code=%20sgddt-hn-261120-ab3cde%20").content.decode()
    assert 'value="SGDDT-HN-261120-AB3CDE"' in html
    assert 'name="captcha_1"' in html


def test_lookup_ignores_case_and_spaces_and_shows_no_personal_data(client, captcha_ok, sent_dossier):
    response = look_up(client, "  sgddt-hn-261120-ab3cde  ", captcha_ok)
    assert response.status_code == 200
    html = response.content.decode()
    assert sent_dossier.procedure.name in html
    assert sent_dossier.agency.name in html
    assert "Đã tiếp nhận" in html or "Received" not in html
    assert "Nguyễn V. A." in html
    assert "Nguyễn Văn An" not in html
    for private in ("001090000123", "0988777666", sent_dossier.owner.email, sent_dossier.applicant_address):
        assert private not in html
    assert sent_dossier.due_date.strftime("%d/%m/%Y") in html


def test_the_lookup_box_works_with_csrf_enforced(captcha_ok, sent_dossier):
    """Regression: the box was included with `only`, which dropped `csrf_token` from its context,
    so every real browser got "403 CSRF token missing" (the test client skips the check)."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    html = browser.get(URL).content.decode()
    form = html[html.index('class="lookup-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[: form.index("</form>")])
    assert token, "the lookup form has no CSRF token"
    response = browser.post(URL, {"code": sent_dossier.code, "csrfmiddlewaretoken": token.group(1), **captcha_ok})
    assert response.status_code == 200
    assert sent_dossier.procedure.name in response.content.decode()


def test_lookup_with_fullwidth_lookalikes(client, captcha_ok, sent_dossier):
    html = look_up(client, "ＳＧＤＤＴ-ＨＮ-261120-ＡＢ3ＣＤＥ", captcha_ok).content.decode()
    assert sent_dossier.procedure.name in html


def test_organisation_name_is_shown(client, captcha_ok):
    dossier = DossierFactory(owner=UserFactory(organisation=True, organisation_name="Công ty Sao Mai"), sent=True)
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert "Công ty Sao Mai" in html


def test_drafts_are_unknown_like_codes_that_do_not_exist(client, captcha_ok):
    draft = DossierFactory()
    draft_html = look_up(client, draft.code, captcha_ok).content.decode()
    missing_html = look_up(client, "KHONG-CO-261120-ZZZZZZ", captcha_ok).content.decode()
    for html in (draft_html, missing_html):
        assert "Không có hồ sơ nào có mã này" in html
        assert draft.procedure.name not in html


def test_wrong_captcha_gives_a_clear_message_and_keeps_the_code(client, sent_dossier):
    html = client.post(URL, {"code": sent_dossier.code, "captcha_0": "x", "captcha_1": "WRONG"}).content.decode()
    assert "Mã xác nhận không đúng" in html
    assert f'value="{sent_dossier.code}"' in html
    assert sent_dossier.procedure.name not in html


@pytest.mark.parametrize(
    "code",
    ["A" * 1000, "' OR 1=1 --", "<script>alert(1)</script>", "SGDDT HN 261120", "mã-hồ-sơ", "\x00abc"],
)
def test_bad_codes_get_a_message_never_a_500_nor_raw_html(client, captcha_ok, code):
    response = look_up(client, code, captcha_ok)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "error-summary" in html


def test_eleventh_quick_lookup_is_limited(client, captcha_ok, sent_dossier):
    statuses = [look_up(client, sent_dossier.code, captcha_ok).status_code for _ in range(10)]
    assert statuses == [200] * 10
    response = look_up(client, sent_dossier.code, captcha_ok)
    assert response.status_code == 429
    html = response.content.decode()
    assert "tra cứu quá nhiều lần" in html
    assert sent_dossier.procedure.name not in html
    # Another address is not affected.
    assert look_up(client, sent_dossier.code, captcha_ok, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_finished_on_time_and_overdue(client, captcha_ok):
    today = timezone.localdate()
    finished = DossierFactory(finished=True, due_date=today + datetime.timedelta(days=2), timeliness="early")
    late = DossierFactory(finished=True, due_date=today - datetime.timedelta(days=2), timeliness="late")
    supplement = DossierFactory(supplement_requested=True, due_date=today - datetime.timedelta(days=1))
    overdue = DossierFactory(in_progress=True, due_date=today - datetime.timedelta(days=1))
    assert "Đã giải quyết đúng hạn" in look_up(client, finished.code, captcha_ok).content.decode()
    assert "Quá hạn" in look_up(client, overdue.code, captcha_ok).content.decode()
    assert "Đã giải quyết trễ hạn" in look_up(client, late.code, captcha_ok).content.decode()
    # The clock stops while the citizen is asked for a supplement: not overdue.
    assert "Quá hạn" not in look_up(client, supplement.code, captcha_ok).content.decode()


def test_apology_shows_in_history_and_timeliness(client, captcha_ok):
    from dossiers.models import History

    dossier = DossierFactory(in_progress=True, apology_count=1)
    History.objects.create(
        dossier=dossier, action="apologise", from_status="in_progress", to_status="in_progress", note="Hẹn lại."
    )
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert "Xin lỗi và hẹn lại ngày trả kết quả" in html
    assert "phiếu xin lỗi và hẹn lại ngày trả kết quả" in html


def test_the_public_answer_shows_no_free_text_of_the_citizen_or_the_officer(client, captcha_ok):
    """Anyone holding the code (or the QR on a paper receipt) sees the answer: the steps show
    their status and time, never a note an officer or the citizen wrote."""
    from dossiers.models import History

    dossier = DossierFactory(supplement_requested=True)
    History.objects.create(
        dossier=dossier,
        action="resubmit",
        from_status="supplement_requested",
        to_status="received",
        note="Tôi đã chụp lại ảnh CCCD.",
        internal_note="Ghi chú nội bộ",
    )
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert "Yêu cầu bổ sung hồ sơ" in html or "bổ sung" in html
    for text in ("Đề nghị bổ sung bản chụp rõ nét căn cước công dân.", "Tôi đã chụp lại ảnh CCCD.", "Ghi chú nội bộ"):
        assert text not in html


def test_lookup_runs_a_constant_number_of_queries(client, captcha_ok, django_assert_num_queries):
    """The captcha checked (expired ones purged, this one read and spent: 3 with a real key; the
    test key is only read), the dossier with its procedure and agency (1), its steps (1), however
    long its history; the answer page stores no new captcha."""
    small = DossierFactory(sent=True)
    big = DossierFactory(supplement_requested=True)
    for dossier in (small, big):
        with django_assert_num_queries(4):
            look_up(client, dossier.code, captcha_ok)


def test_the_home_page_box_opens_the_lookup_page_with_the_code(client):
    """The home page carries no captcha (it is the same page for every visitor): its box is a
    GET form that opens /lookup/?code=…, where the captcha is asked."""
    html = client.get(reverse("home")).content.decode()
    form = html[html.index('class="home-lookup"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in form and f'action="{URL}"' in form
    assert 'name="code"' in form and "captcha" not in form and "csrfmiddlewaretoken" not in form
    page = client.get(URL, {"code": "sgddt-hn-261120-ab3cde"}).content.decode()
    assert 'value="SGDDT-HN-261120-AB3CDE"' in page and 'name="captcha_1"' in page


def test_an_answer_follows_the_dossier_and_the_day(client, captcha_ok, sent_dossier, monkeypatch):
    """A status change, a new step or a new day (for "overdue") shows on the next lookup."""
    from dossiers import deadlines, workflow
    from dossiers.tests.factories import officer

    code = sent_dossier.code
    assert "Đã tiếp nhận" in look_up(client, code, captcha_ok).content.decode()
    workflow.dossier_start(dossier=sent_dossier, user=officer(sent_dossier.agency))
    html = look_up(client, code, captcha_ok).content.decode()
    assert "Đang xử lý" in html and "Quá hạn" not in html
    sent_dossier.refresh_from_db()
    late = sent_dossier.due_date + datetime.timedelta(days=1)
    monkeypatch.setattr(deadlines, "today", lambda: late)
    assert "Quá hạn" in look_up(client, code, captcha_ok).content.decode()


def test_a_limited_lookup_keeps_the_code_typed_and_spends_no_captcha(client, captcha_ok, sent_dossier, settings):
    from captcha.models import CaptchaStore

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup": "0/m"}
    store = CaptchaStore.objects.create(
        challenge="ABCDE", response="abcde", expiration=timezone.now() + datetime.timedelta(minutes=5)
    )
    response = client.post(URL, {"code": "sgddt-hn-261120-ab3cde", "captcha_0": store.hashkey, "captcha_1": "abcde"})
    assert response.status_code == 429
    html = response.content.decode()
    assert 'value="SGDDT-HN-261120-AB3CDE"' in html and "tra cứu quá nhiều lần" in html
    assert CaptchaStore.objects.filter(pk=store.pk).exists()


def test_the_answer_comes_first_with_a_way_to_look_up_another(client, captcha_ok, sent_dossier):
    from captcha.models import CaptchaStore

    before = CaptchaStore.objects.count()
    html = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    main = html[html.index("<main") :]
    assert main.index("lookup-result") < main.index(f'href="{URL}"')
    assert 'name="captcha_1"' not in html and CaptchaStore.objects.count() == before


def test_a_logged_in_citizen_gets_the_answer_in_their_own_page(client, captcha_ok, sent_dossier):
    client.force_login(UserFactory(full_name="Trần Thị Bình"))
    html = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    assert "Trần Thị Bình" in html and "lookup-result" in html


@pytest.fixture
def live_captcha():
    from captcha.models import CaptchaStore

    return CaptchaStore.objects.create(
        challenge="ABCDE", response="abcde", expiration=timezone.now() + datetime.timedelta(minutes=5)
    )


def test_a_wrong_captcha_never_tells_whether_the_code_exists(client, sent_dossier, live_captcha):
    """A refused captcha shows the same page for a real code as for an unknown one, and spends
    the picture."""
    from captcha.models import CaptchaStore

    pages = []
    for code in (sent_dossier.code, "KHONG-CO-261120-ZZZZZZ"):
        store = CaptchaStore.objects.create(
            challenge="ABCDE", response="abcde", expiration=timezone.now() + datetime.timedelta(minutes=5)
        )
        with override_settings(CAPTCHA_TEST_MODE=False):
            html = client.post(URL, {"code": code, "captcha_0": store.hashkey, "captcha_1": "WRONG"}).content.decode()
        assert not CaptchaStore.objects.filter(pk=store.pk).exists()
        pages.append(html)
    for html in pages:
        assert "Mã xác nhận không đúng" in html
        assert "Không có hồ sơ nào có mã này" not in html and sent_dossier.procedure.name not in html
    with override_settings(CAPTCHA_TEST_MODE=False):
        html = client.post(
            URL, {"code": sent_dossier.code, "captcha_0": live_captcha.hashkey, "captcha_1": "ABCDE"}
        ).content.decode()
    assert sent_dossier.procedure.name in html and "lookup-result" in html


def test_a_refused_code_still_spends_the_captcha(client, live_captcha):
    from captcha.models import CaptchaStore

    with override_settings(CAPTCHA_TEST_MODE=False):
        data = {"code": "<b>", "captcha_0": live_captcha.hashkey, "captcha_1": "abcde"}
        html = client.post(URL, data).content.decode()
    assert "Mã hồ sơ chỉ gồm chữ cái, chữ số và dấu gạch ngang" in html
    assert not CaptchaStore.objects.filter(pk=live_captcha.pk).exists()


def test_steps_of_the_same_moment_are_shown_in_the_order_they_were_written(client, captcha_ok):
    from dossiers.models import History

    dossier = DossierFactory(received=True)
    moment = timezone.now()
    for action, to_status in (("apologise", "received"), ("request_supplement", "supplement_requested")):
        entry = History.objects.create(dossier=dossier, action=action, from_status="received", to_status=to_status)
        History.objects.filter(pk=entry.pk).update(created_at=moment)
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    timeline = html[html.index('class="timeline"') :]
    assert timeline.index("Xin lỗi và hẹn lại") < timeline.rindex("Yêu cầu bổ sung")


def test_dates_read_as_the_language_reads_them(client, captcha_ok, sent_dossier):
    """Vietnamese: 02/09/2026 14:30 (portal/formats/vi); English: the month as a word, "Dec 14,
    2026" (portal/formats/en), never 12/14/2026, which a Vietnamese reader takes for day/month."""
    vietnamese = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    assert timezone.localtime(sent_dossier.sent_at).strftime("%d/%m/%Y %H:%M") in vietnamese
    english = client.post("/en" + URL, {"code": sent_dossier.code, **captcha_ok}).content.decode()
    due = sent_dossier.due_date
    assert '<html lang="en">' in english and f"{due:%b} {due.day}, {due.year}" in english
    assert due.strftime("%m/%d/%Y") not in english


def test_the_public_answer_names_no_file_and_gives_the_standard_wording_of_the_status(client, captcha_ok):
    """A result or a supplement file is named by the citizen or the officer: its name never
    reaches the public answer; the status comes with the agency's standard wording instead."""
    from dossiers.constants import AttachmentKind
    from dossiers.tests.factories import AttachmentFactory

    dossier = DossierFactory(finished=True)
    AttachmentFactory(dossier=dossier, kind=AttachmentKind.RESULT, name="ket-qua-Nguyen-Van-An.pdf")
    AttachmentFactory(dossier=dossier, kind=AttachmentKind.SUPPLEMENT, name="cccd-chup-lai.png")
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    for text in ("ket-qua-Nguyen-Van-An", "cccd-chup-lai", ".pdf", ".png"):
        assert text not in html
    assert "Đã có kết quả. Người nộp đã được thông báo cách nhận kết quả." in html


@pytest.mark.parametrize("trait", ["sent", "received", "in_progress", "supplement_requested", "rejected", "withdrawn"])
def test_every_public_status_has_its_standard_wording(client, captcha_ok, trait):
    from lookup.selectors import STATUS_EXPLANATIONS

    dossier = DossierFactory(**{trait: True})
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert str(STATUS_EXPLANATIONS[dossier.status]) in html


def test_the_answer_or_the_error_is_brought_into_view(client, captcha_ok, sent_dossier):
    """On a phone the answer would start below the fold: the form posts to #answer, the answer
    (or the error summary) carries that id, and the answer takes the focus (portal.js)."""
    html = client.get(URL).content.decode()
    assert f'action="{URL}#answer"' in html
    answer = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    assert 'id="answer"' in answer and "data-focus-on-load" in answer and 'tabindex="-1"' in answer
    error = look_up(client, "SGDDT-HN-000000-ZZZZZZ", captcha_ok).content.decode()
    assert '<div id="answer">' in error and "data-error-summary" in error
