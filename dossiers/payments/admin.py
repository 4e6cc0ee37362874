"""The back office for fees: payments (with their history, a filter unpaid / paid / to refund, and
the officer's changes: amount with a reason, waive, refund, a refund made on the gateway's
merchant portal recorded), the duplicate payments refunded through the gateway (asked again when
it did not, or recorded as refunded on its merchant portal), the bank statement lines that did
not simply match, and each agency's provider and bank account. Officers see their agencies' only.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.money import vnd

from .. import selectors
from ..constants import PERM_RECEIVE
from ..permissions import BackOfficeReadOnly, back_office_may, has_agency_permission, staff_agency_ids
from . import services
from .constants import REFUND_DOSSIER_STATUSES, UNPAID_STATUSES, PaymentStatus
from .models import AgencyPaymentAccount, BankStatementLine, DuplicatePayment, Payment, PaymentEvent
from .workflow import PaymentError


class PaymentStateFilter(admin.SimpleListFilter):
    title = _("payment")
    parameter_name = "fee"

    def lookups(self, request, model_admin):
        return [
            ("unpaid", _("Unpaid")),
            ("paid", _("Paid")),
            ("to_refund", _("To refund")),
            ("refund_problem", _("Refund problem")),
            ("refunded", _("Refunded")),
            ("waived", _("Fee waived")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "unpaid":
            return queryset.filter(status__in=UNPAID_STATUSES)
        if value == "paid":
            return queryset.filter(status=PaymentStatus.PAID)
        if value == "to_refund":
            return queryset.filter(status=PaymentStatus.PAID, dossier__status__in=REFUND_DOSSIER_STATUSES)
        if value == "refund_problem":
            return queryset.filter(status=PaymentStatus.PAID).exclude(refund_error="")
        if value in ("refunded", "waived"):
            return queryset.filter(status=value)
        return queryset


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    fields = ("created_at", "source", "actor", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("payment history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True


class PaymentOfficerForm(forms.ModelForm):
    """What an officer may do to a fee: change the amount, waive it, refund it (through the gateway
    for a gateway payment; recorded with the bank transfer's reference for VietQR; or recorded as
    made on the gateway's merchant portal when the gateway's call did not settle it), or renew a
    request past its date; the reason is required for each. The status itself is never a field."""

    ACTIONS = [
        ("", _("Nothing")),
        ("adjust", _("Change the amount")),
        ("waive", _("Waive the fee")),
        ("refund", _("Refund (through the gateway, or record the bank transfer back)")),
        ("refund_made", _("Record a refund made on the gateway's merchant portal")),
        ("renew", _("New payment request (past its date)")),
    ]
    officer_action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, required=False)
    new_amount = forms.IntegerField(
        label=_("New amount (VND)"),
        min_value=1,
        required=False,
        help_text=_("For a change of amount; for a refund, the amount to refund if not all of it."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    class Meta:
        model = Payment
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        action = data.get("officer_action")
        if action and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason."))
        if action == "adjust" and not data.get("new_amount"):
            self.add_error("new_amount", _("Give the new amount."))
        return data


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    form = PaymentOfficerForm
    list_display = ("reference", "dossier_code", "agency", "amount_vnd", "status", "provider", "paid_at")
    list_filter = (PaymentStateFilter, "status", "provider")
    search_fields = ("reference", "dossier__code", "receipt_number", "provider_transaction")
    list_select_related = ("dossier__agency",)
    inlines = [PaymentEventInline]
    readonly_fields = (
        "dossier_link",
        "reference",
        "purpose",
        "amount_vnd",
        "procedure_amount",
        "amount_reason",
        "due_date",
        "pay_first",
        "status",
        "provider",
        "attempt",
        "provider_transaction",
        "paid_amount",
        "paid_at",
        "receipt_number",
        "refund_note",
        "refund_amount",
        "refund_requested_at",
        "refund_error",
        "duplicates_list",
    )
    fieldsets = (
        (None, {"fields": readonly_fields}),
        (_("Officer's action"), {"fields": ("officer_action", "new_amount", "reason")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(dossier__in=selectors.dossiers_for_staff(request.user))
            .select_related("dossier__agency")
        )

    def has_view_permission(self, request, obj=None):
        return back_office_may(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        if not self.has_view_permission(request):
            return False
        if obj is None:
            return True
        return request.user.is_superuser or has_agency_permission(request.user, obj.dossier.agency_id, PERM_RECEIVE)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("dossier"), ordering="dossier__code")
    def dossier_code(self, obj: Payment) -> str:
        return obj.dossier.code

    @admin.display(description=_("dossier"))
    def dossier_link(self, obj: Payment) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:dossiers_dossier_change", args=[obj.dossier_id]), obj.dossier.code
        )

    @admin.display(description=_("agency"), ordering="dossier__agency__name")
    def agency(self, obj: Payment) -> str:
        return obj.dossier.agency.name

    @admin.display(description=_("amount (VND)"), ordering="amount")
    def amount_vnd(self, obj: Payment) -> str:
        return vnd(obj.amount)

    @admin.display(description=_("duplicate payments"))
    def duplicates_list(self, obj: Payment) -> str:
        """Money taken twice for this fee, and where its refund stands (``DuplicatePaymentAdmin``)."""
        return (
            format_html_join(
                "",
                '<p><a href="{}">{}</a>: {}, {}</p>',
                (
                    (
                        reverse("admin:dossiers_duplicatepayment_change", args=[d.pk]),
                        d.order_ref,
                        vnd(d.amount),
                        d.refund_status,
                    )
                    for d in obj.duplicates.all()
                ),
            )
            or "—"
        )

    def save_model(self, request, obj, form, change):
        """The officer's action, through the payment services (never a direct save)."""
        action, reason = form.cleaned_data.get("officer_action"), form.cleaned_data.get("reason", "")
        try:
            if action == "adjust":
                services.payment_adjust(
                    payment=obj, user=request.user, amount=form.cleaned_data["new_amount"], reason=reason
                )
            elif action == "waive":
                services.payment_waive(payment=obj, user=request.user, reason=reason)
            elif action == "refund":
                payment = services.payment_refund(
                    payment=obj, user=request.user, note=reason, amount=form.cleaned_data.get("new_amount")
                )
                if payment.refund_requested_at:
                    messages.info(
                        request,
                        _("The refund is asked from the payment gateway; the fee shows as refunded when it confirms."),
                    )
            elif action == "refund_made":
                services.payment_refund(
                    payment=obj,
                    user=request.user,
                    note=reason,
                    amount=form.cleaned_data.get("new_amount"),
                    made_on_gateway=True,
                )
            elif action == "renew":
                services.payment_renew(payment=obj, user=request.user)
        except PaymentError as exc:
            messages.error(request, exc.message)


class DuplicateRefundFilter(admin.SimpleListFilter):
    title = _("refund")
    parameter_name = "refund"

    def lookups(self, request, model_admin):
        return [("asked", _("Refund asked")), ("problem", _("Refund problem")), ("refunded", _("Refunded"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "asked":
            return queryset.filter(refunded_at__isnull=True, refund_requested_at__isnull=False)
        if value == "problem":
            return queryset.filter(refunded_at__isnull=True, refund_requested_at__isnull=True)
        if value == "refunded":
            return queryset.filter(refunded_at__isnull=False)
        return queryset


class RefundRecordedForm(forms.Form):
    note = forms.CharField(
        label=_("Refund reference on the gateway's merchant portal"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Its date and reference, as the merchant portal shows them."),
    )


@admin.register(DuplicatePayment)
class DuplicatePaymentAdmin(BackOfficeReadOnly, admin.ModelAdmin):
    """Money taken twice for one fee, refunded through the gateway by the portal itself; staff act
    on the ones it did not refund ("Refund problem"): check the gateway's merchant portal when the
    reason says so, then ask again, or record the refund the merchant portal shows made."""

    list_display = ("order_ref", "dossier_code", "amount_vnd", "received_at", "status", "refund_error")
    list_filter = (DuplicateRefundFilter, "provider")
    search_fields = ("order_ref", "transaction_no", "payment__reference", "payment__dossier__code")
    list_select_related = ("payment__dossier",)
    readonly_fields = (
        "payment",
        "provider",
        "order_ref",
        "order_at",
        "transaction_no",
        "amount",
        "received_at",
        "refund_requested_at",
        "refund_sent_at",
        "refunded_at",
        "refund_transaction",
        "refund_error",
    )
    actions = ["refund_again", "refund_recorded"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(payment__dossier__in=selectors.dossiers_for_staff(request.user))
            .select_related("payment__dossier")
        )

    @admin.display(description=_("dossier"), ordering="payment__dossier__code")
    def dossier_code(self, obj: DuplicatePayment) -> str:
        return obj.payment.dossier.code

    @admin.display(description=_("amount (VND)"), ordering="amount")
    def amount_vnd(self, obj: DuplicatePayment) -> str:
        return vnd(obj.amount)

    @admin.display(description=_("refund"))
    def status(self, obj: DuplicatePayment) -> str:
        return obj.refund_status

    def has_refund_permission(self, request) -> bool:
        """Officers who receive dossiers somewhere; the service checks the agency of each one."""
        return back_office_may(request.user, PERM_RECEIVE)

    @admin.action(description=_("Ask the payment gateway again for the refund"), permissions=["refund"])
    def refund_again(self, request, queryset):
        asked = 0
        for duplicate in queryset:
            try:
                services.duplicate_refund_again(duplicate=duplicate, user=request.user)
                asked += 1
            except PaymentError as exc:
                messages.error(request, f"{duplicate.order_ref}: {exc.message}")
        if asked:
            messages.info(request, _("Refunds asked from the payment gateway: %(count)s.") % {"count": asked})

    @admin.action(description=_("Record a refund made on the gateway's merchant portal"), permissions=["refund"])
    def refund_recorded(self, request, queryset):
        """One duplicate at a time (each refund has its own reference on the merchant portal): a
        page asking for the reference first, then the refund recorded, or why not."""
        duplicates = list(queryset[:2])
        if len(duplicates) != 1:
            messages.error(request, _("Choose one duplicate payment: each refund has its own reference."))
            return None
        duplicate = duplicates[0]
        form = RefundRecordedForm(request.POST if request.POST.get("confirm") else None)
        if form.is_valid():
            try:
                services.duplicate_refund_recorded(
                    duplicate=duplicate, user=request.user, note=form.cleaned_data["note"]
                )
            except PaymentError as exc:
                messages.error(request, f"{duplicate.order_ref}: {exc.message}")
            else:
                messages.success(request, _("%(order)s: refund recorded.") % {"order": duplicate.order_ref})
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Record a refund made on the gateway's merchant portal"),
            "duplicate": duplicate,
            "form": form,
        }
        return TemplateResponse(request, "admin/dossiers/duplicatepayment/refund_recorded.html", context)


@admin.register(BankStatementLine)
class BankStatementLineAdmin(BackOfficeReadOnly, admin.ModelAdmin):
    """Imported transfers: the under-, over- and unmatched ones are what staff act on."""

    list_display = ("bank_transaction", "booked_on", "amount_vnd", "description", "match", "payment", "agency")
    list_filter = ("match", "booked_on")
    search_fields = ("bank_transaction", "description", "reference")
    list_select_related = ("payment", "agency")

    def get_queryset(self, request):
        lines = super().get_queryset(request)
        if request.user.is_superuser:
            return lines
        return lines.filter(agency__in=staff_agency_ids(request.user))

    @admin.display(description=_("amount (VND)"), ordering="amount")
    def amount_vnd(self, obj: BankStatementLine) -> str:
        return vnd(obj.amount)


@admin.register(AgencyPaymentAccount)
class AgencyPaymentAccountAdmin(admin.ModelAdmin):
    """Which provider each agency uses, and its bank account for VietQR (operators)."""

    list_display = ("agency", "provider", "bank_bin", "account_number", "account_name")
    list_filter = ("provider",)
    search_fields = ("agency__name", "agency__code", "account_number")
    autocomplete_fields = ("agency",)
