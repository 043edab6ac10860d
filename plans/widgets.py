"""django-import-export widgets for the plan workbook: Vietnamese values, natural keys.

Every sheet of the workbook references other records by natural keys a person can type:
agencies by code, units by code and map, documents by number and issuer, tasks and targets
by document and number. Errors are raised as ValueError with a Vietnamese message; the import
reports them against the row and column.
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget, Widget

from plans.models import AdministrativeUnit, Agency, Document, Task
from plans.text import format_number, parse_number, search_key

LIST_SEPARATOR = ";"
REF_SEPARATOR = "|"


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class VietnameseDecimalWidget(Widget):
    """1,5 and 75.000 as typed in Vietnam; numbers from a spreadsheet cell pass as they are."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return Decimal(str(value))
        text = _text(value)
        return parse_number(text) if text else None

    def render(self, value, obj=None, **kwargs):
        return format_number(value, max_decimals=4)


class VietnameseDateWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value)
        if not text:
            return None
        try:
            return datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            raise ValueError(_("Ngày “%(text)s” không đúng dạng ngày/tháng/năm (ví dụ 09/02/2022).")
                             % {"text": text}) from None

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if value else ""


class YesNoWidget(Widget):
    YES, NO = "Có", "Không"

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if text in {"có", "co", "x", "1", "true"}:
            return True
        if text in {"không", "khong", "0", "false", ""}:
            return False
        raise ValueError(_("“%(value)s” phải là “Có” hoặc “Không”.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return self.YES if value else self.NO


class ChoiceLabelWidget(Widget):
    """A choice written with its Vietnamese label ("Kế hoạch"), stored as its value ("plan")."""

    def __init__(self, choices: type[models.Choices], allow_blank: bool = False, blank_value=None, **kwargs):
        self.choices = choices
        self.allow_blank = allow_blank or blank_value is not None
        self.blank_value = "" if blank_value is None else blank_value
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            if self.allow_blank:
                return self.blank_value
            raise ValueError(_("Không được để trống."))
        for choice_value, label in self.choices.choices:
            if text.lower() in {str(label).lower(), str(choice_value).lower()}:
                return choice_value
        found = self._loose_match(text)
        if found is not None:
            return found
        allowed = ", ".join(f"“{label}”" for value_, label in self.choices.choices if value_ != "")
        raise ValueError(_("“%(text)s” không có trong danh mục; dùng một trong: %(allowed)s.")
                         % {"text": text, "allowed": allowed})

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        return str(self.choices(value).label)

    def _loose_match(self, text: str):
        """Without accents or case ("hoi dong nhan dan"), or one part of a label written with a
        comma ("Quốc hội" for "Quốc hội, Ủy ban Thường vụ Quốc hội"), when only one choice fits."""
        wanted = search_key(text)
        for match in (
            lambda label: search_key(label) == wanted,
            lambda label: wanted in {search_key(part) for part in label.split(",")},
        ):
            found = [v for v, label in self.choices.choices if v != "" and match(str(label))]
            if len(found) == 1:
                return found[0]
        return None


class AgencyWidget(ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(Agency, "code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(_text(value), row, **kwargs)
        except Agency.DoesNotExist:
            raise ValueError(_("Không có cơ quan mã “%(value)s” (xem sheet cơ quan).") % {"value": value}) from None


class AgencyListWidget(ManyToManyWidget):
    def __init__(self, **kwargs):
        super().__init__(Agency, separator=LIST_SEPARATOR, field="code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        codes = [c.strip() for c in _text(value).split(LIST_SEPARATOR) if c.strip()]
        found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValueError(_("Không có cơ quan mã: %(missing)s.") % {"missing": ', '.join(missing)})
        return [found[c] for c in codes]


def unit_reference(unit: AdministrativeUnit) -> str:
    return f"{unit.code}@{unit.admin_map}"


def find_unit(code: str, admin_map: str) -> AdministrativeUnit:
    try:
        return AdministrativeUnit.objects.get(code=code, admin_map=admin_map)
    except AdministrativeUnit.DoesNotExist:
        map_label = _("bản đồ %(admin_map)s tỉnh") % {"admin_map": admin_map} if admin_map else _("cả nước/vùng")
        raise ValueError(
            _("Không có địa bàn mã “%(code)s” (%(map_label)s). Đã nạp bản đồ hành chính chưa (manage.py "
              "load_units)?") % {"code": code, "map_label": map_label}
        ) from None


class QualifiedReferenceWidget(Widget):
    """A record named by this column's value together with another column of the same row:
    a unit by code and map, a document by number and issuer."""

    def __init__(self, other_column: str, find: Callable[[str, str], models.Model], key_attribute: str, **kwargs):
        self.other_column = other_column
        self.find = find
        self.key_attribute = key_attribute
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        key = _text(value)
        if not key:
            return None
        return self.find(key, _text((row or {}).get(self.other_column)))

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.key_attribute) if value else ""


class UnitWidget(QualifiedReferenceWidget):
    """The unit whose code is in this column and whose map is in the other column."""

    def __init__(self, map_column: str, **kwargs):
        super().__init__(map_column, find_unit, "code", **kwargs)


class UnitListWidget(ManyToManyWidget):
    """`code@map;code@map` (map empty for the nation and the regions: `VN@;DBSCL@`)."""

    def __init__(self, **kwargs):
        super().__init__(AdministrativeUnit, separator=LIST_SEPARATOR, **kwargs)

    def clean(self, value, row=None, **kwargs):
        units = []
        for ref in (r.strip() for r in _text(value).split(LIST_SEPARATOR)):
            if not ref:
                continue
            code, _at, admin_map = ref.partition("@")
            units.append(find_unit(code.strip(), admin_map.strip()))
        return units

    def render(self, value, obj=None, **kwargs):
        return LIST_SEPARATOR.join(unit_reference(u) for u in value.all()) if value is not None else ""


def document_reference(document: Document) -> str:
    """How the workbook names a document: its number, or its key when it has no number."""
    return document.number or document.key


def find_document(reference: str, issuer_code: str) -> Document:
    """The document numbered `reference` by the issuer, else the document whose key is `reference`
    (the issuer is then optional, and checked when given)."""
    if issuer_code:
        found = Document.objects.filter(number=reference, issuer__code=issuer_code).first()
        if found is not None:
            return found
    found = Document.objects.select_related("issuer").filter(key=reference).first() if reference else None
    if found is None:
        if issuer_code:
            raise ValueError(_("Không có văn bản số “%(reference)s” của cơ quan “%(issuer_code)s”.")
                             % {"reference": reference, "issuer_code": issuer_code})
        raise ValueError(
            _("Không có văn bản mã “%(reference)s”. Nếu đây là số hiệu, ghi thêm mã cơ quan ban hành.")
            % {"reference": reference}
        )
    if issuer_code and found.issuer.code != issuer_code:
        raise ValueError(
            _("Văn bản mã “%(reference)s” do cơ quan “%(code)s” ban hành, không phải “%(issuer_code)s”.")
            % {"reference": reference, "code": found.issuer.code, "issuer_code": issuer_code}
        )
    return found


class DocumentWidget(QualifiedReferenceWidget):
    """The document numbered in this column and issued by the agency in the other column, or the
    document whose key ("Mã văn bản") is in this column."""

    def __init__(self, issuer_column: str, **kwargs):
        super().__init__(issuer_column, find_document, "number", **kwargs)

    def render(self, value, obj=None, **kwargs):
        return document_reference(value) if value else ""


def split_reference(ref: str, what: str) -> tuple[str, str, str]:
    # The issuer may be left blank when the first part is the document's key ("mã văn bản||1").
    parts = [p.strip() for p in ref.split(REF_SEPARATOR)]
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise ValueError(
            _("Tham chiếu %(what)s “%(ref)s” phải có dạng số hiệu văn bản|mã cơ quan ban hành|số thứ tự "
              "(ví dụ 160/NQ-CP|tw-cp|1), hoặc mã văn bản||số thứ tự.") % {"what": what, "ref": ref}
        )
    return parts[0], parts[1], parts[2]


class TaskParentWidget(Widget):
    """The parent task: a number within the same document as the row."""

    def __init__(self, document_column: str, issuer_column: str, **kwargs):
        self.document_column = document_column
        self.issuer_column = issuer_column
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        number = _text(value)
        if not number:
            return None
        row = row or {}
        document = find_document(_text(row.get(self.document_column)), _text(row.get(self.issuer_column)))
        try:
            return Task.objects.get(document=document, number=number)
        except Task.DoesNotExist:
            raise ValueError(
                _("Mục cha “%(number)s” chưa có trong văn bản %(document_reference)s; mục cha phải đứng "
                  "trước mục con.") % {"number": number, "document_reference": document_reference(document)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.number if value else ""


class TaskReferenceListWidget(ManyToManyWidget):
    """Tasks of other documents: `số hiệu|mã cơ quan|số thứ tự;...`."""

    def __init__(self, **kwargs):
        super().__init__(Task, separator=LIST_SEPARATOR, **kwargs)

    def clean(self, value, row=None, **kwargs):
        tasks = []
        for ref in (r.strip() for r in _text(value).split(LIST_SEPARATOR)):
            if not ref:
                continue
            number, issuer_code, task_number = split_reference(ref, _("nhiệm vụ"))
            document = find_document(number, issuer_code)
            try:
                tasks.append(Task.objects.get(document=document, number=task_number))
            except Task.DoesNotExist:
                raise ValueError(_("Văn bản %(number)s không có nhiệm vụ số “%(task_number)s”.")
                                 % {"number": number, "task_number": task_number}) from None
        return tasks

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return LIST_SEPARATOR.join(
            REF_SEPARATOR.join((document_reference(t.document), t.document.issuer.code, t.number))
            for t in value.all()  # TaskResource prefetches implements__document__issuer: no query per task
        )
