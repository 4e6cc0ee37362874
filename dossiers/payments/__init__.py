"""Fee payments for dossiers (issue 21): one payment request per dossier whose procedure has a fee.

* ``models``: the request (``Payment``), its history (``PaymentEvent``), each agency's choice of
  provider and bank account (``AgencyPaymentAccount``) and imported bank statement lines.
* ``workflow``: the one state machine (pending → paid / failed / expired / refunded, or waived).
* ``services``: creating and adjusting requests, starting a payment, handling notifications and
  status queries, importing statements, the periodic reconciliation.
* ``providers``: one small interface (begin, verify a notification, query status, refund) and its
  implementations: the VNPAY gateway, its local simulator (development and tests), VietQR.
* ``views``, ``admin``, ``receipts`` (the electronic receipt PDF), ``simulator``.
"""
