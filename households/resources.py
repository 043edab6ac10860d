"""Review lists (danh sách rà soát) in and out, through django-import-export.

One row = one household and its review of one year. Importing upserts the household (by
"Mã hộ") and its review (by household and year), all or nothing: any wrong row and nothing is
written; every error is reported with its row number and column. The class is never read from
the file: it is computed from the standard of the year. A user may import rows only of the
communes whose register they keep (Action.KEEP_REGISTER): one commune's list for its officers,
any list (a whole province's) for admins.
"""

from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.widgets import CharWidget, Widget

from common import uploads
from common.spreadsheets import escape_formula, unescape_formula
from households import selectors, services
from households.commune_figures import refresh_commune
from households.models import Area, Cause, Household, HouseholdReview, LivingClass
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, AdminMap, UnitLevel
from plans.resources import WholeNumberWidget as YearWidget
from plans.widgets import ChoiceLabelWidget, VietnameseDecimalWidget, YesNoWidget
from review import workflow

CODE = "Mã hộ"
COMMUNE = "Mã xã"
LEGACY_COMMUNE = "Mã xã cũ"
HOUSEHOLD_COLUMNS = {
    "head_name": "Chủ hộ",
    "head_id_number": "Số định danh",
    "phone": "Điện thoại",
    "village": "Thôn, ấp, tổ dân phố",
    "address": "Địa chỉ",
    "area": "Khu vực",
    "members": "Số nhân khẩu",
    "ethnic_minority": "Dân tộc thiểu số",
    "merit": "Người có công",
    "social_protection": "Bảo trợ xã hội",
}
DEPRIVATIONS = "Chỉ số thiếu hụt"
MASKED_FIELDS = ("head_id_number", "phone")  # masked in exports unless the export is full
MASKED_ATTRIBUTES = tuple(f"household__{name}" for name in MASKED_FIELDS)
LIST_SEPARATOR = ";"


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class WholeNumberWidget(Widget):
    """1.500.000 as typed in Vietnam, or a spreadsheet number; a whole number of đồng or points."""

    def clean(self, value, row=None, **kwargs):
        number = VietnameseDecimalWidget().clean(value)
        if number is None:
            return None
        if number != number.to_integral_value() or number < 0:
            raise ValueError(_("“%(value)s” phải là số nguyên không âm.") % {"value": value})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return VietnameseDecimalWidget().render(value)


class ReviewListResource(resources.ModelResource):
    household = fields.Field(attribute="household__code", column_name=CODE, readonly=True)
    commune = fields.Field(attribute="household__commune__code", column_name=COMMUNE, readonly=True)
    legacy_commune = fields.Field(attribute="household__legacy_commune__code", column_name=LEGACY_COMMUNE, readonly=True)
    head_name = fields.Field(attribute="household__head_name", column_name=HOUSEHOLD_COLUMNS["head_name"], readonly=True)
    head_id_number = fields.Field(attribute="household__head_id_number", column_name=HOUSEHOLD_COLUMNS["head_id_number"], readonly=True)
    phone = fields.Field(attribute="household__phone", column_name=HOUSEHOLD_COLUMNS["phone"], readonly=True)
    village = fields.Field(attribute="household__village", column_name=HOUSEHOLD_COLUMNS["village"], readonly=True)
    address = fields.Field(attribute="household__address", column_name=HOUSEHOLD_COLUMNS["address"], readonly=True)
    area = fields.Field(attribute="area", column_name=HOUSEHOLD_COLUMNS["area"], widget=ChoiceLabelWidget(Area, allow_blank=True))
    members = fields.Field(attribute="household__members", column_name=HOUSEHOLD_COLUMNS["members"], readonly=True)
    ethnic_minority = fields.Field(attribute="household__ethnic_minority", column_name=HOUSEHOLD_COLUMNS["ethnic_minority"],
                                   widget=YesNoWidget(), readonly=True)
    merit = fields.Field(attribute="household__merit", column_name=HOUSEHOLD_COLUMNS["merit"], widget=YesNoWidget(), readonly=True)
    social_protection = fields.Field(attribute="household__social_protection", column_name=HOUSEHOLD_COLUMNS["social_protection"],
                                     widget=YesNoWidget(), readonly=True)
    year = fields.Field(attribute="year", column_name="Năm rà soát", widget=YearWidget())
    income = fields.Field(attribute="income", column_name="Thu nhập bình quân (đồng/người/tháng)", widget=WholeNumberWidget())
    score_a = fields.Field(attribute="score_a", column_name="Điểm A", widget=WholeNumberWidget())
    deprivations = fields.Field(attribute="deprivation_codes", column_name=DEPRIVATIONS)
    cause = fields.Field(attribute="cause", column_name="Nguyên nhân nghèo", widget=ChoiceLabelWidget(Cause, allow_blank=True))
    # An empty spreadsheet cell reads as None: these columns are NOT NULL text.
    exit_plan = fields.Field(attribute="exit_plan", column_name="Phương án thoát nghèo", widget=CharWidget())
    support = fields.Field(attribute="support", column_name="Hỗ trợ đã nhận", widget=CharWidget())
    decision = fields.Field(attribute="decision", column_name="Quyết định công nhận", widget=CharWidget())
    living_class = fields.Field(attribute="living_class", column_name="Phân loại (tính theo chuẩn)", readonly=True,
                                widget=ChoiceLabelWidget(LivingClass))
    synthetic = fields.Field(attribute="household__is_synthetic", column_name="Dữ liệu giả lập", widget=YesNoWidget(), readonly=True)

    class Meta:
        model = HouseholdReview
        import_id_fields = []
        fields = [
            "household", "commune", "legacy_commune", "head_name", "head_id_number", "phone", "village", "address",
            "area", "members", "ethnic_minority", "merit", "social_protection", "year", "income", "score_a",
            "deprivations", "cause", "exit_plan", "support", "decision", "living_class", "synthetic",
        ]
        clean_model_instances = True
        skip_unchanged = False
        use_transactions = False

    def __init__(self, *, user=None, full: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.full = full  # export IDs and phones unmasked (the commune officer's full export)
        self._units: dict[tuple[str, str], AdministrativeUnit | None] = {}
        self._may_keep: dict[int, bool] = {}
        self._standards: dict = {}
        self._codes: dict = {}
        self._households: dict[str, Household] = {}
        self.touched_households: set[int] = set()
        self.years: set[int] = set()

    # ---- export

    def dehydrate_deprivations(self, review: HouseholdReview) -> str:
        codes = self._codes_by_bit(review.standard_id)
        return LIST_SEPARATOR.join(codes[bit] for bit in range(review.deprivation_mask.bit_length())
                                   if review.deprivation_mask >> bit & 1 and bit in codes)

    def _codes_by_bit(self, standard_id: int) -> dict[int, str]:
        if standard_id not in self._codes:
            from households.models import DeprivationIndicator

            self._codes[standard_id] = dict(
                DeprivationIndicator.objects.filter(standard_id=standard_id).values_list("bit", "code")
            )
        return self._codes[standard_id]

    # ---- import

    def _unit(self, code: str, admin_map: str, column: str) -> AdministrativeUnit | None:
        if not code:
            return None
        key = (code, admin_map)
        if key not in self._units:
            self._units[key] = AdministrativeUnit.objects.filter(
                code=code, admin_map=admin_map, level=UnitLevel.COMMUNE
            ).first()
        unit = self._units[key]
        if unit is None:
            raise ValueError(_("%(column)s: không có xã, phường mã “%(code)s” trên bản đồ %(admin_map)s tỉnh.")
                             % {"column": column, "code": code, "admin_map": admin_map})
        return unit

    def _check_right(self, commune: AdministrativeUnit) -> None:
        if commune.pk not in self._may_keep:
            self._may_keep[commune.pk] = access.can(self.user, Action.KEEP_REGISTER, unit=commune)
        if not self._may_keep[commune.pk]:
            raise ValueError(_("Bạn không giữ sổ hộ của %(name)s (%(code)s); không nhập được hộ này.")
                             % {"name": commune.name, "code": commune.code})

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if field.attribute in MASKED_ATTRIBUTES and not self.full:
            value = selectors.mask_digits(value=value)
        # Names, phones ("+84…") and addresses must never run as formulas in a spreadsheet.
        return escape_formula(value)

    def before_import_row(self, row, **kwargs):
        """Create or update the row's household before its review is read."""
        for column, value in row.items():
            row[column] = unescape_formula(value)
        code = _text(row.get(CODE))
        if not code:
            raise ValueError(_("%(column)s: bắt buộc.") % {"column": CODE})
        commune = self._unit(_text(row.get(COMMUNE)), AdminMap.CURRENT, COMMUNE)
        legacy = self._unit(_text(row.get(LEGACY_COMMUNE)), AdminMap.LEGACY, LEGACY_COMMUNE)
        household = Household.objects.filter(code=code).select_related("commune").first()
        if household is not None:
            self._check_right(household.commune)
            commune = commune or household.commune
            legacy = legacy or (household.legacy_commune if commune.pk == household.commune_id else None)
        try:
            commune, legacy = services.check_communes(commune, legacy)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        self._check_right(commune)
        before = workflow.snapshot(household) if household else None
        household = household or Household(code=code)
        household.commune, household.legacy_commune = commune, legacy
        values = {
            "head_name": _text(row.get(HOUSEHOLD_COLUMNS["head_name"])),
            "head_id_number": _text(row.get(HOUSEHOLD_COLUMNS["head_id_number"])),
            "phone": _text(row.get(HOUSEHOLD_COLUMNS["phone"])),
            "village": _text(row.get(HOUSEHOLD_COLUMNS["village"])),
            "address": _text(row.get(HOUSEHOLD_COLUMNS["address"])),
        }
        for name, value in values.items():
            if name in MASKED_FIELDS and selectors.is_masked(value=value):
                continue  # a masked export read back: the stored number stays
            if value or name in {"head_id_number", "phone", "address"}:
                setattr(household, name, value)
        area = ChoiceLabelWidget(Area, allow_blank=True).clean(row.get(HOUSEHOLD_COLUMNS["area"]))
        household.area = area or household.area or services.default_area(commune)
        members = WholeNumberWidget().clean(row.get(HOUSEHOLD_COLUMNS["members"]))
        if members is not None:
            household.members = members
        for name in ("ethnic_minority", "merit", "social_protection"):
            if _text(row.get(HOUSEHOLD_COLUMNS[name])):
                setattr(household, name, YesNoWidget().clean(row.get(HOUSEHOLD_COLUMNS[name])))
        try:
            household.full_clean()
        except ValidationError as error:
            labels = {"members": HOUSEHOLD_COLUMNS["members"], "head_name": HOUSEHOLD_COLUMNS["head_name"],
                      "village": HOUSEHOLD_COLUMNS["village"]}
            raise ValueError(
                "; ".join(f"{labels[name]}: {' '.join(messages)}" if name in labels else " ".join(messages)
                          for name, messages in error.message_dict.items())
            ) from None
        with transaction.atomic():  # a savepoint: a database error fails this row, not the whole transaction
            household.save()
        if before != workflow.snapshot(household):
            workflow.record_audit(user=self.user, instance=household, action="import", before=before,
                                  after=workflow.snapshot(household), reason="Nhập danh sách rà soát")
        self.touched_households.add(household.pk)
        self._households[code] = household

    def _row_household(self, row) -> Household:
        return self._households[_text(row.get(CODE))]

    def get_instance(self, instance_loader, row):
        household = self._row_household(row)
        try:
            year = YearWidget().clean(row.get(self.fields["year"].column_name))
        except ValueError as error:
            raise ValueError(_("Năm rà soát: %(error)s") % {"error": error}) from None
        if year is None:
            raise ValueError(_("Năm rà soát: bắt buộc."))
        review = HouseholdReview.objects.filter(household=household, year=year).first()
        if review is not None:
            review._audit_before = workflow.snapshot(review)
        return review

    def init_instance(self, row=None):
        return HouseholdReview(household=self._row_household(row))

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.year and "year" not in errors and instance.year not in self._standards:
            try:
                self._standards[instance.year] = services.standard_for(instance.year)
            except ValidationError as error:
                errors["year"] = error.message_dict["year"]
        if instance.year in self._standards:
            instance.standard = self._standards[instance.year]
            instance.area = instance.area or instance.household.area
            # A file without the column has none (the attribute is set only by a column present).
            codes = [c.strip() for c in _text(getattr(instance, "deprivation_codes", "")).split(LIST_SEPARATOR) if c.strip()]
            try:
                instance.deprivation_mask = services.deprivation_mask(instance.standard, codes)
            except ValidationError as error:
                errors["deprivations"] = error.message_dict["deprivations"]
        if not errors:
            try:
                services.classify_review(instance)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # A row whose cells are wrong is reported with those errors only (no follow-on "required" noise).
        if import_validation_errors:
            raise ValidationError(import_validation_errors)
        super().validate_instance(instance, import_validation_errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        with transaction.atomic():
            super().save_instance(instance, is_create, row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        self.years.add(instance.year)
        workflow.record_audit(
            user=self.user, instance=instance, action="import", before=getattr(instance, "_audit_before", None),
            after=workflow.snapshot(instance), reason="Nhập danh sách rà soát",
        )

    def get_export_queryset(self, **kwargs):
        return super().get_queryset().select_related("household__commune", "household__legacy_commune")


@dataclass
class RowError:
    row: int  # the spreadsheet row (the header is row 1)
    message: str


@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    years: set[int] = field(default_factory=set)
    households: int = 0
    figures_refreshed: bool = False  # the communes' figures follow at once (a small import)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


class _RollBack(Exception):
    pass


def _collect_errors(resource: ReviewListResource, result) -> list[RowError]:
    columns = {name: f.column_name for name, f in resource.fields.items()}
    columns["income"] = resource.fields["income"].column_name
    errors = []
    for row_number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append(RowError(row_number + 1, str(error.error)))
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            label = columns.get(name, "" if name == "__all__" else name)
            for message in messages:
                errors.append(RowError(invalid.number + 1, f"{label}: {message}" if label else message))
    for error in result.base_errors:
        errors.append(RowError(0, str(error.error)))
    return sorted(errors, key=lambda e: e.row)


def read_file(upload) -> tablib.Dataset:
    """A review list from an .xlsx or .csv file (UTF-8), with at least one row under its headers.

    The upload guard (common.uploads) refuses a hostile or mistyped file before anything parses it.
    """
    name = getattr(upload, "name", "") or ""
    try:
        suffix = uploads.check_upload(upload, name=name, policy=uploads.REVIEW_LIST)
    except uploads.UploadRefused as refusal:
        raise ValidationError({"file": str(refusal)}) from None
    content = upload.read()
    if suffix == ".xlsx":
        dataset = tablib.Dataset().load(content, format="xlsx")
    else:
        dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    if not dataset.height:
        raise ValidationError({"file": _("Tệp không có dòng nào dưới dòng tiêu đề cột.")})
    return dataset


# Communes × years whose figures an import refreshes itself (about a second each); a larger
# list (a province's) waits for recompute_register, as the page says.
REFRESH_AFTER_IMPORT = 3


def import_review_list(dataset: tablib.Dataset, *, user, dry_run: bool = False) -> ImportResult:
    """Import a review list in one transaction: any error (or a dry run) writes nothing. The
    figures of a commune or two are brought up to date in the same transaction."""
    result = ImportResult()
    resource = ReviewListResource(user=user)
    try:
        with transaction.atomic():
            outcome = resource.import_data(
                dataset, dry_run=False, raise_errors=False, use_transactions=False, collect_failed_rows=True
            )
            result.new = outcome.totals.get("new", 0)
            result.updated = outcome.totals.get("update", 0)
            result.errors = _collect_errors(resource, outcome)
            if not result.errors:
                services.refresh_history(household_ids=resource.touched_households)
            result.years = resource.years
            result.households = len(resource.touched_households)
            if dry_run or result.errors:
                raise _RollBack
            communes = AdministrativeUnit.objects.filter(households__pk__in=resource.touched_households).distinct()
            if len(communes) * len(result.years) <= REFRESH_AFTER_IMPORT:
                for commune in communes:
                    for year in sorted(result.years):
                        refresh_commune(commune=commune, year=year)
                result.figures_refreshed = True
    except _RollBack:
        pass
    return result


def export_review_list(queryset, *, full: bool = False) -> tablib.Dataset:
    """The reviews (of a commune and year) in the import format, the computed class beside them;
    IDs and phones masked as in the list unless `full`. A masked list imported back keeps the
    stored numbers."""
    resource = ReviewListResource(full=full)
    return resource.export(queryset.select_related("household__commune", "household__legacy_commune"))
