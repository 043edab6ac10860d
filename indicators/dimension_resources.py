"""The workbook sheet "Chiều phân tổ": the dimensions figures are split by and their options, one row
per option (Mã chiều phân tổ, Tên chiều phân tổ, Mã nhóm phân tổ, Tên nhóm phân tổ, Thứ tự).

A row with a new dimension code creates the dimension (its name is then required); a row naming a
known dimension with another name renames it. An option never moves to another dimension: the
figures already split by it would silently change meaning.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _
from import_export import fields
from import_export.widgets import Widget

from indicators.models import Dimension, DimensionOption
from plans.resources import WholeNumberWidget, WorkbookResource

DIMENSION_CODE = "Mã chiều phân tổ"
DIMENSION_NAME = "Tên chiều phân tổ"
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class DimensionWidget(Widget):
    """A dimension by its code; a new code is created with the row's dimension name."""

    def clean(self, value, row=None, **kwargs):
        code = _text(value)
        if not code:
            raise ValueError(_("Không được để trống."))
        if not SLUG.fullmatch(code) or len(code) > 40:
            raise ValueError(
                _("Mã “%(code)s” không hợp lệ: chỉ dùng chữ không dấu, số và dấu gạch ngang, tối đa 40 ký tự "
                  "(ví dụ khu-vuc).") % {"code": code}
            )
        dimension = Dimension.objects.filter(code=code).first()
        if dimension is not None:
            return dimension
        name = _text((row or {}).get(DIMENSION_NAME))
        if not name:
            raise ValueError(_("Chiều phân tổ mới “%(code)s” cần có tên (cột “%(column)s”).")
                             % {"code": code, "column": DIMENSION_NAME})
        if len(name) > 200:
            raise ValueError(_("Tên chiều phân tổ dài quá 200 ký tự."))
        position = (Dimension.objects.aggregate(last=Max("position"))["last"] or 0) + 1
        return Dimension.objects.create(code=code, name=name, position=position)

    def render(self, value, obj=None, **kwargs):
        return value.code if value is not None else ""


class PositionWidget(WholeNumberWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is not None and not 0 <= number <= 32767:
            raise ValueError(_("Thứ tự phải từ 0 đến 32767."))
        return 0 if number is None else number


class DimensionOptionResource(WorkbookResource):
    dimension = fields.Field(attribute="dimension", column_name=DIMENSION_CODE, widget=DimensionWidget())
    dimension_name = fields.Field(attribute="dimension__name", column_name=DIMENSION_NAME, readonly=True)
    code = fields.Field(attribute="code", column_name="Mã nhóm phân tổ")
    name = fields.Field(attribute="name", column_name="Tên nhóm phân tổ")
    position = fields.Field(attribute="position", column_name="Thứ tự", widget=PositionWidget())

    class Meta(WorkbookResource.Meta):
        model = DimensionOption
        import_id_fields = ["code"]
        fields = ["dimension", "dimension_name", "code", "name", "position"]

    def get_queryset(self):
        return (
            super().get_queryset().select_related("dimension")
            .order_by("dimension__position", "dimension__code", "position", "code")
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._names: dict[str, str] = {}  # dimension code -> the name this import gives it

    def import_instance(self, instance, row, **kwargs):
        original_dimension_id = instance.dimension_id if instance.pk else None
        super().import_instance(instance, row, **kwargs)
        errors = {}
        if original_dimension_id is not None and instance.dimension_id != original_dimension_id:
            before = Dimension.objects.get(pk=original_dimension_id)
            errors["dimension"] = (
                _("Nhóm phân tổ “%(code)s” đã thuộc chiều “%(dimension)s” (%(dimension_code)s); không chuyển sang chiều "
                  "khác được (số liệu đã phân tổ theo nhóm này sẽ đổi nghĩa). Hãy tạo nhóm mã mới.")
                % {"code": instance.code, "dimension": before.name, "dimension_code": before.code}
            )
        name = _text(row.get(DIMENSION_NAME))
        if instance.dimension_id and name:
            code = instance.dimension.code
            seen = self._names.setdefault(code, name)
            if seen != name:
                errors["dimension_name"] = (_("Chiều phân tổ “%(code)s” đã có tên “%(seen)s” ở dòng trên; mỗi chiều chỉ một tên.")
                                            % {"code": code, "seen": seen})
            elif instance.dimension.name != name:
                instance.dimension.name = name[:200]
                instance._rename_dimension = True
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if getattr(instance, "_rename_dimension", False):
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def before_save_instance(self, instance, row, **kwargs):
        if getattr(instance, "_rename_dimension", False):
            instance.dimension.save(update_fields=["name"])
