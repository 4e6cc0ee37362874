from django.urls import path

from .payments import views as payments
from .views import detail, files, my_dossiers, store, supplement, wizard

app_name = "dossiers"

urlpatterns = [
    path("", my_dossiers.DossierListView.as_view(), name="list"),
    path("new/<str:code>/", wizard.NewDossierView.as_view(), name="new"),
    path("store/", store.StoreListView.as_view(), name="store"),
    path("store/<int:pk>/", store.StoreDownloadView.as_view(), name="store_download"),
    path("store/<int:pk>/delete/", store.StoreDeleteView.as_view(), name="store_delete"),
    path("<str:code>/", detail.DossierDetailView.as_view(), name="detail"),
    path("<str:code>/edit/", wizard.ResumeView.as_view(), name="resume"),
    path("<str:code>/edit/<str:step>/", wizard.step_view, name="step"),
    path("<str:code>/delete/", detail.DossierDeleteView.as_view(), name="delete"),
    path("<str:code>/withdraw/", detail.DossierWithdrawView.as_view(), name="withdraw"),
    path("<str:code>/sent/", detail.DossierSentView.as_view(), name="sent"),
    path("<str:code>/receipt/", detail.ReceiptView.as_view(), name="receipt"),
    path("<str:code>/receipt.pdf", detail.ReceiptPdfView.as_view(), name="receipt_pdf"),
    path("<str:code>/files/<int:pk>/", files.AttachmentDownloadView.as_view(), name="download"),
    path("<str:code>/files/<int:pk>/keep/", store.KeepView.as_view(), name="keep"),
    path("<str:code>/supplement/", supplement.SupplementView.as_view(), name="supplement"),
    path("<str:code>/rate/", detail.RatingView.as_view(), name="rate"),
    path("<str:code>/payment/", payments.PaymentView.as_view(), name="payment"),
    path("<str:code>/payment/return/", payments.PaymentReturnView.as_view(), name="payment_return"),
    path("<str:code>/payment/receipt.pdf", payments.PaymentReceiptPdfView.as_view(), name="payment_receipt"),
]
