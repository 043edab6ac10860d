"""Plan-workbook sheets for agencies, documents and tasks (django-import-export resources).

Column names are the workbook's Vietnamese headers; rows match existing records by natural key,
so importing the same sheet twice changes nothing (skip_unchanged).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.resources import Diff
from import_export.widgets import IntegerWidget

from common.spreadsheets import escape_formula
from plans.models import (
    Agency,
    AgencyKind,
    AgencySuccession,
    BasisRelation,
    Document,
    DocumentBasis,
    DocumentKind,
    Recurrence,
    Task,
)
from plans.widgets import (
    AgencyListWidget,
    AgencyWidget,
    ChoiceLabelWidget,
    DocumentWidget,
    TaskParentWidget,
    TaskReferenceListWidget,
    UnitWidget,
    VietnameseDateWidget,
    YesNoWidget,
)

MAP_COLUMN = "Bản đồ"


class WholeNumberWidget(IntegerWidget):
    """A whole number (a year, a position) with a Vietnamese message when the cell is not one."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("“%(text)s” không phải là số nguyên (ví dụ 2025).") % {"text": value})
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if not re.fullmatch(r"[-+]?\d{1,9}", text):
            raise ValueError(_("“%(text)s” không phải là số nguyên (ví dụ 2025).") % {"text": text})
        return int(text)


class DiffList(list):
    """The admin's HTML diff of a row, carrying each field's (before, after) values for the preview."""

    pairs: list[tuple[str, str]]


class FieldDiff(Diff):
    def as_html(self):
        html = DiffList(super().as_html())
        html.pairs = [(str(left or ""), str(right or "")) for left, right in zip(self.left, self.right)]
        return html


class WorkbookResource(resources.ModelResource):
    """Shared options: validate every instance, skip unchanged rows, report them.

    Every export through these resources (the workbook, the lists, the admin's export) escapes
    cells that a spreadsheet would run as formulas.
    """

    class Meta:
        abstract = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def get_diff_class(self):
        return FieldDiff

    def get_instance(self, instance_loader, row):
        # As the default loader does, but a wrong key cell is reported against its column.
        params, errors = {}, {}
        for key in self.get_import_id_fields():
            field = self.fields[key]
            if field.column_name not in row:
                return None
            try:
                params[field.attribute] = field.clean(row)
            except ValueError as error:
                errors[field.attribute] = [ValidationError(str(error))]
        if errors:
            raise ValidationError(errors)
        try:
            return self.get_queryset().get(**params)
        except self._meta.model.DoesNotExist:
            return None

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))


class AgencyResource(WorkbookResource):
    code = fields.Field(attribute="code", column_name="Mã cơ quan")
    name = fields.Field(attribute="name", column_name="Tên cơ quan")
    short_name = fields.Field(attribute="short_name", column_name="Tên viết tắt")
    kind = fields.Field(attribute="kind", column_name="Loại cơ quan", widget=ChoiceLabelWidget(AgencyKind))
    unit = fields.Field(attribute="unit", column_name="Mã địa bàn", widget=UnitWidget(MAP_COLUMN))
    unit_map = fields.Field(attribute="unit__admin_map", column_name=MAP_COLUMN, readonly=True)
    valid_from = fields.Field(attribute="valid_from", column_name="Hiệu lực từ", widget=VietnameseDateWidget())
    valid_to = fields.Field(attribute="valid_to", column_name="Hiệu lực đến", widget=VietnameseDateWidget())
    note = fields.Field(attribute="note", column_name="Ghi chú")

    class Meta(WorkbookResource.Meta):
        model = Agency
        import_id_fields = ["code"]
        fields = ["code", "name", "short_name", "kind", "unit", "unit_map", "valid_from", "valid_to", "note"]

    def get_queryset(self):
        return super().get_queryset().select_related("unit")


class AgencySuccessionResource(WorkbookResource):
    predecessor = fields.Field(attribute="predecessor", column_name="Mã cơ quan cũ", widget=AgencyWidget())
    successor = fields.Field(attribute="successor", column_name="Mã cơ quan mới", widget=AgencyWidget())
    effective_on = fields.Field(attribute="effective_on", column_name="Ngày hiệu lực", widget=VietnameseDateWidget())
    scope = fields.Field(attribute="scope", column_name="Phạm vi chuyển giao")
    basis = fields.Field(attribute="basis", column_name="Căn cứ")

    class Meta(WorkbookResource.Meta):
        model = AgencySuccession
        import_id_fields = ["predecessor", "successor"]
        fields = ["predecessor", "successor", "effective_on", "scope", "basis"]

    def get_queryset(self):
        return super().get_queryset().select_related("predecessor", "successor")


ISSUER_COLUMN = "Mã cơ quan ban hành"


class KeepWhenBlankField(fields.Field):
    """A column that, left blank, keeps what the record has (a document's generated key)."""

    def save(self, instance, row, is_m2m=False, **kwargs):
        if self.clean(row) in (None, ""):
            return
        super().save(instance, row, is_m2m, **kwargs)


KEY_COLUMN = "Mã văn bản"
NUMBER_COLUMN = "Số hiệu"


class DocumentResource(WorkbookResource):
    """A row is the document whose key is in "Mã văn bản"; without a key, the issuer's document of
    that number; without a number either, the issuer's unnumbered document of the same kind, date
    and title (so a re-imported sheet does not duplicate it). A new row without a key gets one."""

    number = fields.Field(attribute="number", column_name=NUMBER_COLUMN)
    issuer = fields.Field(attribute="issuer", column_name=ISSUER_COLUMN, widget=AgencyWidget())
    key = KeepWhenBlankField(attribute="key", column_name=KEY_COLUMN)
    number_unverified = fields.Field(
        attribute="number_unverified", column_name="Số hiệu chưa xác minh", widget=YesNoWidget()
    )
    kind = fields.Field(attribute="kind", column_name="Loại văn bản", widget=ChoiceLabelWidget(DocumentKind))
    title = fields.Field(attribute="title", column_name="Trích yếu")
    territory = fields.Field(attribute="territory", column_name="Mã địa bàn", widget=UnitWidget(MAP_COLUMN))
    territory_map = fields.Field(attribute="territory__admin_map", column_name=MAP_COLUMN, readonly=True)
    signer = fields.Field(attribute="signer", column_name="Người ký")
    signer_title = fields.Field(attribute="signer_title", column_name="Chức vụ người ký")
    issued_on = fields.Field(attribute="issued_on", column_name="Ngày ban hành", widget=VietnameseDateWidget())
    issued_on_unverified = fields.Field(
        attribute="issued_on_unverified", column_name="Ngày ban hành chưa xác minh", widget=YesNoWidget()
    )
    start_year = fields.Field(attribute="start_year", column_name="Từ năm", widget=WholeNumberWidget())
    end_year = fields.Field(attribute="end_year", column_name="Đến năm", widget=WholeNumberWidget())
    purpose = fields.Field(attribute="purpose", column_name="Mục đích")
    requirements = fields.Field(attribute="requirements", column_name="Yêu cầu")
    is_held = fields.Field(attribute="is_held", column_name="Có văn bản", widget=YesNoWidget())
    source = fields.Field(attribute="source", column_name="Nguồn")
    note = fields.Field(attribute="note", column_name="Ghi chú")

    class Meta(WorkbookResource.Meta):
        model = Document
        # Rows are matched by get_instance (key, else issuer + number, else ...); these name a row in the preview.
        import_id_fields = ["issuer", "number"]
        fields = [
            "number", "issuer", "kind", "title", "key", "number_unverified", "territory", "territory_map",
            "signer", "signer_title", "issued_on", "issued_on_unverified", "start_year", "end_year",
            "purpose", "requirements", "is_held", "source", "note",
        ]

    def get_queryset(self):
        return super().get_queryset().select_related("issuer", "territory")

    def _cleaned(self, row, *names):
        values, errors = [], {}
        for name in names:
            try:
                values.append(self.fields[name].clean(row))
            except ValueError as error:
                values.append(None)
                errors[name] = [ValidationError(str(error))]
        if errors:
            raise ValidationError(errors)
        return values

    def get_instance(self, instance_loader, row):
        if any(self.fields[name].column_name not in row for name in ("key", "issuer", "number")):
            return None  # the header check reports the missing column
        key = str(row.get(KEY_COLUMN) or "").strip()
        number = str(row.get(NUMBER_COLUMN) or "").strip()
        documents = self.get_queryset()
        if key:
            found = documents.filter(key=key).first()
            if number and (found is None or found.number != number):
                (issuer,) = self._cleaned(row, "issuer")
                taken = documents.filter(issuer=issuer, number=number).exclude(key=key).first()
                if taken is not None:
                    raise ValidationError({"key": [ValidationError(
                        _("Số hiệu “%(number)s” của cơ quan “%(issuer)s” đã là văn bản mã “%(key)s”; "
                          "ghi mã đó hoặc để trống cột “%(column)s”.")
                        % {"number": number, "issuer": issuer.code, "key": taken.key, "column": KEY_COLUMN}
                    )]})
            return found
        if number:
            (issuer,) = self._cleaned(row, "issuer")
            return documents.filter(issuer=issuer, number=number).first()
        issuer, kind, issued_on, title = self._cleaned(row, "issuer", "kind", "issued_on", "title")
        same = list(documents.filter(issuer=issuer, number="", kind=kind, issued_on=issued_on, title=title or "").order_by("pk")[:2])
        if len(same) > 1:
            raise ValidationError({"key": [ValidationError(
                _("Có nhiều văn bản chưa có số hiệu của cơ quan “%(issuer)s” cùng loại, ngày ban hành và "
                  "trích yếu (%(first)s, %(second)s...); ghi “%(column)s” để chỉ rõ văn bản nào.")
                % {"issuer": issuer.code, "first": same[0].key, "second": same[1].key, "column": KEY_COLUMN}
            )]})
        return same[0] if same else None


class DocumentBasisResource(WorkbookResource):
    document = fields.Field(attribute="document", column_name="Số hiệu", widget=DocumentWidget(ISSUER_COLUMN))
    document_issuer = fields.Field(attribute="document__issuer__code", column_name=ISSUER_COLUMN, readonly=True)
    basis = fields.Field(
        attribute="basis", column_name="Số hiệu căn cứ", widget=DocumentWidget("Mã cơ quan ban hành căn cứ")
    )
    basis_issuer = fields.Field(
        attribute="basis__issuer__code", column_name="Mã cơ quan ban hành căn cứ", readonly=True
    )
    relation = fields.Field(
        attribute="relation", column_name="Quan hệ",
        widget=ChoiceLabelWidget(BasisRelation, blank_value=BasisRelation.BASIS),
    )

    class Meta(WorkbookResource.Meta):
        model = DocumentBasis
        import_id_fields = ["document", "basis"]
        fields = ["document", "document_issuer", "basis", "basis_issuer", "relation"]

    def get_queryset(self):
        return super().get_queryset().select_related("document__issuer", "basis__issuer")

    def before_save_instance(self, instance, row, **kwargs):
        from plans.services import ensure_basis_keeps_cascade_acyclic

        ensure_basis_keeps_cascade_acyclic(document=instance.document, basis=instance.basis)


DOCUMENT_COLUMN = "Số hiệu văn bản"


class TaskResource(WorkbookResource):
    document = fields.Field(attribute="document", column_name=DOCUMENT_COLUMN, widget=DocumentWidget(ISSUER_COLUMN))
    document_issuer = fields.Field(attribute="document__issuer__code", column_name=ISSUER_COLUMN, readonly=True)
    number = fields.Field(attribute="number", column_name="Số thứ tự")
    parent = fields.Field(
        attribute="parent", column_name="Số thứ tự mục cha", widget=TaskParentWidget(DOCUMENT_COLUMN, ISSUER_COLUMN)
    )
    title = fields.Field(attribute="title", column_name="Tiêu đề")
    text = fields.Field(attribute="text", column_name="Nội dung")
    lead_agency = fields.Field(attribute="lead_agency", column_name="Mã cơ quan chủ trì", widget=AgencyWidget())
    coordinating_agencies = fields.Field(
        attribute="coordinating_agencies", column_name="Mã cơ quan phối hợp", widget=AgencyListWidget()
    )
    deadline_text = fields.Field(attribute="deadline_text", column_name="Thời hạn")
    due_on = fields.Field(attribute="due_on", column_name="Hạn hoàn thành", widget=VietnameseDateWidget())
    recurrence = fields.Field(
        attribute="recurrence", column_name="Tần suất", widget=ChoiceLabelWidget(Recurrence, allow_blank=True)
    )
    implements = fields.Field(attribute="implements", column_name="Thực hiện nhiệm vụ", widget=TaskReferenceListWidget())
    position = fields.Field(attribute="position", column_name="Thứ tự", widget=WholeNumberWidget())

    class Meta(WorkbookResource.Meta):
        model = Task
        import_id_fields = ["document", "number"]
        fields = [
            "document", "document_issuer", "number", "parent", "title", "text", "lead_agency",
            "coordinating_agencies", "deadline_text", "due_on", "recurrence", "implements", "position",
        ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("document__issuer", "parent", "lead_agency")
            .prefetch_related("coordinating_agencies", "implements__document__issuer")
        )
