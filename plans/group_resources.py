"""Plan-workbook sheets "Nhóm địa bàn" and "Đơn vị trong nhóm" (unit groups and their members).

A group is keyed by its code; a member by group code + unit code and map. The group's legal
source is a document ("Văn bản quy định" + "Mã cơ quan ban hành", or the document's key in
"Văn bản quy định") and, as written, "Căn cứ pháp lý".
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields
from import_export.widgets import ForeignKeyWidget

from plans.models import UnitGroup, UnitGroupKind, UnitGroupMember
from plans.resources import ISSUER_COLUMN, MAP_COLUMN, WorkbookResource
from plans.unit_groups import member_problems
from plans.widgets import ChoiceLabelWidget, DocumentWidget, UnitWidget, VietnameseDateWidget

GROUP_COLUMN = "Mã nhóm"


class UnitGroupWidget(ForeignKeyWidget):
    """A group named by its code (also the targets sheet's "Nhóm địa bàn")."""

    def __init__(self, **kwargs):
        super().__init__(UnitGroup, "code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        code = "" if value is None else str(value).strip()
        if not code:
            return None
        try:
            return super().clean(code, row, **kwargs)
        except UnitGroup.DoesNotExist:
            raise ValueError(_("Không có nhóm địa bàn mã “%(code)s” (xem sheet Nhóm địa bàn).")
                             % {"code": code}) from None


class UnitGroupResource(WorkbookResource):
    code = fields.Field(attribute="code", column_name=GROUP_COLUMN)
    name = fields.Field(attribute="name", column_name="Tên nhóm")
    kind = fields.Field(attribute="kind", column_name="Loại nhóm", widget=ChoiceLabelWidget(UnitGroupKind))
    scope = fields.Field(attribute="scope", column_name="Mã địa bàn phạm vi", widget=UnitWidget(MAP_COLUMN))
    scope_map = fields.Field(attribute="scope__admin_map", column_name=MAP_COLUMN, readonly=True)
    source_document = fields.Field(
        attribute="source_document", column_name="Văn bản quy định", widget=DocumentWidget(ISSUER_COLUMN)
    )
    source_issuer = fields.Field(attribute="source_document__issuer__code", column_name=ISSUER_COLUMN, readonly=True)
    source_text = fields.Field(attribute="source_text", column_name="Căn cứ pháp lý")
    valid_from = fields.Field(attribute="valid_from", column_name="Hiệu lực từ", widget=VietnameseDateWidget())
    valid_to = fields.Field(attribute="valid_to", column_name="Hiệu lực đến", widget=VietnameseDateWidget())
    note = fields.Field(attribute="note", column_name="Ghi chú")

    class Meta(WorkbookResource.Meta):
        model = UnitGroup
        import_id_fields = ["code"]
        fields = [
            "code", "name", "kind", "scope", "scope_map", "source_document", "source_issuer", "source_text",
            "valid_from", "valid_to", "note",
        ]

    def get_queryset(self):
        return super().get_queryset().select_related("scope", "source_document__issuer")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        ordered = not (instance.valid_from and instance.valid_to) or instance.valid_to >= instance.valid_from
        if not ordered and "valid_to" not in errors:
            errors["valid_to"] = [ValidationError(_("Ngày hết hiệu lực phải sau ngày có hiệu lực."))]
        super().validate_instance(instance, errors, validate_unique)


class UnitGroupMemberResource(WorkbookResource):
    group = fields.Field(attribute="group", column_name=GROUP_COLUMN, widget=UnitGroupWidget())
    unit = fields.Field(attribute="unit", column_name="Mã địa bàn", widget=UnitWidget(MAP_COLUMN))
    unit_map = fields.Field(attribute="unit__admin_map", column_name=MAP_COLUMN, readonly=True)
    joined_on = fields.Field(attribute="joined_on", column_name="Vào nhóm từ", widget=VietnameseDateWidget())
    left_on = fields.Field(attribute="left_on", column_name="Ra khỏi nhóm từ", widget=VietnameseDateWidget())
    left_basis = fields.Field(attribute="left_basis", column_name="Căn cứ ra khỏi nhóm")
    note = fields.Field(attribute="note", column_name="Ghi chú")

    class Meta(WorkbookResource.Meta):
        model = UnitGroupMember
        import_id_fields = ["group", "unit"]
        fields = ["group", "unit", "unit_map", "joined_on", "left_on", "left_basis", "note"]

    def get_queryset(self):
        return super().get_queryset().select_related("group", "unit")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if not errors.keys() & {"group", "unit"} and instance.group_id and instance.unit_id:
            problems = member_problems(
                group=instance.group, unit=instance.unit, joined_on=instance.joined_on, left_on=instance.left_on
            )
            for name, message in problems.items():
                errors.setdefault(name, [ValidationError(message)])
        if instance.left_on is None and instance.left_basis and "left_basis" not in errors:
            errors["left_basis"] = [ValidationError(_("Có căn cứ ra khỏi nhóm thì phải ghi ngày ra khỏi nhóm."))]
        super().validate_instance(instance, errors, validate_unique)
