"""The public protocol of the VNPAY payment gateway (version 2.1.0), independent of our models.

A payment is a redirect to the gateway with parameters signed by HMAC-SHA512 over the sorted,
URL-encoded query; the gateway sends the citizen back to the return URL and, separately,
calls the merchant's IPN URL server to server with the result, signed the same way: only that
notification, or a status query (``querydr``) whose answer is signed, proves a payment.
Reference: VNPAY's public integration guide (sandbox.vnpayment.vn/apis/docs).

The local simulator (``dossiers.payments.simulator``) signs and checks with these same functions.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping

VERSION = "2.1.0"
SUCCESS = "00"
# vnp_TransactionStatus in the answer to a refund request whose vnp_ResponseCode is 00: the refund
# is made (00), being processed by VNPAY (05) or sent to the bank (06); anything else (09: the
# refund is refused) is not a refund.
REFUND_ACCEPTED = frozenset({"00", "05", "06"})
# What the other statuses of VNPAY's table say, for staff reading why a refund was not made.
REFUND_NOT_MADE = {"02": "Transaction error", "07": "Suspected fraud", "09": "Refund refused"}
# IPN answers the merchant returns (the gateway retries on anything but 00 and 02).
RSP_OK = {"RspCode": "00", "Message": "Confirm Success"}
RSP_NOT_FOUND = {"RspCode": "01", "Message": "Order not found"}
RSP_ALREADY = {"RspCode": "02", "Message": "Order already confirmed"}
RSP_BAD_AMOUNT = {"RspCode": "04", "Message": "Invalid amount"}
RSP_BAD_SIGNATURE = {"RspCode": "97", "Message": "Invalid signature"}
HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
# The order of the fields signed in a querydr request and its answer.
QUERY_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)

# The refund API (``vnp_Command=refund``, JSON POST to the same merchant_webapi address as querydr):
# 02 refunds the whole transaction, 03 a part of it. The fields signed, in this order, joined by |.
REFUND_FULL = "02"
REFUND_PARTIAL = "03"
REFUND_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def _canonical(params: Mapping[str, str]) -> str:
    """The signed text: every vnp_ field but the hash, sorted by name, URL-encoded (spaces as +)."""
    items = sorted((k, str(v)) for k, v in params.items() if k.startswith("vnp_") and k not in HASH_FIELDS and v != "")
    return urllib.parse.urlencode(items, quote_via=urllib.parse.quote_plus)


def sign(params: Mapping[str, str], secret: str) -> dict[str, str]:
    """``params`` with their ``vnp_SecureHash``."""
    return {**{k: str(v) for k, v in params.items()}, "vnp_SecureHash": hmac_sha512(secret, _canonical(params))}


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether a return or IPN query carries a valid signature (compared in constant time)."""
    given = str(params.get("vnp_SecureHash", "")).lower()
    return bool(given) and hmac.compare_digest(given, hmac_sha512(secret, _canonical(params)))


def payment_url(base_url: str, params: Mapping[str, str], secret: str) -> str:
    signed = sign(params, secret)
    return f"{base_url}?{_canonical(signed)}&vnp_SecureHash={signed['vnp_SecureHash']}"


def sign_pipe(values: Mapping[str, str], fields: tuple[str, ...], secret: str) -> str:
    """The signature of the merchant_webapi (querydr, refund): the listed fields' values joined by ``|``."""
    return hmac_sha512(secret, "|".join(str(values.get(f, "")) for f in fields))


def verify_pipe(values: Mapping[str, str], fields: tuple[str, ...], secret: str) -> bool:
    given = str(values.get("vnp_SecureHash", "")).lower()
    return bool(given) and hmac.compare_digest(given, sign_pipe(values, fields, secret))
