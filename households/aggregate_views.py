"""The upload page of aggregate review tables: upload and preview, then confirm (all or nothing).

The checked table waits in the session (nothing is written before the confirmation); the write
makes the ImportRecord of the imports' history, as the task-appendix import does."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from households import aggregate_resources, aggregate_reviews, selectors
from households.models import AggregateReview, PovertyStandard
from indicators.forms import add_service_errors
from plans import access
from plans.models import AdministrativeUnit, Role, UnitLevel

SESSION_KEY = "aggregate_review_preview"


class AggregateUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Bảng kết quả rà soát tổng hợp (.xlsx hoặc .csv)"))
    year = forms.IntegerField(label=gettext_lazy("Năm rà soát"), min_value=2000, max_value=2100)
    standard = forms.ModelChoiceField(
        PovertyStandard.objects.all(), label=gettext_lazy("Chuẩn nghèo"), required=False,
        help_text=gettext_lazy("Để trống: chuẩn áp dụng cho năm rà soát."),
    )
    province = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).order_by("admin_map", "name"),
        label=gettext_lazy("Tỉnh (để tìm địa bàn theo tên)"), required=False,
    )
    source = forms.CharField(label=gettext_lazy("Nguồn (văn bản, trang công bố)"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _require_importer(user) -> None:
    # Rights on each row's unit are checked with the rows (aggregate_reviews.check_table).
    if not (access.has_role(user, Role.ADMIN) or access.has_role(user, Role.OFFICER)):
        raise PermissionDenied(_("Chỉ quản trị viên và cán bộ nhập số liệu được nhập bảng tổng hợp."))


@login_required
def aggregate_import(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    form = AggregateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        standard = data["standard"] or selectors.standard_for_year(year=data["year"])
        try:
            if standard is None:
                raise ValidationError({"standard": _("Chưa có chuẩn nghèo nào áp dụng cho năm này: hãy chọn chuẩn.")})
            dataset, checksum, size = aggregate_resources.read_upload(data["file"])
            rows, cell_errors = aggregate_resources.rows_from_dataset(dataset)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            table = aggregate_reviews.preview(
                rows, user=request.user, year=data["year"], standard=standard,
                admin_map=selectors.map_for_year(year=data["year"]), province=data["province"], cell_errors=cell_errors,
            )
            request.session[SESSION_KEY] = {
                **table, "file_name": data["file"].name, "checksum": checksum, "size": size, "source": data["source"],
            }
            return redirect("aggregate_preview")
    return render(request, "households/aggregate_import.html", {"form": form})


@login_required
def aggregate_preview(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    table = request.session.get(SESSION_KEY)
    if not table:
        return redirect("aggregate_import")
    context = {"table": table, "standard": PovertyStandard.objects.filter(pk=table["standard"]).first()}
    return render(request, "households/aggregate_preview.html", context)


@login_required
@require_POST
def aggregate_confirm(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    table = request.session.get(SESSION_KEY)
    if not table:
        return redirect("aggregate_import")
    try:
        record = aggregate_reviews.apply(
            table=table, user=request.user, file_name=table["file_name"], checksum=table["checksum"],
            size=table["size"], source=table["source"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("aggregate_preview")
    del request.session[SESSION_KEY]
    messages.success(request, record.message)
    top = (AggregateReview.objects.filter(import_record=record).select_related("unit")
           .order_by("unit__level", "unit__name").first())
    return redirect(f"{reverse('register_dashboard', args=[top.unit_id])}?nam={table['year']}")
