"""Payment addresses outside a dossier: the public receipt check (with the language), and the
machine endpoints (without): the gateway's IPN, the simulator when enabled."""

from django.conf import settings
from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("verify/<str:reference>/", views.ReceiptCheckView.as_view(), name="verify"),
]

api_urlpatterns = [
    path("vnpay/ipn/", views.VnpayIpnView.as_view(provider_code="vnpay"), name="vnpay_ipn"),
    path("bank/notify/", views.BankNotificationView.as_view(), name="bank_notify"),
]
if settings.PAYMENT_SIMULATOR_ENABLED:
    api_urlpatterns += [
        path("simulator/ipn/", views.VnpayIpnView.as_view(provider_code="simulator"), name="simulator_ipn"),
        path("simulator/", views.SimulatorView.as_view(), name="simulator"),
    ]
