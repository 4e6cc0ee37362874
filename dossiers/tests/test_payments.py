"""Fee payments (issue 21): requests, the simulator's scenarios, the IPN, status queries, bank
statements, receipts, the back office, and strangers."""

import datetime as dt
import io
import urllib.parse

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import OutgoingEmail
from accounts.tests.factories import PASSWORD
from core import vietqr, vnpay
from dossiers import workflow
from dossiers.payments import providers, services
from dossiers.payments.constants import PaymentStatus, ProviderCode, StatementMatch
from dossiers.payments.models import AgencyPaymentAccount, BankStatementLine, DuplicatePayment, Payment, PaymentEvent
from dossiers.payments.workflow import PaymentError
from dossiers.tests.conftest import complete_draft
from dossiers.tests.factories import DossierFactory, officer
from procedures.constants import ServiceLevel

pytestmark = pytest.mark.django_db
SECRET = "simulator-secret-not-for-production"


# --- Protocol helpers ---------------------------------------------------------------------


def test_vietqr_crc_is_ccitt_false_and_payload_round_trips():
    assert vietqr.crc16("123456789") == "29B1"  # the CRC-16/CCITT-FALSE check value
    text = vietqr.payload(bank_bin="970436", account="0011004455667", amount=150000, purpose="DVCABCDEFGHJK")
    fields = vietqr.parse(text)
    assert fields["54"] == "150000" and fields["53"] == "704" and fields["58"] == "VN"
    assert "A000000727" in fields["38"] and "970436" in fields["38"] and "0011004455667" in fields["38"]
    assert "DVCABCDEFGHJK" in fields["62"]
    with pytest.raises(ValueError):
        vietqr.parse(text[:-1] + ("0" if text[-1] != "0" else "1"))


def test_vnpay_signature_verifies_and_a_changed_parameter_does_not():
    signed = vnpay.sign({"vnp_Amount": "1000000", "vnp_TxnRef": "X01", "vnp_OrderInfo": "Phi ho so"}, "k")
    assert vnpay.verify(signed, "k")
    assert not vnpay.verify({**signed, "vnp_Amount": "100"}, "k")
    assert not vnpay.verify(signed, "other")


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def fee_procedure(procedure):
    procedure.fee_amount = 150000
    procedure.service_level = ServiceLevel.FULL_ONLINE
    procedure.save()
    return procedure


@pytest.fixture
def sent_with_fee(citizen, fee_procedure, django_capture_on_commit_callbacks):
    draft = complete_draft(citizen, fee_procedure)
    with django_capture_on_commit_callbacks(execute=True):
        return workflow.dossier_send(dossier=draft, user=citizen)


def begin_with_simulator(client, dossier) -> dict:
    response = client.post(reverse("dossiers:payment", args=[dossier.code]))
    assert response.status_code == 302
    url = urllib.parse.urlsplit(response.url)
    assert url.path == reverse("payments_api:simulator")
    return dict(urllib.parse.parse_qsl(url.query))


def play(client, query: dict, scenario: str):
    return client.post(reverse("payments_api:simulator"), {**query, "scenario": scenario})


def officer_action(client, payment_id: int, action: str, reason: str):
    """The officer's action on a fee, sent from its admin page (the history inline has no rows)."""
    data = {"officer_action": action, "reason": reason, "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    return client.post(reverse("admin:dossiers_payment_change", args=[payment_id]), data)


def refreshed(dossier) -> Payment:
    return Payment.objects.get(dossier=dossier)


# --- Requests -----------------------------------------------------------------------------


def test_sending_a_full_online_dossier_with_a_fee_requests_it_and_says_so_by_email(sent_with_fee, citizen_client):
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PENDING and payment.amount == 150000 and payment.pay_first
    assert payment.provider == ProviderCode.SIMULATOR
    body = OutgoingEmail.objects.filter(subject__icontains=sent_with_fee.code).latest("pk").body_text
    assert "Chờ thanh toán" in body and "150.000 đ" in body
    page = citizen_client.get(reverse("dossiers:detail", args=[sent_with_fee.code])).content.decode()
    assert "Chờ thanh toán" in page and "150.000 đ" in page and "Thanh toán" in page
    success = citizen_client.get(reverse("dossiers:sent", args=[sent_with_fee.code])).content.decode()
    assert "Chờ thanh toán" in success and reverse("dossiers:payment", args=[sent_with_fee.code]) in success
    rows = citizen_client.get(reverse("dossiers:list")).content.decode()
    assert reverse("dossiers:payment", args=[sent_with_fee.code]) in rows


def test_partial_online_fee_is_requested_at_reception_and_does_not_hold_processing(citizen, procedure):
    procedure.fee_amount = 20000
    procedure.service_level = ServiceLevel.PARTIAL_ONLINE
    procedure.save()
    dossier = DossierFactory(owner=citizen, procedure=procedure, sent=True)
    assert not Payment.objects.filter(dossier=dossier).exists()
    leader = officer(procedure.agency)
    workflow.dossier_receive(dossier=dossier, user=leader)
    payment = refreshed(dossier)
    assert payment.amount == 20000 and not payment.pay_first
    workflow.dossier_start(dossier=dossier, user=leader)  # not held by the fee


def test_processing_of_a_pay_first_dossier_starts_only_when_paid(sent_with_fee, citizen_client, agency_officer):
    workflow.dossier_receive(dossier=sent_with_fee, user=agency_officer)
    with pytest.raises(workflow.TransitionError):
        workflow.dossier_start(dossier=sent_with_fee, user=agency_officer)
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    workflow.dossier_start(dossier=sent_with_fee, user=agency_officer)


# --- The simulator's scenarios ------------------------------------------------------------


def test_paying_through_the_simulator_marks_paid_by_the_notification_and_emails_the_receipt(
    sent_with_fee, citizen_client, django_capture_on_commit_callbacks
):
    query = begin_with_simulator(citizen_client, sent_with_fee)
    assert citizen_client.get(reverse("payments_api:simulator"), query).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = play(citizen_client, query, "pay")
    assert response.url.startswith("http://testserver" + reverse("dossiers:payment_return", args=[sent_with_fee.code]))
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PAID and payment.paid_amount == 150000 and payment.receipt_number
    assert (
        OutgoingEmail.objects.filter(subject__icontains="lệ phí").exists()
        or OutgoingEmail.objects.filter(body_text__contains=payment.receipt_number).exists()
    )
    page = citizen_client.get(response.url, follow=True).content.decode()
    assert payment.receipt_number in page or "Biên lai" in page
    pdf = citizen_client.get(reverse("dossiers:payment_receipt", args=[sent_with_fee.code]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_return_address_never_marks_paid(sent_with_fee, citizen_client):
    query = begin_with_simulator(citizen_client, sent_with_fee)
    payment = refreshed(sent_with_fee)
    forged_return = vnpay.sign(
        {
            "vnp_TxnRef": payment.txn_ref,
            "vnp_Amount": "15000000",
            "vnp_ResponseCode": "00",
            "vnp_TransactionStatus": "00",
            "vnp_TmnCode": query["vnp_TmnCode"],
        },
        SECRET,
    )
    url = reverse("dossiers:payment_return", args=[sent_with_fee.code])
    page = citizen_client.get(url, forged_return, follow=True).content.decode()
    assert refreshed(sent_with_fee).status == PaymentStatus.PENDING
    assert "Chờ thanh toán" in page


def test_a_duplicate_notification_changes_nothing(sent_with_fee, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "twice")
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PAID
    assert payment.events.filter(to_status=PaymentStatus.PAID).count() == 1
    assert OutgoingEmail.objects.filter(body_text__contains=payment.receipt_number).count() == 1


def test_a_forged_notification_is_refused_and_recorded(sent_with_fee, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "forged")
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PENDING
    assert (
        payment.events.filter(note__icontains="chữ ký").exists()
        or payment.events.filter(note__icontains="signature").exists()
    )


def test_a_wrong_amount_is_not_paid(sent_with_fee, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "wrong_amount")
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PENDING and payment.paid_at is None
    assert payment.events.filter(data__vnp_Amount="14900000").exists()


@pytest.mark.parametrize("scenario", ["cancel", "fail"])
def test_a_cancelled_or_declined_payment_fails_and_can_be_tried_again(sent_with_fee, citizen_client, scenario):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), scenario)
    assert refreshed(sent_with_fee).status == PaymentStatus.FAILED
    query = begin_with_simulator(citizen_client, sent_with_fee)
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PENDING and payment.attempt == 2 and query["vnp_TxnRef"].endswith("02")
    play(citizen_client, query, "pay")
    assert refreshed(sent_with_fee).status == PaymentStatus.PAID


def test_no_second_order_while_the_gateway_may_still_take_the_first(sent_with_fee, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "late")  # paid, not yet known
    url = reverse("dossiers:payment", args=[sent_with_fee.code])
    page = citizen_client.get(url).content.decode()
    assert "không thanh toán lại" in page and f'action="{url}"' not in page  # no "Thanh toán" button
    response = citizen_client.post(url, follow=True)
    assert "đang chờ cổng thanh toán xác nhận" in response.content.decode()
    assert refreshed(sent_with_fee).attempt == 1
    # Once the order has expired at the gateway, a new one may start.
    Payment.objects.filter(dossier=sent_with_fee).update(attempted_at=timezone.now() - dt.timedelta(minutes=16))
    assert begin_with_simulator(citizen_client, sent_with_fee)["vnp_TxnRef"].endswith("02")
    assert refreshed(sent_with_fee).attempt == 2


@pytest.fixture
def paid_twice(sent_with_fee, citizen_client):
    """The citizen paid a first order whose confirmation is late, then a second one once the first
    had expired: returns the first order's notification, still to come."""
    from dossiers.payments import simulator

    query = begin_with_simulator(citizen_client, sent_with_fee)
    play(citizen_client, query, "late")
    first = simulator.order(query["vnp_TxnRef"])
    Payment.objects.filter(dossier=sent_with_fee).update(attempted_at=timezone.now() - dt.timedelta(minutes=16))
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")  # paid again
    return first


def test_a_second_payment_for_a_settled_fee_is_refunded_through_the_gateway(
    sent_with_fee, citizen_client, paid_twice, django_capture_on_commit_callbacks
):
    from dossiers.payments import simulator

    with django_capture_on_commit_callbacks(execute=True):
        answer = services.notification_handle(provider_code="simulator", params=paid_twice)
    assert answer.response["RspCode"] == "02"  # the gateway is told it was settled already
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PAID and payment.provider_transaction != paid_twice["vnp_TransactionNo"]
    assert payment.events.filter(to_status=PaymentStatus.PAID).count() == 1
    duplicate = DuplicatePayment.objects.get(payment=payment)
    assert (duplicate.order_ref, duplicate.transaction_no) == (
        paid_twice["vnp_TxnRef"],
        paid_twice["vnp_TransactionNo"],
    )
    assert duplicate.amount == 150000 and duplicate.refunded_at and duplicate.refund_transaction
    # The refund names the first order as created (VNPAY's vnp_TransactionDate), not the second.
    began = payment.events.get(dedupe_key=f"order:{duplicate.order_ref}").data["order_at"]
    assert duplicate.order_at.isoformat() == began and duplicate.order_at < payment.attempted_at
    assert simulator.cache.get(simulator._refunded_key(duplicate.order_ref)) == 15000000  # that order, in full
    assert simulator.cache.get(simulator._refunded_key(payment.paid_order_ref), 0) == 0  # not the fee's
    notes = " ".join(payment.events.values_list("note", flat=True))
    assert paid_twice["vnp_TransactionNo"] in notes and "hoàn" in notes.lower()
    page = citizen_client.get(reverse("dossiers:payment", args=[sent_with_fee.code])).content.decode()
    assert "Khoản thanh toán bị trùng" in page and f"hoàn lại ngày {timezone.localdate():%d/%m/%Y}" in page


def test_a_second_payment_reported_twice_is_refunded_once(
    sent_with_fee, paid_twice, django_capture_on_commit_callbacks, monkeypatch
):
    from dossiers.payments import simulator

    sent = []
    real = simulator.refund
    monkeypatch.setattr(simulator, "refund", lambda body: sent.append(body) or real(body))
    for _ in range(2):  # the notification, then the same one again (the gateway retries until answered)
        with django_capture_on_commit_callbacks(execute=True):
            services.notification_handle(provider_code="simulator", params=paid_twice)
    assert DuplicatePayment.objects.count() == 1 and len(sent) == 1
    # A redelivered task changes nothing either.
    from dossiers.tasks import request_duplicate_refund

    assert request_duplicate_refund.delay(DuplicatePayment.objects.get().pk, "x").get() == "skipped"
    assert len(sent) == 1


def test_a_second_payment_of_another_amount_is_refunded_too(
    sent_with_fee, citizen_client, agency_officer, django_capture_on_commit_callbacks
):
    from dossiers.payments import simulator

    first = begin_with_simulator(citizen_client, sent_with_fee)
    play(citizen_client, first, "late")  # 150,000 đồng paid, the confirmation late
    Payment.objects.filter(dossier=sent_with_fee).update(attempted_at=timezone.now() - dt.timedelta(minutes=16))
    services.payment_adjust(payment=refreshed(sent_with_fee), user=agency_officer, amount=100000, reason="Giảm phí")
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")  # 100,000 paid
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_handle(provider_code="simulator", params=simulator.order(first["vnp_TxnRef"]))
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PAID and payment.paid_amount == 100000
    duplicate = DuplicatePayment.objects.get(payment=payment)
    assert duplicate.amount == 150000 and duplicate.order_ref == first["vnp_TxnRef"] and duplicate.refunded_at


def test_the_fee_paid_reported_again_is_never_taken_for_a_second_payment(
    sent_with_fee, citizen_client, django_capture_on_commit_callbacks
):
    from dossiers.payments import simulator

    query = begin_with_simulator(citizen_client, sent_with_fee)
    play(citizen_client, query, "pay")
    # Even when the transaction number was not kept, the order it paid says it is the same payment.
    Payment.objects.filter(dossier=sent_with_fee).update(provider_transaction="")
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_handle(provider_code="simulator", params=simulator.order(query["vnp_TxnRef"]))
    assert not DuplicatePayment.objects.exists()


def test_a_refund_request_never_sent_is_sent_by_the_beat(sent_with_fee, paid_twice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was away at the commit
        services.notification_handle(provider_code="simulator", params=paid_twice)
    duplicate = DuplicatePayment.objects.get()
    assert duplicate.refund_requested_at and duplicate.refunded_at is None
    assert services.payments_reconcile()["refunds requeued"] == 0  # too early: it may be under way
    DuplicatePayment.objects.update(refund_requested_at=timezone.now() - dt.timedelta(hours=2))
    assert services.payments_reconcile()["refunds requeued"] == 1
    duplicate.refresh_from_db()
    assert duplicate.refunded_at is not None


def test_a_duplicate_whose_order_time_is_unknown_is_left_for_staff(
    sent_with_fee, paid_twice, agency_officer, django_capture_on_commit_callbacks, monkeypatch
):
    from dossiers.payments import simulator

    sent = []
    monkeypatch.setattr(simulator, "refund", lambda body: sent.append(body))
    PaymentEvent.objects.filter(dedupe_key=f"order:{paid_twice['vnp_TxnRef']}").delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_handle(provider_code="simulator", params=paid_twice)
    duplicate = DuplicatePayment.objects.get()
    assert duplicate.refund_requested_at is None
    assert duplicate.refund_error == gettext(services.ORDER_TIME_UNKNOWN)
    with pytest.raises(PaymentError):  # the gateway could not find the order without its date
        services.duplicate_refund_again(duplicate=duplicate, user=agency_officer)
    assert sent == []


def test_a_payment_for_a_waived_fee_is_refunded(
    sent_with_fee, citizen_client, agency_officer, django_capture_on_commit_callbacks
):
    from dossiers.payments import simulator

    query = begin_with_simulator(citizen_client, sent_with_fee)
    play(citizen_client, query, "late")  # paid, the confirmation late
    services.payment_waive(payment=refreshed(sent_with_fee), user=agency_officer, reason="Miễn phí theo quy định")
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_handle(provider_code="simulator", params=simulator.order(query["vnp_TxnRef"]))
    assert refreshed(sent_with_fee).status == PaymentStatus.WAIVED
    assert DuplicatePayment.objects.get().refunded_at is not None


def test_a_duplicate_refund_the_gateway_refuses_is_left_for_the_agency_to_ask_again(
    sent_with_fee, paid_twice, agency_officer, django_capture_on_commit_callbacks, client
):
    from dossiers.payments import simulator

    simulator.cache.delete(simulator._key(paid_twice["vnp_TxnRef"]))  # the gateway no longer knows that order
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_handle(provider_code="simulator", params=paid_twice)
    duplicate = DuplicatePayment.objects.get()
    assert duplicate.refunded_at is None and duplicate.refund_requested_at is None and duplicate.refund_sent_at is None
    assert "91" in duplicate.refund_error
    client.login(email=agency_officer.email, password=PASSWORD)
    listing = client.get(reverse("admin:dossiers_duplicatepayment_changelist"), {"refund": "problem"})
    assert duplicate.order_ref in listing.content.decode()
    # Another agency's officer neither sees it nor may ask; this agency's may, and the gateway now refunds.
    outsider = officer(DossierFactory().agency)
    with pytest.raises(PaymentError):
        services.duplicate_refund_again(duplicate=duplicate, user=outsider)
    outsider_client = Client()
    outsider_client.login(email=outsider.email, password=PASSWORD)
    change = reverse("admin:dossiers_duplicatepayment_change", args=[duplicate.pk])
    processor_client = Client()  # an officer of the agency who does not receive: no action offered
    processor_client.login(email=officer(sent_with_fee.agency, role="processor").email, password=PASSWORD)
    assert (
        "refund_again"
        not in processor_client.get(reverse("admin:dossiers_duplicatepayment_changelist")).content.decode()
    )
    assert "refund_again" in client.get(reverse("admin:dossiers_duplicatepayment_changelist")).content.decode()
    assert outsider_client.get(change).status_code in (302, 404)
    assert (
        duplicate.order_ref
        not in outsider_client.get(reverse("admin:dossiers_duplicatepayment_changelist")).content.decode()
    )
    assert duplicate.order_ref in client.get(change).content.decode()
    simulator.cache.set(simulator._key(paid_twice["vnp_TxnRef"]), paid_twice, 3600)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:dossiers_duplicatepayment_changelist"),
            {"action": "refund_again", "_selected_action": [duplicate.pk]},
            follow=True,
        )
    assert response.status_code == 200
    duplicate.refresh_from_db()
    assert duplicate.refunded_at is not None and not duplicate.refund_error
    with pytest.raises(PaymentError):  # refunded: nothing left to ask
        services.duplicate_refund_again(duplicate=duplicate, user=agency_officer)


def test_a_duplicate_refund_made_on_the_merchant_portal_is_recorded_with_its_reference(
    sent_with_fee, paid_twice, agency_officer, django_capture_on_commit_callbacks, client
):
    from dossiers.payments import simulator

    simulator.cache.delete(simulator._key(paid_twice["vnp_TxnRef"]))  # the gateway's call refuses
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_handle(provider_code="simulator", params=paid_twice)
    duplicate = DuplicatePayment.objects.get()
    assert duplicate.refunded_at is None and duplicate.refund_error
    with pytest.raises(PaymentError):  # another agency's officer
        services.duplicate_refund_recorded(duplicate=duplicate, user=officer(DossierFactory().agency), note="HT123")
    client.login(email=agency_officer.email, password=PASSWORD)
    url = reverse("admin:dossiers_duplicatepayment_changelist")
    chosen = {"action": "refund_recorded", "_selected_action": [duplicate.pk]}
    page = client.post(url, chosen)  # first the reference is asked
    assert (
        page.status_code == 200 and duplicate.order_ref in page.content.decode() and "150.000" in page.content.decode()
    )
    missing = client.post(url, {**chosen, "confirm": "yes", "note": " "})
    assert missing.status_code == 200 and 'class="error-summary"' in missing.content.decode()
    assert client.post(url, {**chosen, "confirm": "yes", "note": "HT123 ngày 07/12"}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.refunded_at is not None and not duplicate.refund_error
    assert duplicate.refund_transaction == "HT123 ngày 07/12"
    assert duplicate.payment.events.filter(note__contains="HT123 ngày 07/12", actor=agency_officer).exists()
    with pytest.raises(PaymentError):  # once only
        services.duplicate_refund_recorded(duplicate=duplicate, user=agency_officer, note="HT124")


def test_the_gateway_refunding_what_staff_recorded_meanwhile_is_said_not_lost(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, monkeypatch
):
    from dossiers.payments import simulator

    real = simulator.refund

    def answered_after_staff_recorded(body):
        answer = real(body)
        # Meanwhile staff recorded a refund made on the merchant portal (a request in doubt).
        Payment.objects.filter(pk=paid_and_refused.pk).update(status=PaymentStatus.REFUNDED)
        return answer

    monkeypatch.setattr(simulator, "refund", answered_after_staff_recorded)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.events.filter(source="refund", note__contains="hoàn trùng").exists()  # said for staff


def test_recording_a_merchant_portal_refund_keeps_the_partial_amount_and_is_for_gateway_fees_only(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, vnpay_refund_fails_with, vietqr_dossier
):
    vnpay_refund_fails_with(requests.ReadTimeout("sent, no answer"))
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn một phần", amount=50000)
    payment = services.payment_refund(
        payment=refreshed(paid_and_refused.dossier), user=agency_officer, note="HT7", made_on_gateway=True
    )
    assert payment.refund_amount == 50000 and "50.000" in payment.refund_note
    with pytest.raises(PaymentError):  # a bank transfer is refunded with "Refund"
        services.payment_refund(payment=refreshed(vietqr_dossier), user=agency_officer, note="x", made_on_gateway=True)


def test_a_fee_refund_in_doubt_is_closed_by_recording_the_one_made_on_the_merchant_portal(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, vnpay_refund_fails_with, client
):
    vnpay_refund_fails_with(requests.ReadTimeout("sent, no answer"))  # the gateway may have refunded
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    with pytest.raises(PaymentError):  # not while the request is under way
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="HT1", made_on_gateway=True)
    for callback in callbacks:
        callback()
    assert refreshed(paid_and_refused.dossier).refund_error  # in doubt: check the merchant portal
    client.login(email=agency_officer.email, password=PASSWORD)
    response = officer_action(client, paid_and_refused.pk, "refund_made", "HT555 ngày 07/12 trên cổng VNPAY")
    assert response.status_code == 302
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.REFUNDED and not payment.refund_error
    assert "HT555" in payment.refund_note and payment.refund_amount == 150000


def test_a_duplicate_refund_that_may_have_reached_the_gateway_is_never_sent_again(
    sent_with_fee, paid_twice, django_capture_on_commit_callbacks, monkeypatch
):
    from dossiers.payments import simulator

    sent = []
    monkeypatch.setattr(simulator, "refund", lambda body: sent.append(body))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notification_handle(provider_code="simulator", params=paid_twice)
    duplicate = DuplicatePayment.objects.get()
    # A first worker marked the request sent and was lost before the answer was saved.
    DuplicatePayment.objects.filter(pk=duplicate.pk).update(refund_sent_at=timezone.now())
    for callback in callbacks:
        callback()
    assert sent == []
    duplicate.refresh_from_db()
    assert duplicate.refunded_at is None and duplicate.refund_sent_at is None and duplicate.refund_requested_at is None
    assert duplicate.refund_error == gettext(services.REFUND_OUTCOME_UNKNOWN)


def test_a_late_notification_is_found_by_the_status_query_of_beat(sent_with_fee, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "late")
    assert refreshed(sent_with_fee).status == PaymentStatus.PENDING
    assert services.payments_reconcile(older_than_minutes=0) == {
        "queried": 1,
        "paid": 1,
        "expired": 0,
        "refunds requeued": 0,
    }
    assert refreshed(sent_with_fee).status == PaymentStatus.PAID
    # Then the late notification arrives: harmless.
    from django.core.cache import cache

    payment = refreshed(sent_with_fee)
    late = cache.get(f"payment-simulator:{payment.txn_ref}")
    assert services.notification_handle(provider_code="simulator", params=late).response["RspCode"] == "02"
    assert payment.events.filter(to_status=PaymentStatus.PAID).count() == 1


def test_a_paid_request_cannot_be_paid_again(sent_with_fee, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    response = citizen_client.post(reverse("dossiers:payment", args=[sent_with_fee.code]), follow=True)
    assert refreshed(sent_with_fee).attempt == 1
    assert "Không thể thanh toán lúc này" in response.content.decode()


def test_a_silent_gateway_leaves_the_payment_pending(sent_with_fee, citizen_client, monkeypatch, settings):
    begin_with_simulator(citizen_client, sent_with_fee)
    payment = refreshed(sent_with_fee)
    payment.provider = ProviderCode.VNPAY
    payment.save()
    settings.PAYMENT_VNPAY_TMN_CODE, settings.PAYMENT_VNPAY_HASH_SECRET = "TMN", "secret"

    def timeout(*args, **kwargs):
        raise requests.ConnectTimeout("no answer")

    monkeypatch.setattr(requests, "post", timeout)  # the gateway is outside the machine
    assert services.payment_query(payment_id=payment.pk).status == PaymentStatus.PENDING


def test_unpaid_requests_past_their_date_expire(sent_with_fee):
    Payment.objects.filter(dossier=sent_with_fee).update(due_date=dt.date.today() - dt.timedelta(days=1))
    assert services.payments_reconcile()["expired"] == 1
    assert refreshed(sent_with_fee).status == PaymentStatus.EXPIRED


# --- A request past its date, asked again --------------------------------------------------


def expire(dossier) -> Payment:
    Payment.objects.filter(dossier=dossier).update(due_date=dt.date.today() - dt.timedelta(days=1))
    services.payments_reconcile()
    payment = refreshed(dossier)
    assert payment.status == PaymentStatus.EXPIRED
    return payment


def test_the_citizen_gets_a_new_request_once_the_old_one_expired_and_pays_it_once(sent_with_fee, citizen_client):
    old = expire(sent_with_fee)
    url = reverse("dossiers:payment", args=[sent_with_fee.code])
    page = citizen_client.get(url).content.decode()
    assert "Quá hạn thanh toán" in page and 'value="renew"' in page
    assert citizen_client.post(url).status_code == 302  # paying an expired request is refused…
    assert refreshed(sent_with_fee).status == PaymentStatus.EXPIRED
    response = citizen_client.post(url, {"action": "renew"}, follow=True)  # …asking again is not
    assert "Đã tạo yêu cầu thanh toán mới" in response.content.decode()
    renewed = refreshed(sent_with_fee)
    assert renewed.pk == old.pk and renewed.reference == old.reference and renewed.amount == old.amount
    assert renewed.status == PaymentStatus.PENDING and renewed.due_date > dt.date.today()
    event = renewed.events.get(from_status=PaymentStatus.EXPIRED, to_status=PaymentStatus.PENDING)
    assert event.data["previous_due_date"] == old.due_date.isoformat()
    assert list(renewed.events.exclude(to_status="").values_list("to_status", flat=True)) == [
        PaymentStatus.PENDING,
        PaymentStatus.EXPIRED,
        PaymentStatus.PENDING,
    ]
    # Only one open request: asking again while it is open changes nothing.
    citizen_client.post(url, {"action": "renew"})
    assert refreshed(sent_with_fee).events.filter(from_status=PaymentStatus.EXPIRED).count() == 1
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    assert refreshed(sent_with_fee).status == PaymentStatus.PAID
    with pytest.raises(PaymentError):
        services.payment_renew(payment=renewed, user=renewed.dossier.owner)
    assert Payment.objects.filter(dossier=sent_with_fee).count() == 1


def test_the_officer_renews_an_expired_request_in_admin_and_another_agency_cannot(
    sent_with_fee, agency_officer, client
):
    from dossiers.tests.factories import AgencyFactory

    payment = expire(sent_with_fee)
    with pytest.raises(PaymentError):
        services.payment_renew(payment=payment, user=officer(AgencyFactory()))
    client.login(email=agency_officer.email, password=PASSWORD)
    response = officer_action(client, payment.pk, "renew", "Công dân đề nghị gia hạn")
    assert response.status_code == 302
    renewed = refreshed(sent_with_fee)
    assert renewed.status == PaymentStatus.PENDING
    assert renewed.events.get(from_status=PaymentStatus.EXPIRED).actor == agency_officer


def test_a_late_transfer_for_the_old_date_still_pays_the_renewed_request_once(vietqr_dossier, fee_procedure):
    payment = expire(vietqr_dossier)
    services.payment_renew(payment=payment, user=vietqr_dossier.owner)
    row = {"date": "06/12/2026", "account": "0011004455667", "amount": "150000", "description": payment.reference}
    assert services.statement_line_import(row={**row, "transaction_id": "FT1"}, source_file="a.csv") == "matched"
    assert services.statement_line_import(row={**row, "transaction_id": "FT2"}, source_file="b.csv") == "already_paid"
    assert refreshed(vietqr_dossier).events.filter(to_status=PaymentStatus.PAID).count() == 1


def test_a_closed_dossier_gets_no_new_request(sent_with_fee, agency_officer):
    payment = expire(sent_with_fee)
    workflow.dossier_refuse(dossier=sent_with_fee, user=agency_officer, reason="Không thuộc thẩm quyền")
    with pytest.raises(PaymentError):
        services.payment_renew(payment=payment, user=sent_with_fee.owner)
    assert refreshed(sent_with_fee).status == PaymentStatus.EXPIRED


# --- The IPN address over HTTP ------------------------------------------------------------


def ipn(client, params):
    return client.get(reverse("payments_api:simulator_ipn"), params).json()


def test_the_ipn_answers_in_vnpay_codes(sent_with_fee, citizen_client, client):
    begin_with_simulator(citizen_client, sent_with_fee)
    payment = refreshed(sent_with_fee)
    params = {
        "vnp_Amount": "15000000",
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
        "vnp_TmnCode": "DVCSIM01",
        "vnp_TransactionNo": "14000001",
        "vnp_TxnRef": payment.txn_ref,
    }
    assert ipn(client, {**vnpay.sign(params, "wrong"), "vnp_TxnRef": payment.txn_ref})["RspCode"] == "97"
    assert ipn(client, vnpay.sign({**params, "vnp_TxnRef": "DVCZZZZZZZZZZ01"}, SECRET))["RspCode"] == "01"
    assert ipn(client, vnpay.sign({**params, "vnp_Amount": "100"}, SECRET))["RspCode"] == "04"
    assert ipn(client, vnpay.sign(params, SECRET))["RspCode"] == "00"
    assert ipn(client, vnpay.sign(params, SECRET))["RspCode"] == "02"  # replayed
    assert refreshed(sent_with_fee).events.filter(to_status=PaymentStatus.PAID).count() == 1


def test_a_notification_for_another_provider_is_refused(sent_with_fee, citizen_client, client, settings):
    begin_with_simulator(citizen_client, sent_with_fee)
    payment = refreshed(sent_with_fee)
    settings.PAYMENT_VNPAY_TMN_CODE, settings.PAYMENT_VNPAY_HASH_SECRET = "TMN", "secret"
    params = vnpay.sign(
        {
            "vnp_Amount": "15000000",
            "vnp_ResponseCode": "00",
            "vnp_TransactionStatus": "00",
            "vnp_TmnCode": "TMN",
            "vnp_TransactionNo": "1",
            "vnp_TxnRef": payment.txn_ref,
        },
        "secret",
    )
    assert client.get(reverse("payments_api:vnpay_ipn"), params).json()["RspCode"] == "01"
    assert refreshed(sent_with_fee).status == PaymentStatus.PENDING


# --- VietQR and bank statements -----------------------------------------------------------


@pytest.fixture
def vietqr_dossier(citizen, fee_procedure, citizen_client):
    AgencyPaymentAccount.objects.create(
        agency=fee_procedure.agency,
        provider=ProviderCode.VIETQR,
        bank_bin="970436",
        account_number="0011004455667",
        account_name="SO TU PHAP",
    )
    return workflow.dossier_send(dossier=complete_draft(citizen, fee_procedure), user=citizen)


def test_vietqr_payment_page_shows_the_qr_with_the_reference(vietqr_dossier, citizen_client):
    payment = refreshed(vietqr_dossier)
    page = citizen_client.get(reverse("dossiers:payment", args=[vietqr_dossier.code])).content.decode()
    assert "<svg" in page and payment.reference in page and "0011004455667" in page
    assert vietqr.parse(providers.VietQRProvider().begin(payment).qr_payload)["54"] == "150000"


def statement(*rows) -> io.StringIO:
    lines = ["transaction_id,date,account,amount,description"]
    lines += [",".join(row) for row in rows]
    return io.StringIO("\n".join(lines) + "\n")


def test_a_bank_statement_pays_the_exact_transfer_and_lists_the_others(vietqr_dossier, citizen, fee_procedure):
    other = workflow.dossier_send(dossier=complete_draft(citizen, fee_procedure), user=citizen)
    third = workflow.dossier_send(dossier=complete_draft(citizen, fee_procedure), user=citizen)
    paid, under, over = refreshed(vietqr_dossier), refreshed(other), refreshed(third)
    rows = (
        ("FT1", "06/12/2026", "0011004455667", "150000", f"NGUYEN THI HOA CK {paid.reference}"),
        ("FT2", "06/12/2026", "0011004455667", "100000", f"{under.reference} phi"),
        ("FT3", "2026-12-06", "0011004455667", "150.001", over.reference),
        ("FT4", "06/12/2026", "0011004455667", "50000", "chuyen tien"),
    )
    report = services.statement_import(statement(*rows), source_file="sao-ke.csv")
    assert report.counts[StatementMatch.MATCHED] == 1
    assert report.counts[StatementMatch.UNDERPAID] == 1
    assert report.counts[StatementMatch.OVERPAID] == 1
    assert report.counts[StatementMatch.UNMATCHED] == 1
    assert refreshed(vietqr_dossier).status == PaymentStatus.PAID
    assert refreshed(other).status == PaymentStatus.PENDING and refreshed(third).status == PaymentStatus.PENDING
    again = services.statement_import(statement(*rows), source_file="sao-ke.csv")
    assert again.skipped == 4 and BankStatementLine.objects.count() == 4
    late = services.statement_import(
        statement(("FT5", "07/12/2026", "0011004455667", "150000", paid.reference)), source_file="b.csv"
    )
    assert late.counts[StatementMatch.ALREADY_PAID] == 1


def test_import_bank_statement_command_reports_bad_lines(vietqr_dossier, tmp_path, capsys):
    from django.core.management import call_command

    payment = refreshed(vietqr_dossier)
    path = tmp_path / "sao-ke.csv"
    path.write_text(
        "transaction_id,date,account,amount,description\n"
        f"FT9,06/12/2026,0011004455667,150000,{payment.reference}\nFT10,hôm qua,1,abc,x\n",
        encoding="utf-8",
    )
    call_command("import_bank_statement", str(path))
    out, err = capsys.readouterr()
    assert "FT10" not in out and "3" in err  # line 3 reported
    assert refreshed(vietqr_dossier).status == PaymentStatus.PAID


# --- Receipts -----------------------------------------------------------------------------


def test_the_receipt_check_shows_no_personal_data(sent_with_fee, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    payment = refreshed(sent_with_fee)
    page = Client().get(reverse("payments:verify", args=[payment.reference])).content.decode()
    assert payment.receipt_number in page and "150.000 đ" in page
    assert sent_with_fee.applicant_name not in page and sent_with_fee.code not in page


def test_the_receipt_check_of_an_unpaid_reference_is_404(sent_with_fee, client):
    assert client.get(reverse("payments:verify", args=[refreshed(sent_with_fee).reference])).status_code == 404


def test_amount_in_words():
    from core.money import vnd, vnd_in_words

    assert vnd(1250000) == "1.250.000 đ"
    assert vnd_in_words(150000) == "Một trăm năm mươi nghìn đồng"


# --- Strangers ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dossiers:payment", "dossiers:payment_return", "dossiers:payment_receipt"])
def test_stranger_gets_404_for_payment_pages(sent_with_fee, stranger, client, name, citizen_client):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    client.login(email=stranger.email, password=PASSWORD)
    url = reverse(name, args=[sent_with_fee.code])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code in (404, 405)
    assert refreshed(sent_with_fee).attempt == 1


def test_anonymous_is_sent_to_login_for_the_payment_page(sent_with_fee, client):
    response = client.get(reverse("dossiers:payment", args=[sent_with_fee.code]))
    assert response.status_code == 302 and "login" in response.url


def test_a_dossier_without_fee_has_no_payment_page(citizen_client, citizen, procedure):
    dossier = workflow.dossier_send(dossier=complete_draft(citizen, procedure), user=citizen)
    assert citizen_client.get(reverse("dossiers:payment", args=[dossier.code])).status_code == 404


def test_the_simulator_refuses_an_order_with_a_bad_signature(client):
    assert client.get(reverse("payments_api:simulator"), {"vnp_TxnRef": "X", "vnp_Amount": "1"}).status_code == 400


# --- Officers -----------------------------------------------------------------------------


def test_the_officer_changes_the_amount_only_with_a_reason_and_waives_with_one(sent_with_fee, agency_officer):
    payment = refreshed(sent_with_fee)
    with pytest.raises(PaymentError):
        services.payment_adjust(payment=payment, user=agency_officer, amount=100000, reason=" ")
    services.payment_adjust(payment=payment, user=agency_officer, amount=100000, reason="Miễn giảm 1/3 theo quy định")
    assert refreshed(sent_with_fee).amount == 100000
    services.payment_waive(payment=payment, user=agency_officer, reason="Người có công với cách mạng")
    assert refreshed(sent_with_fee).status == PaymentStatus.WAIVED
    assert PaymentEvent.objects.filter(payment=payment, actor=agency_officer).count() == 2


def test_the_amount_does_not_change_while_the_gateway_may_still_take_the_old_one(
    sent_with_fee, citizen_client, agency_officer
):
    begin_with_simulator(citizen_client, sent_with_fee)  # an order at 150,000 đồng is open
    with pytest.raises(PaymentError) as refused:
        services.payment_adjust(payment=refreshed(sent_with_fee), user=agency_officer, amount=100000, reason="Giảm")
    assert "cổng thanh toán" in refused.value.message
    Payment.objects.filter(dossier=sent_with_fee).update(attempted_at=timezone.now() - dt.timedelta(minutes=16))
    assert (
        services.payment_adjust(
            payment=refreshed(sent_with_fee), user=agency_officer, amount=100000, reason="Giảm"
        ).amount
        == 100000
    )


def test_an_officer_of_another_agency_cannot_change_a_fee(sent_with_fee):
    from dossiers.tests.factories import AgencyFactory

    outsider = officer(AgencyFactory())
    with pytest.raises(PaymentError):
        services.payment_waive(payment=refreshed(sent_with_fee), user=outsider, reason="x")


@pytest.fixture
def paid_and_refused(sent_with_fee, citizen_client, agency_officer) -> Payment:
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    workflow.dossier_refuse(dossier=sent_with_fee, user=agency_officer, reason="Không thuộc thẩm quyền")
    return refreshed(sent_with_fee)


@pytest.fixture
def vnpay_refund_fails_with(paid_and_refused, monkeypatch, settings):
    """The refused dossier's fee as paid through VNPAY, whose refund call raises the error given
    (the gateway is outside the machine); returns the bodies sent to it."""

    def fail_with(error: Exception) -> list[dict]:
        Payment.objects.filter(pk=paid_and_refused.pk).update(provider=ProviderCode.VNPAY)
        settings.PAYMENT_VNPAY_TMN_CODE, settings.PAYMENT_VNPAY_HASH_SECRET = "TMN", "secret"
        calls: list[dict] = []

        def post(*args, **kwargs):
            calls.append(kwargs["json"])
            raise error

        monkeypatch.setattr(requests, "post", post)
        return calls

    return fail_with


def test_a_refund_is_asked_only_for_a_paid_fee_of_a_refused_dossier(
    sent_with_fee, citizen_client, agency_officer, django_capture_on_commit_callbacks
):
    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    payment = refreshed(sent_with_fee)
    with pytest.raises(PaymentError):
        services.payment_refund(payment=payment, user=agency_officer, note="Hoàn phí")
    workflow.dossier_refuse(dossier=sent_with_fee, user=agency_officer, reason="Không thuộc thẩm quyền")
    with pytest.raises(PaymentError):  # more than was paid
        services.payment_refund(payment=payment, user=agency_officer, note="Hoàn phí", amount=150001)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=payment, user=agency_officer, note="Hoàn phí do từ chối hồ sơ")
    assert refreshed(sent_with_fee).status == PaymentStatus.REFUNDED


def test_a_gateway_refund_is_sent_after_commit_and_refunded_only_on_its_answer(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks
):
    from dossiers.payments import simulator

    with django_capture_on_commit_callbacks() as callbacks:
        asked = services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    assert asked.status == PaymentStatus.PAID and asked.refund_requested_at  # nothing refunded yet
    assert len(callbacks) == 1  # the task, enqueued after the commit
    with pytest.raises(PaymentError):  # asked once at a time
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí lần hai")
    callbacks[0]()
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_amount == 150000
    assert payment.refund_requested_at is None and not payment.refund_error
    event = payment.events.get(to_status=PaymentStatus.REFUNDED)
    assert event.source == "refund" and event.data["vnp_ResponseCode"] == "00"
    assert event.data["vnp_TransactionType"] == vnpay.REFUND_FULL
    assert simulator.cache.get(simulator._refunded_key(payment.txn_ref)) == 15000000
    # The task run again (a redelivered message) changes nothing.
    from dossiers.tasks import request_refund

    assert request_refund.delay(payment.pk, agency_officer.email).get() == "skipped"


def test_a_late_confirmation_of_an_earlier_order_is_refunded_under_that_order(
    sent_with_fee, citizen_client, agency_officer, django_capture_on_commit_callbacks
):
    first = begin_with_simulator(citizen_client, sent_with_fee)
    # The first order was left open past the gateway's time; the citizen starts a second one.
    Payment.objects.filter(dossier=sent_with_fee).update(attempted_at=timezone.now() - dt.timedelta(hours=1))
    second = begin_with_simulator(citizen_client, sent_with_fee)
    assert second["vnp_TxnRef"] != first["vnp_TxnRef"]
    play(citizen_client, first, "pay")  # then the first one's payment is confirmed
    payment = refreshed(sent_with_fee)
    assert payment.status == PaymentStatus.PAID
    assert (payment.paid_order_ref, payment.txn_ref) == (first["vnp_TxnRef"], second["vnp_TxnRef"])
    assert timezone.localtime(payment.paid_order_at).strftime("%Y%m%d%H%M%S") == first["vnp_CreateDate"]
    workflow.dossier_refuse(dossier=sent_with_fee, user=agency_officer, reason="Không thuộc thẩm quyền")
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=payment, user=agency_officer, note="Hoàn phí")
    assert refreshed(sent_with_fee).status == PaymentStatus.REFUNDED  # the gateway found the paid order


def test_a_partial_refund_is_asked_as_such(paid_and_refused, agency_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn một phần", amount=50000)
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_amount == 50000
    assert payment.events.get(to_status=PaymentStatus.REFUNDED).data["vnp_TransactionType"] == vnpay.REFUND_PARTIAL


def test_a_refund_the_gateway_refuses_stays_visible_to_staff_and_can_be_asked_again(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, client
):
    from dossiers.payments import simulator

    simulator.cache.delete(simulator._key(paid_and_refused.txn_ref))  # the gateway no longer knows it
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.PAID and payment.refund_requested_at is None
    assert "91" in payment.refund_error and "từ chối" in payment.refund_error
    client.login(email=agency_officer.email, password=PASSWORD)
    listing = client.get(reverse("admin:dossiers_payment_changelist"), {"fee": "refund_problem"}).content.decode()
    assert payment.reference in listing
    detail = client.get(reverse("admin:dossiers_dossier_change", args=[payment.dossier_id])).content.decode()
    assert "91" in detail
    with django_capture_on_commit_callbacks(execute=True):  # asked again: refused again, not lost
        services.payment_refund(payment=payment, user=agency_officer, note="Hoàn phí lần hai")
    assert refreshed(payment.dossier).events.filter(source="refund").count() == 2


def test_a_silent_gateway_is_asked_again_then_the_problem_is_left_for_staff(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, vnpay_refund_fails_with
):
    # No connection: nothing reached the gateway.
    calls = vnpay_refund_fails_with(requests.ConnectTimeout("gateway down"))
    from dossiers.tasks import REFUND_RETRIES, request_refund

    # Run eagerly, each retry is run at once, as a worker would after its delay.
    conf = request_refund.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    finally:
        conf.task_eager_propagates = propagates

    assert len(calls) == REFUND_RETRIES + 1  # retried, then given up
    body = calls[0]
    assert body["vnp_Command"] == "refund" and body["vnp_Amount"] == "15000000"
    assert body["vnp_TransactionNo"] == paid_and_refused.provider_transaction
    assert body["vnp_SecureHash"] == vnpay.sign_pipe(body, vnpay.REFUND_REQUEST_FIELDS, "secret")
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.PAID and payment.refund_requested_at is None
    assert "không phản hồi" in payment.refund_error
    assert payment.refund_sent_at is None


def test_a_refund_that_may_have_reached_the_gateway_is_never_sent_again(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, vnpay_refund_fails_with
):
    calls = vnpay_refund_fails_with(requests.ReadTimeout("sent, no answer"))  # the gateway may have refunded
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")

    assert len(calls) == 1  # not retried
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.PAID
    assert payment.refund_requested_at is None and payment.refund_sent_at is None
    assert "merchant" in payment.refund_error or "cổng thanh toán" in payment.refund_error


def test_a_refund_task_delivered_twice_does_not_refund_twice(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, monkeypatch
):
    from dossiers.payments import simulator

    sent = []
    real = simulator.refund
    monkeypatch.setattr(simulator, "refund", lambda body: sent.append(body) or real(body))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    # A first worker marked the request sent and was lost before the answer was saved.
    Payment.objects.filter(pk=paid_and_refused.pk).update(refund_sent_at=timezone.now())
    for callback in callbacks:
        callback()
    assert services.refund_send(payment_id=paid_and_refused.pk, created_by="x") == "skipped"

    assert sent == []
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.PAID and payment.refund_error
    assert payment.refund_requested_at is None and payment.refund_sent_at is None


def test_a_refund_answer_without_the_gateways_signature_refunds_nothing(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, monkeypatch
):
    from dossiers.payments import simulator

    real = simulator.refund
    monkeypatch.setattr(simulator, "refund", lambda body: {**real(body), "vnp_SecureHash": "0" * 128})
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    payment = refreshed(paid_and_refused.dossier)
    assert payment.status == PaymentStatus.PAID and payment.refund_error


@pytest.mark.parametrize(
    ("status", "refunded"),
    [("00", True), ("05", True), ("06", True), ("09", False), ("", False)],
)
def test_a_refund_counts_only_when_the_gateway_says_it_is_made_or_under_way(
    paid_and_refused, agency_officer, django_capture_on_commit_callbacks, monkeypatch, status, refunded
):
    """VNPAY answers 00 to a refund request it handled; its transaction status says what became of
    the refund: made (00), being processed (05), sent to the bank (06), refused (09)."""
    from dossiers.payments import simulator

    real = simulator.refund

    def answered(body: dict) -> dict:
        answer = {**real(body), "vnp_TransactionStatus": status}
        return {**answer, "vnp_SecureHash": vnpay.sign_pipe(answer, vnpay.REFUND_RESPONSE_FIELDS, SECRET)}

    monkeypatch.setattr(simulator, "refund", answered)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund(payment=paid_and_refused, user=agency_officer, note="Hoàn phí")
    payment = refreshed(paid_and_refused.dossier)
    if refunded:
        assert payment.status == PaymentStatus.REFUNDED and not payment.refund_error
    else:
        assert payment.status == PaymentStatus.PAID and payment.refund_requested_at is None
        assert f"({status or '?'}:" in payment.refund_error and "success" not in payment.refund_error


def test_the_simulator_refuses_a_forged_an_unknown_or_a_too_large_refund(paid_and_refused):
    from dossiers.payments import providers as payment_providers
    from dossiers.payments import simulator

    provider = payment_providers.get(ProviderCode.SIMULATOR)
    body = provider.refund_request(paid_and_refused.refund_order(150000), created_by="can.bo@example.vn")
    assert simulator.refund({**body, "vnp_Amount": "1"})["vnp_ResponseCode"] == "97"  # signature broken
    too_much = provider.refund_request(paid_and_refused.refund_order(150001), created_by="can.bo@example.vn")
    assert simulator.refund(too_much)["vnp_ResponseCode"] == "93"
    other = provider.refund_request(paid_and_refused.refund_order(150000), created_by="x")
    other = {**other, "vnp_TransactionNo": "1"}
    other["vnp_SecureHash"] = vnpay.sign_pipe(other, vnpay.REFUND_REQUEST_FIELDS, SECRET)
    assert simulator.refund(other)["vnp_ResponseCode"] == "91"
    answer = simulator.refund(body)
    assert answer["vnp_ResponseCode"] == "00"
    assert vnpay.verify_pipe(answer, vnpay.REFUND_RESPONSE_FIELDS, SECRET)
    assert simulator.refund(body)["vnp_ResponseCode"] == "93"  # nothing left to refund


def test_a_vietqr_refund_is_recorded_by_staff_with_the_transfer_reference(vietqr_dossier, agency_officer):
    payment = refreshed(vietqr_dossier)
    row = {"transaction_id": "FT9", "date": "06/12/2026", "account": "0011004455667", "amount": "150000"}
    services.statement_line_import(row={**row, "description": payment.reference}, source_file="s.csv")
    workflow.dossier_refuse(dossier=vietqr_dossier, user=agency_officer, reason="Không thuộc thẩm quyền")
    with pytest.raises(PaymentError):
        services.payment_refund(payment=payment, user=agency_officer, note=" ")
    with pytest.raises(PaymentError):  # more than was paid
        services.payment_refund(payment=payment, user=agency_officer, note="CK FT777", amount=150001)
    services.payment_refund(payment=payment, user=agency_officer, note="CK hoàn trả FT777 ngày 07/12")
    payment = refreshed(vietqr_dossier)
    assert payment.status == PaymentStatus.REFUNDED and "FT777" in payment.refund_note
    assert payment.refund_requested_at is None


def test_admin_lists_fees_to_refund_and_hides_other_agencies(
    sent_with_fee, citizen_client, agency_officer, client, django_capture_on_commit_callbacks
):
    from dossiers.tests.factories import AgencyFactory

    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    workflow.dossier_refuse(dossier=sent_with_fee, user=agency_officer, reason="Không thuộc thẩm quyền")
    payment = refreshed(sent_with_fee)
    client.login(email=agency_officer.email, password=PASSWORD)
    listing = client.get(reverse("admin:dossiers_payment_changelist"), {"fee": "to_refund"}).content.decode()
    assert payment.reference in listing
    page = client.get(reverse("admin:dossiers_payment_change", args=[payment.pk])).content.decode()
    assert payment.receipt_number in page
    detail = client.get(reverse("admin:dossiers_dossier_change", args=[sent_with_fee.pk])).content.decode()
    assert payment.reference in detail and "Cần hoàn trả" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_action(client, payment.pk, "refund", "Hoàn phí do từ chối hồ sơ")
    assert response.status_code == 302
    assert refreshed(sent_with_fee).status == PaymentStatus.REFUNDED
    outsider_client = Client()
    outsider_client.login(email=officer(AgencyFactory()).email, password=PASSWORD)
    assert outsider_client.get(reverse("admin:dossiers_payment_change", args=[payment.pk])).status_code in (302, 404)
    listing = outsider_client.get(reverse("admin:dossiers_payment_changelist")).content.decode()
    assert payment.reference not in listing


def test_dossier_stats_has_fees_per_agency_and_month(sent_with_fee, citizen_client, capsys):
    from django.core.management import call_command

    play(citizen_client, begin_with_simulator(citizen_client, sent_with_fee), "pay")
    today = timezone.localdate()
    call_command("dossier_stats", "--from", f"{today:%Y-%m-01}", "--to", f"{today:%Y-%m-%d}")
    header, *rows = capsys.readouterr().out.strip().splitlines()
    columns = header.split(",")
    row = dict(zip(columns, rows[0].split(","), strict=False))
    assert row["fees_paid"] == "1" and row["fees_collected"] == "150000"


# --- Pages: constant queries, fresh rows --------------------------------------------------


def test_payment_page_runs_a_constant_number_of_queries(citizen, citizen_client, django_assert_num_queries):
    from dossiers.tests.factories import PaymentFactory

    payment = PaymentFactory(dossier__owner=citizen)
    url = reverse("dossiers:payment", args=[payment.dossier.code])
    citizen_client.get(url)
    # The session's user, the dossier with its payment, the history, the duplicate payments.
    with django_assert_num_queries(4):
        assert citizen_client.get(url).status_code == 200
    for n in range(5):
        PaymentEvent.objects.create(payment=payment, source="system", to_status="pending")
        DuplicatePayment.objects.create(
            payment=payment,
            provider=payment.provider,
            order_ref=f"{payment.reference}0{n}",
            transaction_no=str(n),
            amount=1,
        )
    with django_assert_num_queries(4):
        assert citizen_client.get(url).status_code == 200


def test_my_dossiers_row_shows_the_fee_until_it_is_paid(citizen, citizen_client):
    from dossiers.tests.factories import PaymentFactory

    payment = PaymentFactory(dossier__owner=citizen)
    pay_link = reverse("dossiers:payment", args=[payment.dossier.code])
    assert pay_link in citizen_client.get(reverse("dossiers:list")).content.decode()
    services.statement_import(statement(("FT1", "06/12/2026", "1", "150000", payment.reference)), source_file="s.csv")
    assert pay_link not in citizen_client.get(reverse("dossiers:list")).content.decode()  # the cached row moved on


def test_refund_statuses_are_dossier_statuses():
    from dossiers.constants import DossierStatus
    from dossiers.payments.constants import REFUND_DOSSIER_STATUSES

    assert set(REFUND_DOSSIER_STATUSES) <= set(DossierStatus.values)


def test_a_signed_bank_notification_pays_once_and_a_forged_one_nothing(vietqr_dossier, client, settings):
    import hashlib
    import hmac
    import json

    settings.PAYMENT_BANK_WEBHOOK_SECRET = "bank-secret"
    payment = refreshed(vietqr_dossier)
    body = json.dumps(
        {
            "transaction_id": "FT77",
            "date": "06/12/2026",
            "account": "0011004455667",
            "amount": 150000,
            "description": f"CK {payment.reference}",
        }
    ).encode()
    url = reverse("payments_api:bank_notify")
    forged = client.post(url, body, content_type="application/json", headers={"X-Signature": "00" * 32})
    assert forged.status_code == 403 and refreshed(vietqr_dossier).status == PaymentStatus.PENDING
    signature = hmac.new(b"bank-secret", body, hashlib.sha256).hexdigest()
    first = client.post(url, body, content_type="application/json", headers={"X-Signature": signature})
    assert first.json() == {"ok": True, "result": "matched"}
    again = client.post(url, body, content_type="application/json", headers={"X-Signature": signature})
    assert again.json() == {"ok": True, "result": "duplicate"}
    assert refreshed(vietqr_dossier).events.filter(to_status=PaymentStatus.PAID).count() == 1
    settings.PAYMENT_BANK_WEBHOOK_SECRET = ""
    assert client.post(url, body, content_type="application/json").status_code == 404
