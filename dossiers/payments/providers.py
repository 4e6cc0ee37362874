"""Payment providers behind one small interface: begin, verify a notification, query the status,
refund. Each agency picks one in admin (``AgencyPaymentAccount``); the gateway's merchant code and
secret come from the environment (``PAYMENT_VNPAY_*`` settings).

* ``VnpayProvider``: VNPAY's public protocol (``core.vnpay``): a signed redirect, an IPN, querydr.
* ``SimulatorProvider``: the same protocol against the local simulator (``payments.simulator``),
  available only when ``PAYMENT_SIMULATOR_ENABLED`` (development and tests).
* ``VietQRProvider``: a bank transfer by VietQR (``core.vietqr``); proof comes from the bank
  statement (``manage.py import_bank_statement``), so it has no notification or query of its own.

Refunds: a gateway provider (``refunds_online``) is asked through VNPAY's refund API and answers
with a signed ``RefundAnswer``. Without an answer the two cases differ: ``GatewayUnavailable``
when the request never reached the gateway (no connection: the task sends it again), and
``GatewayOutcomeUnknown`` when it may have (a read timeout, a broken answer: sending it again
could refund twice, so staff check the gateway's merchant portal first).
A VietQR payment is refunded by a bank transfer staff make outside the portal and record.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.utils import timezone
from urllib3.exceptions import NewConnectionError

from core import vietqr, vnpay

from .constants import ProviderCode
from .models import Payment, RefundOrder

logger = logging.getLogger(__name__)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class InvalidSignature(Exception):
    """A notification or an answer whose signature does not verify: proof of nothing."""


class GatewayUnavailable(Exception):
    """The request never reached the gateway (connection refused or not made in time): safe to
    send again later."""


class GatewayOutcomeUnknown(Exception):
    """The request may have reached the gateway, but no usable answer came back (read timeout,
    connection broken mid-way, an HTTP error, not JSON): what the gateway did is unknown."""


@dataclass(frozen=True)
class Begin:
    """How the citizen pays: a gateway address to go to, or a VietQR payload to scan."""

    redirect_url: str = ""
    qr_payload: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a verified notification or status answer says about one gateway order."""

    txn_ref: str
    amount: int
    paid: bool
    failed: bool  # the gateway says this order will not be paid (cancelled, declined)
    transaction_no: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundAnswer:
    """The gateway's signed answer to a refund request."""

    refunded: bool
    code: str = ""
    message: str = ""
    transaction_no: str = ""
    data: dict = field(default_factory=dict)


class Provider:
    code: str = ""
    has_gateway = False
    refunds_online = False  # False: staff refund outside the portal and record it

    def begin(self, payment: Payment, *, return_url: str, client_ip: str) -> Begin:
        raise NotImplementedError

    def verify_notification(self, params: dict) -> Outcome:
        raise InvalidSignature("This provider sends no notifications.")

    def query_status(self, payment: Payment) -> Outcome | None:
        """The gateway's signed answer about the current order; None when it does not answer."""
        return None

    def refund(self, order: RefundOrder, *, created_by: str) -> RefundAnswer:
        """Ask the gateway to pay ``order.amount`` back; raises ``GatewayUnavailable`` when it does not
        answer and ``InvalidSignature`` when its answer is not signed by it."""
        raise NotImplementedError


def _vn_time(moment: datetime.datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


class VnpayProvider(Provider):
    code = ProviderCode.VNPAY
    has_gateway = True
    refunds_online = True

    def __init__(self, *, tmn_code: str, secret: str, pay_url: str, api_url: str):
        self.tmn_code, self.secret, self.pay_url, self.api_url = tmn_code, secret, pay_url, api_url

    def begin(self, payment: Payment, *, return_url: str, client_ip: str) -> Begin:
        now = payment.attempted_at or timezone.now()
        params = {
            "vnp_Version": vnpay.VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(payment.amount * 100),  # VNPAY counts in hundredths of a đồng
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.txn_ref,
            "vnp_OrderInfo": f"Thanh toan phi ho so {payment.dossier.code}",
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": _vn_time(now),
            "vnp_ExpireDate": _vn_time(now + datetime.timedelta(minutes=settings.PAYMENT_GATEWAY_TIMEOUT_MINUTES)),
        }
        return Begin(redirect_url=vnpay.payment_url(self.pay_url, params, self.secret))

    def _outcome(self, values: dict, amount_field: str = "vnp_Amount") -> Outcome:
        try:
            amount = int(values.get(amount_field, "")) // 100
        except ValueError:
            amount = -1
        response, status = values.get("vnp_ResponseCode", ""), values.get("vnp_TransactionStatus", "")
        paid = response == vnpay.SUCCESS and status == vnpay.SUCCESS
        return Outcome(
            txn_ref=str(values.get("vnp_TxnRef", "")),
            amount=amount,
            paid=paid,
            failed=not paid and status not in ("", "01"),  # 01: not finished yet
            transaction_no=str(values.get("vnp_TransactionNo", "")),
            data={k: str(v) for k, v in values.items() if k != "vnp_SecureHash"},
        )

    def verify_notification(self, params: dict) -> Outcome:
        if params.get("vnp_TmnCode") != self.tmn_code or not vnpay.verify(params, self.secret):
            raise InvalidSignature("vnp_SecureHash does not verify")
        return self._outcome(params)

    def query_request(self, payment: Payment) -> dict:
        body = {
            "vnp_RequestId": uuid.uuid4().hex,
            "vnp_Version": vnpay.VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": payment.txn_ref,
            "vnp_OrderInfo": f"Truy van giao dich {payment.txn_ref}",
            "vnp_TransactionDate": _vn_time(payment.attempted_at or payment.created_at),
            "vnp_CreateDate": _vn_time(timezone.now()),
            "vnp_IpAddr": "127.0.0.1",
        }
        return {**body, "vnp_SecureHash": vnpay.sign_pipe(body, vnpay.QUERY_REQUEST_FIELDS, self.secret)}

    def post(self, body: dict) -> dict:
        """POST one merchant_webapi request (querydr, refund) and return the gateway's answer."""
        try:
            response = requests.post(self.api_url, json=body, timeout=settings.PAYMENT_GATEWAY_HTTP_TIMEOUT)
        except requests.ConnectTimeout as exc:
            raise GatewayUnavailable(self.api_url) from exc
        except requests.ConnectionError as exc:
            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            if isinstance(reason, NewConnectionError):  # refused or unresolvable: nothing was sent
                raise GatewayUnavailable(self.api_url) from exc
            raise GatewayOutcomeUnknown(self.api_url) from exc
        except requests.RequestException as exc:
            raise GatewayOutcomeUnknown(self.api_url) from exc
        try:
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise GatewayOutcomeUnknown(self.api_url) from exc
        if not isinstance(answer, dict):
            raise GatewayOutcomeUnknown(self.api_url)
        return answer

    def send(self, body: dict) -> dict | None:
        """``post``, for a status query: None when no answer came (a query is simply asked later)."""
        try:
            return self.post(body)
        except (GatewayUnavailable, GatewayOutcomeUnknown):
            command, txn_ref = body.get("vnp_Command"), body.get("vnp_TxnRef")
            logger.warning("VNPAY %s for %s got no answer", command, txn_ref, exc_info=True)
            return None

    def query_status(self, payment: Payment) -> Outcome | None:
        answer = self.send(self.query_request(payment))
        if answer is None:
            return None
        if not vnpay.verify_pipe(answer, vnpay.QUERY_RESPONSE_FIELDS, self.secret):
            raise InvalidSignature("querydr answer does not verify")
        if answer.get("vnp_ResponseCode") != vnpay.SUCCESS:
            return None  # the gateway does not know the order (yet): nothing to conclude
        return self._outcome(answer)

    def refund_request(self, order: RefundOrder, *, created_by: str) -> dict:
        body = {
            "vnp_RequestId": uuid.uuid4().hex,
            "vnp_Version": vnpay.VERSION,
            "vnp_Command": "refund",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionType": vnpay.REFUND_FULL if order.amount == order.paid else vnpay.REFUND_PARTIAL,
            "vnp_TxnRef": order.order_ref,
            "vnp_Amount": str(order.amount * 100),
            "vnp_TransactionNo": order.transaction_no,
            # The paid order's vnp_CreateDate, as VNPAY asks.
            "vnp_TransactionDate": _vn_time(order.order_at),
            "vnp_CreateBy": created_by[:255],
            "vnp_CreateDate": _vn_time(timezone.now()),
            "vnp_IpAddr": "127.0.0.1",
            "vnp_OrderInfo": order.info,
        }
        return {**body, "vnp_SecureHash": vnpay.sign_pipe(body, vnpay.REFUND_REQUEST_FIELDS, self.secret)}

    def refund(self, order: RefundOrder, *, created_by: str) -> RefundAnswer:
        answer = self.post(self.refund_request(order, created_by=created_by))
        if not vnpay.verify_pipe(answer, vnpay.REFUND_RESPONSE_FIELDS, self.secret):
            raise InvalidSignature("refund answer does not verify")
        code, message = str(answer.get("vnp_ResponseCode", "")), str(answer.get("vnp_Message", ""))
        status = str(answer.get("vnp_TransactionStatus", ""))
        if code == vnpay.SUCCESS and status not in vnpay.REFUND_ACCEPTED:
            # The request was answered, the refund was not made: its status says why.
            code, message = status or "?", vnpay.REFUND_NOT_MADE.get(status, "Refund not made")
        return RefundAnswer(
            refunded=code == vnpay.SUCCESS and answer.get("vnp_TxnRef") == order.order_ref,
            code=code,
            message=message,
            transaction_no=str(answer.get("vnp_TransactionNo", "")),
            data={k: str(v) for k, v in answer.items() if k != "vnp_SecureHash"},
        )


class SimulatorProvider(VnpayProvider):
    """VNPAY's protocol against the simulator in this process: its merchant_webapi is called directly."""

    code = ProviderCode.SIMULATOR

    def post(self, body: dict) -> dict:
        from . import simulator

        return simulator.merchant_webapi(body)


class VietQRProvider(Provider):
    code = ProviderCode.VIETQR

    def begin(self, payment: Payment, *, return_url: str = "", client_ip: str = "") -> Begin:
        account = getattr(payment.dossier.agency, "payment_account", None)
        if account is None or not (account.bank_bin and account.account_number):
            return Begin()
        return Begin(
            qr_payload=vietqr.payload(
                bank_bin=account.bank_bin,
                account=account.account_number,
                amount=payment.amount,
                purpose=payment.reference,
            )
        )


def get(code: str) -> Provider:
    if code == ProviderCode.VNPAY:
        return VnpayProvider(
            tmn_code=settings.PAYMENT_VNPAY_TMN_CODE,
            secret=settings.PAYMENT_VNPAY_HASH_SECRET,
            pay_url=settings.PAYMENT_VNPAY_URL,
            api_url=settings.PAYMENT_VNPAY_API_URL,
        )
    if code == ProviderCode.SIMULATOR and settings.PAYMENT_SIMULATOR_ENABLED:
        from django.urls import reverse

        # On this very site: a path, so the browser stays on the host it is using.
        return SimulatorProvider(
            tmn_code=settings.PAYMENT_SIMULATOR_TMN_CODE,
            secret=settings.PAYMENT_SIMULATOR_SECRET,
            pay_url=reverse("payments_api:simulator"),
            api_url="",
        )
    if code == ProviderCode.VIETQR:
        return VietQRProvider()
    raise LookupError(f"Payment provider {code!r} is not available")
