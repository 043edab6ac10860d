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
            return f"Chỉ tiêu “Gấp nhiều lần so với gốc” có đơn vị “lần” (đang ghi “{_label(unit)}”)."
        return None
    if indicator is None:
        return None
    own = indicator.measure_unit
    if kind in CHANGE_KINDS:
        allowed = change_units(own)
        if unit in allowed:
            return None
        names = " hoặc ".join(f"“{_label(u)}”" for u in allowed)
        if own == MeasureUnit.PERCENT:
            return (
                f"Thay đổi của chỉ số {indicator.code} (đo bằng %) phải ghi đơn vị {names}: “điểm %” là chênh lệch "
                f"tỷ lệ (2,5% → 1,5% là giảm 1 điểm %), “%” là thay đổi tương đối so với giá trị (2,5% → 2,25% là "
                f"giảm 10%). Đơn vị “{_label(unit)}” không dùng được."
            )
        return (
            f"Thay đổi của chỉ số {indicator.code} (đơn vị tính “{_label(own)}”) phải ghi đơn vị {names}; "
            f"“{_label(unit)}” không khớp với chỉ số."
        )
    if unit != own:
        return (
            f"Đơn vị “{_label(unit)}” không khớp đơn vị tính của chỉ số {indicator.code} (“{_label(own)}”); "
            f"chỉ tiêu loại này ghi đúng đơn vị tính của chỉ số."
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
            f"Chỉ tiêu loại “{kind_label}” cần “Mã chỉ số”; chỉ để trống khi loại chỉ tiêu là “Định tính”."
        )
    counts_members = target.group_judgement in (GroupJudgement.MEMBERS_LEFT, GroupJudgement.MEMBERS_REMAINING)
    if counts_members and target.unit not in MEMBER_COUNT_UNITS:
        errors["unit"] = (
            "Chỉ tiêu đếm đơn vị trong nhóm có đơn vị “xã”, “huyện”, “thôn, bản” hoặc “%” (tỷ lệ đơn vị của nhóm)."
        )
    elif target.kind and target.unit and not counts_members:
        problem = unit_problem(kind=target.kind, unit=target.unit, indicator=indicator)
        if problem:
            errors["unit"] = problem
    if target.kind == TargetKind.MULTIPLE:
        if not target.baseline_year:
            errors["baseline_year"] = "Chỉ tiêu “Gấp nhiều lần so với gốc” cần “Năm gốc” (ví dụ 2020)."
        if target.min_value is None and target.max_value is None:
            errors["min_value"] = "Ghi số lần (ví dụ 2 cho “gấp 2 lần”) vào “Giá trị tối thiểu”."
    if target.unit_group_id and not target.group_judgement:
        errors["group_judgement"] = "Chỉ tiêu đặt cho một nhóm địa bàn cần ghi “Cách đánh giá theo nhóm”."
    elif target.group_judgement and not target.unit_group_id:
        errors["group_judgement"] = "Chỉ ghi “Cách đánh giá theo nhóm” khi có “Nhóm địa bàn”."
    if target.standard:
        standard_model = apps.get_model("households", "PovertyStandard")
        if not standard_model.objects.filter(code=target.standard).exists():
            codes = ", ".join(standard_model.objects.order_by("first_year").values_list("code", flat=True))
            errors["standard"] = f"Không có chuẩn nghèo mã “{target.standard}”" + (
                f"; dùng một trong: {codes}." if codes else ".")
    if target.breakdown:
        option = DimensionOption.objects.filter(code=target.breakdown).select_related("dimension").first()
        if option is None:
            errors["breakdown"] = f"Không có nhóm phân tổ mã “{target.breakdown}” (xem sheet “Chiều phân tổ”)."
        elif indicator is None:
            errors["breakdown"] = "Chỉ tiêu không có chỉ số thì không đặt cho một nhóm phân tổ."
        elif not indicator.dimensions.filter(pk=option.dimension_id).exists():
            errors["breakdown"] = (
                f"Nhóm phân tổ “{option.name}” thuộc chiều “{option.dimension.name}”, không phải một chiều phân tổ "
                f"của chỉ số {indicator.code}."
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
