"""A local stand-in for the VNPAY gateway, for ``make run`` and the suite only.

It speaks VNPAY's protocol with its own merchant code and secret: it checks the signature of the
redirect, lets the tester choose what happens, signs the result, delivers the IPN and sends the
browser back to the return address, and answers status queries (querydr) and refund requests
about the orders it saw (a refund above what is left of the paid amount, or for an order it did
not see paid, is refused, as the gateway refuses it).
The scenarios are the faults the portal must survive: cancel, fail, notification late (only the
status query finds the payment), notification twice, wrong signature, wrong amount.

Its orders are kept in the cache (a simulator needs no table). It is reachable only when
``PAYMENT_SIMULATOR_ENABLED`` is on (development and test settings), and the IPN is delivered by a
call into the same service the IPN address runs, as the portal's own process is the "internet".
"""

from __future__ import annotations

import secrets
import urllib.parse

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import vnpay

SCENARIOS = {
    "pay": _("Pay"),
    "cancel": _("Cancel the payment"),
    "fail": _("Card declined"),
    "late": _("Pay, notification delayed (only the status query finds it)"),
    "twice": _("Pay, notification delivered twice"),
    "forged": _("Pay, notification with a wrong signature"),
    "wrong_amount": _("Pay a different amount"),
}
# VNPAY's answer codes: 00 success, 24 cancelled by the customer, 51 insufficient funds.
_CODES = {"cancel": ("24", "02"), "fail": ("51", "02")}
CACHE_SECONDS = 7 * 24 * 3600


def _key(txn_ref: str) -> str:
    return f"payment-simulator:{txn_ref}"


def _refunded_key(txn_ref: str) -> str:
    return f"payment-simulator:{txn_ref}:refunded"


def check_order(query: dict) -> bool:
    return query.get("vnp_TmnCode") == settings.PAYMENT_SIMULATOR_TMN_CODE and vnpay.verify(
        query, settings.PAYMENT_SIMULATOR_SECRET
    )


def play(query: dict, scenario: str) -> tuple[str, list[dict]]:
    """Carry out a scenario on a verified order: returns the return address to send the browser
    to and the IPN queries to deliver (none, one, or two)."""
    secret = settings.PAYMENT_SIMULATOR_SECRET
    amount = int(query["vnp_Amount"])
    if scenario == "wrong_amount":
        amount -= 100_000  # a thousand đồng less
    response, status = _CODES.get(scenario, (vnpay.SUCCESS, vnpay.SUCCESS))
    result = {
        "vnp_Amount": str(amount),
        "vnp_BankCode": "NCB",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": query.get("vnp_OrderInfo", ""),
        "vnp_PayDate": timezone.localtime().strftime("%Y%m%d%H%M%S"),
        "vnp_ResponseCode": response,
        "vnp_TmnCode": query["vnp_TmnCode"],
        "vnp_TransactionNo": str(10_000_000 + secrets.randbelow(89_999_999)),
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": query["vnp_TxnRef"],
    }
    signed = vnpay.sign(result, secret)
    cache.set(_key(query["vnp_TxnRef"]), signed, CACHE_SECONDS)
    notifications = []
    if scenario == "forged":
        notifications = [{**signed, "vnp_SecureHash": vnpay.hmac_sha512("not-the-secret", "x")}]
    elif scenario == "twice":
        notifications = [signed, signed]
    elif scenario != "late":
        notifications = [signed]
    return_url = f"{query['vnp_ReturnUrl']}?{urllib.parse.urlencode(signed)}"
    return return_url, notifications


def order(txn_ref: str) -> dict | None:
    """The signed result of an order the simulator played: what its IPN carries. A tester (or the
    browser tests) delivers a "late" notification by sending these to the IPN address."""
    return cache.get(_key(txn_ref))


def querydr(body: dict) -> dict | None:
    """The gateway's answer to a status query, signed as VNPAY signs it; None for a forged request."""
    secret = settings.PAYMENT_SIMULATOR_SECRET
    if not vnpay.verify_pipe(body, vnpay.QUERY_REQUEST_FIELDS, secret):
        return None
    order = cache.get(_key(body.get("vnp_TxnRef", "")))
    answer = {
        "vnp_ResponseId": secrets.token_hex(8),
        "vnp_Command": "querydr",
        "vnp_ResponseCode": "00" if order else "91",  # 91: transaction not found
        "vnp_Message": "QueryDR Success" if order else "Transaction not found",
        "vnp_TmnCode": body.get("vnp_TmnCode", ""),
        "vnp_TxnRef": body.get("vnp_TxnRef", ""),
    }
    if order:
        answer.update(
            {
                k: order.get(k, "")
                for k in (
                    "vnp_Amount",
                    "vnp_BankCode",
                    "vnp_PayDate",
                    "vnp_TransactionNo",
                    "vnp_TransactionStatus",
                    "vnp_OrderInfo",
                )
            }
        )
        answer["vnp_TransactionType"] = "01"
        answer["vnp_ResponseCode"] = "00"
    answer["vnp_SecureHash"] = vnpay.sign_pipe(answer, vnpay.QUERY_RESPONSE_FIELDS, secret)
    return answer


def refund(body: dict) -> dict:
    """The gateway's answer to a refund request, signed as VNPAY signs it: 97 for a request whose
    signature does not verify, 91 for an order it did not see paid (or another transaction
    number), 93 for an amount above what is left to refund, 00 when it refunds."""
    secret = settings.PAYMENT_SIMULATOR_SECRET
    txn_ref = str(body.get("vnp_TxnRef", ""))
    order = cache.get(_key(txn_ref))
    refunded = cache.get(_refunded_key(txn_ref), 0)
    try:
        amount = int(body.get("vnp_Amount", ""))
    except ValueError:
        amount = -1
    if body.get("vnp_TmnCode") != settings.PAYMENT_SIMULATOR_TMN_CODE or not vnpay.verify_pipe(
        body, vnpay.REFUND_REQUEST_FIELDS, secret
    ):
        code, message = "97", "Invalid Checksum"
    elif (
        not order
        or order.get("vnp_TransactionStatus") != vnpay.SUCCESS
        or order.get("vnp_TransactionNo") != body.get("vnp_TransactionNo")
    ):
        code, message = "91", "Transaction not found"
    elif amount <= 0 or refunded + amount > int(order["vnp_Amount"]):
        code, message = "93", "Invalid refund amount"
    else:
        code, message = vnpay.SUCCESS, "Refund success"
        cache.set(_refunded_key(txn_ref), refunded + amount, CACHE_SECONDS)
    answer = {
        "vnp_ResponseId": secrets.token_hex(8),
        "vnp_Command": "refund",
        "vnp_ResponseCode": code,
        "vnp_Message": message,
        "vnp_TmnCode": str(body.get("vnp_TmnCode", "")),
        "vnp_TxnRef": txn_ref,
        "vnp_Amount": str(body.get("vnp_Amount", "")),
        "vnp_BankCode": (order or {}).get("vnp_BankCode", ""),
        "vnp_PayDate": timezone.localtime().strftime("%Y%m%d%H%M%S"),
        "vnp_TransactionNo": str(10_000_000 + secrets.randbelow(89_999_999)) if code == vnpay.SUCCESS else "",
        "vnp_TransactionType": str(body.get("vnp_TransactionType", "")),
        "vnp_TransactionStatus": "05" if code == vnpay.SUCCESS else "",  # 05: refund being processed
        "vnp_OrderInfo": str(body.get("vnp_OrderInfo", "")),
    }
    answer["vnp_SecureHash"] = vnpay.sign_pipe(answer, vnpay.REFUND_RESPONSE_FIELDS, secret)
    return answer


def merchant_webapi(body: dict) -> dict | None:
    """VNPAY's merchant_webapi address: one JSON POST, the command says which."""
    if body.get("vnp_Command") == "refund":
        return refund(body)
    return querydr(body)
