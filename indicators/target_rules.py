"""What a target as written must say, whatever path it comes by (workbook, admin): Vietnamese
messages keyed by field.

- Only a qualitative target ("Định tính") may have no indicator.
- The unit of a level, a sum, a milestone or a comparison is the indicator's own unit.
- The unit of a change is explicit: on an indicator measured in % it is "điểm %" (percentage
  points) or "%" (a relative change of the value, never read as points); on any other indicator it
  is the indicator's own unit or "%".
- A multiple ("gấp 2 lần so với năm 2020") is in "lần" and names its baseline year.
- A group of units comes with how it is judged, and only with it; a breakdown option belongs to
  one of the indicator's dimensions; a poverty standard is one of the catalogue's codes.
"""

from django.apps import apps
from django.utils.translation import gettext as _

from indicators.models import CHANGE_KINDS, DimensionOption, GroupJudgement, MeasureUnit, TargetKind


def _label(unit: str) -> str:
    return str(MeasureUnit(unit).label) if unit in MeasureUnit.values else unit


def change_units(indicator_unit: str) -> list[str]:
    """The units a change of an indicator measured in `indicator_unit` may be written in."""
    if indicator_unit == MeasureUnit.PERCENT:
        return [MeasureUnit.POINTS, MeasureUnit.PERCENT]
    return [indicator_unit, MeasureUnit.PERCENT]


def unit_problem(*, kind: str, unit: str, indicator) -> str | None:
    """Why `unit` does not fit a target of `kind` on `indicator` (None: it fits)."""
    if kind == TargetKind.QUALITATIVE:
        return None
    if kind == TargetKind.MULTIPLE:
        if unit != MeasureUnit.TIMES:
            return (_("Chỉ tiêu “Gấp nhiều lần so với gốc” có đơn vị “lần” (đang ghi “%(unit)s”).")
                    % {"unit": _label(unit)})
        return None
    if indicator is None:
        return None
    own = indicator.measure_unit
    if kind in CHANGE_KINDS:
        allowed = change_units(own)
        if unit in allowed:
            return None
        names = _(" hoặc ").join(f"“{_label(u)}”" for u in allowed)
        if own == MeasureUnit.PERCENT:
            return (
                _("Thay đổi của chỉ số %(code)s (đo bằng %%) phải ghi đơn vị %(names)s: “điểm %%” là chênh "
                  "lệch tỷ lệ (2,5%% → 1,5%% là giảm 1 điểm %%), “%%” là thay đổi tương đối so với giá trị "
                  "(2,5%% → 2,25%% là giảm 10%%). Đơn vị “%(unit)s” không dùng được.")
                % {"code": indicator.code, "names": names, "unit": _label(unit)}
            )
        return (
            _("Thay đổi của chỉ số %(code)s (đơn vị tính “%(own)s”) phải ghi đơn vị %(names)s; "
              "“%(unit)s” không khớp với chỉ số.")
            % {"code": indicator.code, "own": _label(own), "names": names, "unit": _label(unit)}
        )
    if unit != own:
        return (
            _("Đơn vị “%(unit)s” không khớp đơn vị tính của chỉ số %(code)s (“%(own)s”); chỉ tiêu loại "
              "này ghi đúng đơn vị tính của chỉ số.")
            % {"unit": _label(unit), "code": indicator.code, "own": _label(own)}
        )
    return None


# A target counting a group's members ("30% xã ĐBKK thoát khỏi tình trạng ĐBKK") counts units, or their share.
MEMBER_COUNT_UNITS = {MeasureUnit.COMMUNES, MeasureUnit.DISTRICTS, MeasureUnit.VILLAGES, MeasureUnit.PERCENT}


def target_problems(target) -> dict[str, str]:
    """Every rule above that `target` (an unsaved or saved Target) breaks, by field name."""
    errors: dict[str, str] = {}
    indicator = target.indicator if target.indicator_id else None
    kind_label = str(TargetKind(target.kind).label) if target.kind in TargetKind.values else target.kind
    if indicator is None and target.kind and target.kind != TargetKind.QUALITATIVE:
        errors["indicator"] = (
            _("Chỉ tiêu loại “%(kind_label)s” cần “Mã chỉ số”; chỉ để trống khi loại chỉ tiêu là “Định "
              "tính”.") % {"kind_label": kind_label}
        )
    counts_members = target.group_judgement in (GroupJudgement.MEMBERS_LEFT, GroupJudgement.MEMBERS_REMAINING)
    if counts_members and target.unit not in MEMBER_COUNT_UNITS:
        errors["unit"] = (
            _("Chỉ tiêu đếm đơn vị trong nhóm có đơn vị “xã”, “huyện”, “thôn, bản” hoặc “%” (tỷ lệ đơn vị của nhóm).")
        )
    elif target.kind and target.unit and not counts_members:
        problem = unit_problem(kind=target.kind, unit=target.unit, indicator=indicator)
        if problem:
            errors["unit"] = problem
    if target.kind == TargetKind.MULTIPLE:
        if not target.baseline_year:
            errors["baseline_year"] = _("Chỉ tiêu “Gấp nhiều lần so với gốc” cần “Năm gốc” (ví dụ 2020).")
        if target.min_value is None and target.max_value is None:
            errors["min_value"] = _("Ghi số lần (ví dụ 2 cho “gấp 2 lần”) vào “Giá trị tối thiểu”.")
    if target.unit_group_id and not target.group_judgement:
        errors["group_judgement"] = _("Chỉ tiêu đặt cho một nhóm địa bàn cần ghi “Cách đánh giá theo nhóm”.")
    elif target.group_judgement and not target.unit_group_id:
        errors["group_judgement"] = _("Chỉ ghi “Cách đánh giá theo nhóm” khi có “Nhóm địa bàn”.")
    if target.standard:
        standard_model = apps.get_model("households", "PovertyStandard")
        if not standard_model.objects.filter(code=target.standard).exists():
            codes = ", ".join(standard_model.objects.order_by("first_year").values_list("code", flat=True))
            errors["standard"] = _("Không có chuẩn nghèo mã “%(standard)s”") % {"standard": target.standard} + (
                _("; dùng một trong: %(codes)s.") % {"codes": codes} if codes else ".")
    if target.breakdown:
        option = DimensionOption.objects.filter(code=target.breakdown).select_related("dimension").first()
        if option is None:
            errors["breakdown"] = (_("Không có nhóm phân tổ mã “%(breakdown)s” (xem sheet “Chiều phân tổ”).")
                                   % {"breakdown": target.breakdown})
        elif indicator is None:
            errors["breakdown"] = _("Chỉ tiêu không có chỉ số thì không đặt cho một nhóm phân tổ.")
        elif not indicator.dimensions.filter(pk=option.dimension_id).exists():
            errors["breakdown"] = (
                _("Nhóm phân tổ “%(option)s” thuộc chiều “%(dimension)s”, không phải một chiều phân tổ của chỉ số "
                  "%(code)s.") % {"option": option.name, "dimension": option.dimension.name, "code": indicator.code}
            )
    return errors


class TargetRulesFormMixin:
    """For a ModelForm of Target (the admin): the rules above, on the fields they concern."""

    def _post_clean(self):
        super()._post_clean()
        if self.errors.keys() & {"indicator", "kind", "unit"}:
            return
        for name, message in target_problems(self.instance).items():
            self.add_error(name if name in self.fields else None, message)
