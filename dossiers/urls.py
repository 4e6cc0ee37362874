from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("", views.DossierListView.as_view(), name="list"),
    path("new/<str:code>/", views.NewDossierView.as_view(), name="new"),
    path("<str:code>/", views.DossierDetailView.as_view(), name="detail"),
    path("<str:code>/edit/", views.ResumeView.as_view(), name="resume"),
    path("<str:code>/edit/<str:step>/", views.DossierStepView.as_view(), name="step"),
    path("<str:code>/delete/", views.DossierDeleteView.as_view(), name="delete"),
    path("<str:code>/withdraw/", views.DossierWithdrawView.as_view(), name="withdraw"),
    path("<str:code>/sent/", views.DossierSentView.as_view(), name="sent"),
    path("<str:code>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    path("<str:code>/receipt.pdf", views.ReceiptPdfView.as_view(), name="receipt_pdf"),
    path("<str:code>/files/<int:pk>/", views.AttachmentDownloadView.as_view(), name="download"),
    path("<str:code>/supplement/", views.SupplementView.as_view(), name="supplement"),
    path("<str:code>/rate/", views.RatingView.as_view(), name="rate"),
]
