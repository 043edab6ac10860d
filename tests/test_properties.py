"""Properties of what reads people's input: numbers, dates, codes and choices of the import rows,
the entry forms, and the pure evaluation of targets.

Each property states what must hold for any input hypothesis generates: arbitrary text never
raises anything but the Vietnamese error the caller reports; valid values read back exactly what
was written; evaluate() always answers with an allowed status and an explanation, and a better
figure never gets a worse status. Examples are derandomized (no example database) so CI is stable.
Most properties touch no database; the bulk-row checker needs the seed catalogue and runs its
property inside one test (hence no function-scoped fixture inside @given).
"""

import re
import string
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from common.spreadsheets import FORMULA_TRIGGERS, escape_formula, unescape_formula
from exchange.workbook.bulk_rows import BulkResult, RowChecker, decimal_cell, whole_cell
from exchange.workbook.reading import SheetReader, cell_text
from exchange.workbook.results import Formula
from exchange.workbook.sheets import sheet_headers
from households.forms import HouseholdForm, ListFilterForm, ReviewForm
from households.models import Area, Cause, LivingClass
from indicators.evaluation import Evaluation
from indicators.evaluation import EvaluationStatus as S
from indicators.evaluation import evaluate
from indicators.forms import ActualForm, AnswerForm, ExplanationRequestForm, ReturnForm, TaskReportForm
from indicators.models import (
    Aggregation,
    ChangeDirection,
    Direction,
    Indicator,
    MeasureUnit,
    PeriodKind,
    Target,
    TargetKind,
)
from indicators.resources import ImportStatusWidget, PeriodNumberWidget, period_error
from plans.models import AgencyKind, Document, DocumentKind
from plans.resources import WholeNumberWidget
from plans.text import format_number, parse_number, search_key
from plans.widgets import ChoiceLabelWidget, VietnameseDateWidget, VietnameseDecimalWidget, YesNoWidget
from review.models import ReviewStatus

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)
PROPERTY_MORE = settings(max_examples=400, deadline=None, derandomize=True, database=None)

VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]")


def vietnamese(message) -> bool:
    """A message a Vietnamese reader can act on: it has Vietnamese letters."""
    return bool(VIETNAMESE.search(str(message).lower()))


# Text people type or paste: anything, and strings near the formats (digits, separators, signs).
NEAR_NUMBER = st.text(alphabet="0123456789.,+- \u00a0eE٣²", max_size=20)
ANY_TEXT = st.one_of(st.text(max_size=60), NEAR_NUMBER, st.text(alphabet=string.printable, max_size=30))
# A figure the database holds: numeric(16, 4).
FIGURE = st.decimals(min_value=Decimal("-999999999999.9999"), max_value=Decimal("999999999999.9999"),
                     places=4, allow_nan=False, allow_infinity=False)


# ---------------------------------------------------------------------------------------------
# Numbers written the Vietnamese way (plans.text)


@PROPERTY
@example("²")
@example("١٢")
@example("1.5")
@example("9" * 5000)
@given(ANY_TEXT)
def test_parse_number_reads_a_decimal_or_says_in_vietnamese_why_not(text):
    try:
        number = parse_number(text)
    except ValueError as error:
        assert vietnamese(error) and "1.500.000" in str(error)
    else:
        assert isinstance(number, Decimal) and number.is_finite()


@PROPERTY
@given(FIGURE)
def test_a_figure_written_by_format_number_is_read_back_exactly(number):
    text = format_number(number, max_decimals=4)
    assert parse_number(text) == number
    assert "." not in text.split(",")[-1] if "," in text else True  # "." only between thousands


@PROPERTY
@given(st.integers(min_value=0, max_value=10**15), st.text(alphabet="0123456789", min_size=1, max_size=4))
def test_thousands_dots_and_a_decimal_comma_read_as_written(whole, fraction):
    grouped = f"{whole:,}".replace(",", ".")
    assert parse_number(grouped) == whole
    assert parse_number(f"{grouped},{fraction}") == Decimal(f"{whole}.{fraction}")


@PROPERTY
@given(st.integers(min_value=0, max_value=999), st.text(alphabet="0123456789", min_size=1, max_size=6))
def test_a_dot_not_followed_by_three_digits_is_refused_as_ambiguous(whole, decimals):
    """ "1.5" may be 1,5 or 15 (a typo for 1.500): refused rather than guessed."""
    text = f"{whole}.{decimals}"
    if len(decimals) == 3:
        assert parse_number(text) == whole * 1000 + int(decimals)
    else:
        with pytest.raises(ValueError):
            parse_number(text)


@PROPERTY
@example("Hà\x00Giang")
@given(st.text(max_size=40))
def test_search_keys_are_stable_and_safe_for_the_database(text):
    """What is stored beside a name is what a search for that name's key looks for (a fixed point),
    and it never holds a NUL, which PostgreSQL refuses in text."""
    key = search_key(text)
    assert search_key(key) == key
    assert "\x00" not in key and key == key.strip()


# ---------------------------------------------------------------------------------------------
# Import rows: the widgets of the workbook and the review lists


def _reads_or_refuses(read, value):
    """read(value) returns something, or raises ValueError with a Vietnamese message."""
    try:
        return True, read(value)
    except ValueError as error:
        assert vietnamese(error), str(error)
        return False, None


@PROPERTY
@given(st.one_of(ANY_TEXT, st.none(), st.integers(), st.floats(), st.booleans()))
def test_decimal_cells_read_a_number_or_give_a_vietnamese_row_error(value):
    ok, number = _reads_or_refuses(VietnameseDecimalWidget().clean, value)
    if ok and number is not None:
        assert isinstance(number, Decimal)


@PROPERTY
@given(FIGURE)
def test_decimal_cells_round_trip_through_the_export(number):
    widget = VietnameseDecimalWidget()
    assert widget.clean(widget.render(number)) == number


@PROPERTY
@given(st.one_of(ANY_TEXT, st.text(alphabet="0123456789/", max_size=12), st.none()))
def test_date_cells_read_a_date_or_give_a_vietnamese_row_error(value):
    ok, day = _reads_or_refuses(VietnameseDateWidget().clean, value)
    if ok:
        assert day is None or isinstance(day, date)


@PROPERTY
@given(st.dates(min_value=date(1000, 1, 1)))
def test_date_cells_round_trip_through_the_export(day):
    widget = VietnameseDateWidget()
    assert widget.clean(widget.render(day)) == day
    assert widget.clean(f" {day.day}/{day.month}/{day.year} ") == day  # without leading zeros, spaced


@PROPERTY
@given(st.one_of(ANY_TEXT, st.none(), st.integers(), st.floats(), st.booleans()))
def test_whole_number_cells_read_an_int_or_give_a_vietnamese_row_error(value):
    for widget in (WholeNumberWidget(), PeriodNumberWidget()):
        ok, number = _reads_or_refuses(widget.clean, value)
        if ok:
            assert number is None or type(number) is int


@PROPERTY
@given(st.integers(min_value=-(10**9) + 1, max_value=10**9 - 1))
def test_whole_number_cells_round_trip(number):
    assert WholeNumberWidget().clean(str(number)) == number
    assert WholeNumberWidget().clean(float(number)) == number


CHOICE_CLASSES = [MeasureUnit, Direction, Aggregation, TargetKind, ChangeDirection, PeriodKind, ReviewStatus,
                  AgencyKind, DocumentKind, Area, Cause, LivingClass]


@PROPERTY
@given(st.sampled_from(CHOICE_CLASSES), st.booleans(), st.one_of(ANY_TEXT, st.none(), st.integers()))
def test_choice_cells_give_a_listed_value_or_a_vietnamese_row_error(choices, allow_blank, value):
    ok, chosen = _reads_or_refuses(ChoiceLabelWidget(choices, allow_blank=allow_blank).clean, value)
    if ok:
        assert chosen in choices.values or (allow_blank and chosen == "")


@PROPERTY
@given(st.sampled_from(CHOICE_CLASSES).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(c.values))),
       st.sampled_from([str, str.upper, str.lower, lambda s: f"  {s} "]))
def test_choice_cells_round_trip_by_label_whatever_the_case(choice, spelling):
    choices, value = choice
    widget = ChoiceLabelWidget(choices, allow_blank=True)
    assert widget.clean(spelling(widget.render(value))) == value
    assert widget.clean(value) == value


@PROPERTY
@given(st.one_of(ANY_TEXT, st.none()))
def test_status_cells_allow_only_the_import_statuses(value):
    ok, status = _reads_or_refuses(ImportStatusWidget().clean, value)
    if ok:
        assert status in (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)


@PROPERTY
@given(st.one_of(ANY_TEXT, st.none(), st.booleans()))
def test_yes_no_cells_read_a_boolean_and_round_trip(value):
    widget = YesNoWidget()
    ok, answer = _reads_or_refuses(widget.clean, value)
    if ok:
        assert answer in (True, False)
        assert widget.clean(widget.render(answer)) is answer


@PROPERTY
@given(st.sampled_from(PeriodKind.values), st.integers(min_value=-10, max_value=10))
def test_a_period_number_fits_its_kind_or_is_explained(kind, number):
    message = period_error(kind, number)
    fits = {PeriodKind.YEAR: number == 0, PeriodKind.HALF: 1 <= number <= 2, PeriodKind.QUARTER: 1 <= number <= 4,
            PeriodKind.MONTH: 1 <= number <= 12}[kind]
    assert (message is None) == fits
    assert message is None or vietnamese(message)


@PROPERTY
@given(st.one_of(st.text(max_size=30), st.text(alphabet="'=+-@\t\r ab", max_size=8)))
def test_formula_escaping_round_trips_is_idempotent_and_leaves_no_formula(text):
    """What an export writes (escaped, once or more: exchange.exports escapes again) comes back
    unchanged on import, and never starts a formula.

    The one text that cannot come back is an apostrophe written before a formula character
    ("'=x" reads back as "=x"): escaping must stay idempotent, so it cannot mark it.
    """
    escaped = escape_formula(text)
    assert escape_formula(escaped) == escaped
    assert not escaped.startswith(FORMULA_TRIGGERS)
    if not (text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS)):
        assert unescape_formula(escaped) == text


@PROPERTY
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
def test_an_exported_cell_reads_back_through_the_workbook_reader(text):
    text = text.strip()
    assume(not (text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS)))  # see above
    assert cell_text(escape_formula(escape_formula(text))) == text


@PROPERTY
@given(st.lists(st.one_of(ANY_TEXT, st.none(), st.integers(), st.floats(allow_nan=False), st.dates()), max_size=14))
def test_the_sheet_reader_gives_rows_of_the_template_width(raw):
    problems = []
    reader = SheetReader("targets", problems)
    assert reader.read_header(sheet_headers("targets"))
    cells = reader.cells(5, list(raw))
    width = len(sheet_headers("targets"))
    if cells is None:
        assert all(v is None or (isinstance(v, str) and not v.strip()) for v in raw[:width])
    else:
        assert len(cells) == width
        assert all(type(c) is Formula for c, v in zip(cells, raw) if isinstance(v, str) and v.startswith("="))
    assert all(p.row == 5 and vietnamese(p.message) for p in problems)
    assert len(problems) == sum(1 for v in raw[width:] if v is not None and str(v).strip())


# The bulk path of the actuals sheet reads its cells itself.


@PROPERTY
@example("²")
@example(float("nan"))
@example(Decimal("-Infinity"))
@given(st.one_of(ANY_TEXT, st.none(), st.integers(), st.floats(), st.decimals(), st.booleans()))
def test_bulk_figure_cells_read_a_bounded_number_or_a_vietnamese_error(value):
    ok, number = _reads_or_refuses(decimal_cell, value)
    if ok and number is not None:
        assert number.is_finite() and abs(number) < 10**12 and number.as_tuple().exponent >= -4


@PROPERTY
@given(FIGURE)
def test_bulk_figure_cells_round_trip(number):
    assert decimal_cell(format_number(number, 4)) == number
    assert decimal_cell(str(number).replace(".", ",")) == number


@PROPERTY
@example("²")
@example("9" * 5000)
@given(st.one_of(ANY_TEXT, st.none(), st.integers(min_value=0, max_value=10**12), st.floats()))
def test_bulk_whole_number_cells_read_an_int_or_a_vietnamese_error(value):
    ok, number = _reads_or_refuses(whole_cell, value)
    if ok:
        assert number is None or type(number) is int


ACTUAL_HEADERS = ["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ", "Giá trị", "Tử số", "Mẫu số", "Trạng thái"]
ROW_CELL = st.one_of(
    ANY_TEXT, st.just(""), st.sampled_from(["GN01", "GN02", "VN", "92", "34", "63", "2024", "Cả năm", "Nửa năm", "1", "0"]),
    st.integers(min_value=-5, max_value=3000), st.floats(), st.none(), st.builds(Formula, st.just("=A1")),
)


@pytest.mark.django_db
def test_the_bulk_checker_stages_a_row_or_reports_it_in_vietnamese():
    """Every row (any cells, any types) is staged or counted wrong with Vietnamese messages; never raises."""
    result = BulkResult()
    checker = RowChecker(ACTUAL_HEADERS, result)
    rows = iter(range(2, 10**6))

    @PROPERTY
    @example(["GN01", "VN", "", "²", "Cả năm", "", "1", "", "", ""])
    @example(["GN01", "VN", "", "2024", "Nửa năm", "²", "1", "", "", ""])
    @example(["GN01", "VN", "", "2024", "Cả năm", "", float("nan"), "", "", ""])
    @example(["GN01", "92", "63", "2026", "Cả năm", "", "1", "", "", ""])  # a unit closed before the period ended
    @example(["GN01", "92", "63", 2026, "Cả năm", "", "nhiều", "", "", ""])
    @given(st.lists(ROW_CELL, min_size=10, max_size=10))
    def check(cells):
        before_wrong, before_errors = result.wrong, len(result.errors)
        staged = checker.check(next(rows), cells)
        checker.finish()  # words the refusals of closed units' rows, as the import does once the rows are read
        if staged is None:
            assert result.wrong == before_wrong + 1 and len(result.errors) > before_errors
            assert all(vietnamese(e.message) and e.detail.strip() for e in result.errors[before_errors:])
        else:
            assert result.wrong == before_wrong and 2000 <= staged[4] <= 2100

    check()


# ---------------------------------------------------------------------------------------------
# Entry forms: a cleaned value or a field error, never an exception


def _form_errors_are_vietnamese(form) -> None:
    for field, messages in form.errors.items():
        for message in messages:
            assert vietnamese(message), (field, message)


@PROPERTY
@example(year="2024", period="", value="9" * 400, numerator="", denominator="", version="", reason="")
@example(year="2024", period="", value="1,23456", numerator="", denominator="", version="", reason="\x00")
@given(year=st.one_of(ANY_TEXT, st.integers().map(str)), period=ANY_TEXT, value=ANY_TEXT, numerator=ANY_TEXT,
       denominator=ANY_TEXT, version=ANY_TEXT, reason=st.text(max_size=50))
def test_the_figure_form_cleans_or_reports_every_field(year, period, value, numerator, denominator, version, reason):
    form = ActualForm({"year": year, "period": period, "value": value, "numerator": numerator,
                       "denominator": denominator, "version": version, "correction_reason": reason})
    if form.is_valid():
        data = form.cleaned_data
        assert 2000 <= data["year"] <= 2100
        for name in ("value", "numerator", "denominator"):
            number = data[name]
            assert number is None or (abs(number) < 10**12 and number.as_tuple().exponent >= -4)
        assert "\x00" not in data["correction_reason"]
    else:
        _form_errors_are_vietnamese(form)


@PROPERTY
@given(FIGURE)
def test_the_figure_form_reads_back_what_the_page_shows(number):
    """The entry page fills the field with number_input(stored); saving it unchanged keeps the figure."""
    from indicators.selectors import number_input

    form = ActualForm({"year": "2024", "value": number_input(value=number)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["value"] == number


@PROPERTY
@given(st.one_of(st.integers(min_value=10**12, max_value=10**20), st.integers(min_value=-(10**20), max_value=-(10**12))),
       st.text(alphabet="0123456789", min_size=5, max_size=8))
def test_the_figure_form_refuses_what_the_database_cannot_hold(whole, decimals):
    for text in (format_number(whole, 0), f"1,{decimals}"):
        form = ActualForm({"year": "2024", "value": text})
        assert not form.is_valid() and vietnamese(form.errors["value"][0])


@PROPERTY
@given(progress=ANY_TEXT, percent=st.one_of(ANY_TEXT, st.integers().map(str)), completed_on=ANY_TEXT,
       narrative=st.text(max_size=80), year=ANY_TEXT)
def test_the_task_report_form_cleans_or_reports_every_field(progress, percent, completed_on, narrative, year):
    form = TaskReportForm({"year": year, "progress": progress, "percent_done": percent,
                           "completed_on": completed_on, "narrative": narrative})
    if form.is_valid():
        assert isinstance(form.cleaned_data["percent_done"], int)
        assert form.cleaned_data["narrative"] == narrative.strip()
    else:
        _form_errors_are_vietnamese(form)


@PROPERTY
@given(st.dates(min_value=date(1000, 1, 1)))
def test_the_task_report_form_reads_dates_as_the_page_writes_them(day):
    form = TaskReportForm({"year": "2024", "progress": "completed", "percent_done": "100",
                           "completed_on": day.strftime("%d/%m/%Y"), "narrative": "Xong."})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["completed_on"] == day


@PROPERTY
@given(st.sampled_from([(ReturnForm, "review_comment"), (AnswerForm, "answer"), (ExplanationRequestForm, "question")]),
       st.text(max_size=200), ANY_TEXT)
def test_comment_and_explanation_forms_keep_the_text_or_report_it(form_field, text, due_on):
    form_class, name = form_field
    form = form_class({name: text, "due_on": due_on})
    if form.is_valid():
        assert form.cleaned_data[name] == text.strip()
    else:
        _form_errors_are_vietnamese(form)
        assert "\x00" in text or name == "question" and "due_on" in form.errors


@PROPERTY
@example(head_name="A", id_number="", phone="²" * 10, village="B", address="", area="rural", members="1", legacy="")
@given(head_name=st.text(max_size=250), id_number=ANY_TEXT, phone=ANY_TEXT, village=st.text(max_size=120),
       address=st.text(max_size=40), area=ANY_TEXT, members=st.one_of(ANY_TEXT, st.integers().map(str)),
       legacy=st.one_of(ANY_TEXT, st.sampled_from(["", "7", "8"])))
def test_the_household_form_cleans_what_the_register_can_hold_or_reports_it(head_name, id_number, phone, village,
                                                                             address, area, members, legacy):
    form = HouseholdForm({"head_name": head_name, "head_id_number": id_number, "phone": phone, "village": village,
                          "address": address, "area": area, "members": members, "legacy_commune": legacy},
                         legacy_choices=[(7, "Xã Một"), (8, "Xã Hai")])
    if form.is_valid():
        data = form.cleaned_data
        assert re.fullmatch(r"|[0-9]{9}|[0-9]{12}", data["head_id_number"])
        assert re.fullmatch(r"|[0-9]{10,11}", data["phone"])
        assert 1 <= data["members"] <= 99 and data["legacy_commune"] in (None, 7, 8)
        assert data["area"] in Area.values and 0 < len(data["head_name"]) <= 200
    else:
        _form_errors_are_vietnamese(form)


@PROPERTY
@given(st.integers(min_value=0, max_value=2_000_000_000))
def test_the_review_form_reads_incomes_as_the_page_writes_them(income):
    form = ReviewForm({"income": f"{income:,}".replace(",", ".")})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["income"] == income


@PROPERTY
@example(income="9" * 400, score="", cause="", text="", decision="")
@given(income=st.one_of(ANY_TEXT, st.integers().map(str)), score=st.one_of(ANY_TEXT, st.integers().map(str)),
       cause=ANY_TEXT, text=st.text(max_size=60), decision=st.text(max_size=220))
def test_the_review_form_cleans_or_reports_every_field(income, score, cause, text, decision):
    form = ReviewForm({"income": income, "score_a": score, "cause": cause, "exit_plan": text, "support": text,
                       "decision": decision})
    if form.is_valid():
        data = form.cleaned_data
        assert data["income"] is None or 0 <= data["income"] <= 2_147_483_647  # a PositiveIntegerField
        assert data["income"] is not None or data["score_a"] is not None
    else:
        _form_errors_are_vietnamese(form)


@PROPERTY
@given(st.dictionaries(st.sampled_from(["nam", "hang", "thon", "nguyen_nhan", "thieu_hut", "bien_dong", "q"]), ANY_TEXT))
def test_the_household_list_filters_clean_or_report(query):
    form = ListFilterForm(query)
    if form.is_valid():
        assert all("\x00" not in str(v) for v in form.cleaned_data.values())
    else:
        _form_errors_are_vietnamese(form)


# ---------------------------------------------------------------------------------------------
# evaluate(): pure, total, monotone

RANK = {S.MISSED: 0, S.OFF_TRACK: 1, S.AT_RISK: 2, S.ON_TRACK: 3, S.ACHIEVED: 4}
QUALIFIERS = ["", "trên", "dưới", "trở lên", "ít nhất", "từ", "đạt", "còn", "không còn", "khoảng", "cơ bản",
              "cơ bản không còn", "bằng hoặc thấp hơn", "thấp hơn", "cao hơn", "từ ... đến", "trở xuống"]
NON_STRICT = [q for q in QUALIFIERS if q not in ("trên", "dưới", "thấp hơn", "cao hơn")]
BOUND = st.one_of(st.integers(min_value=-5, max_value=100).map(Decimal),
                  st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False))
VALUE = st.one_of(  # mostly near the bounds (where statuses change), sometimes far
    st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
)
YEARS = st.integers(min_value=2010, max_value=2035)


@st.composite
def targets(draw, kind=None, qualifiers=QUALIFIERS, units=MeasureUnit.values):
    kind = kind or draw(st.sampled_from(TargetKind.values))
    low, high = draw(st.one_of(st.none(), BOUND)), draw(st.one_of(st.none(), BOUND))
    if low is None and high is None and kind != TargetKind.COMPARISON:
        low = draw(BOUND)
    if low is not None and high is not None and low > high:
        low, high = high, low
    end = draw(st.integers(min_value=2015, max_value=2030))
    needs_start = kind in (TargetKind.AVERAGE_CHANGE, TargetKind.CUMULATIVE)
    start = draw(st.integers(min_value=end - 10, max_value=end)) if needs_start else draw(
        st.one_of(st.none(), st.integers(min_value=end - 10, max_value=end)))
    indicator = Indicator(code="P", name="Chỉ số", measure_unit=draw(st.sampled_from(MeasureUnit.values)),
                          direction=draw(st.sampled_from(Direction.values)))
    return Target(
        document=Document(number="KH thử"), code="P", indicator=indicator, kind=kind,
        change_direction=draw(st.sampled_from(ChangeDirection.values)) if kind in (
            TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE) else "",
        min_value=low, max_value=high, unit=draw(st.sampled_from(units)), start_year=start, end_year=end,
        due_on=draw(st.one_of(st.none(), st.dates(min_value=date(end - 1, 1, 1), max_value=date(end + 1, 12, 31)))),
        baseline_value=draw(st.one_of(st.none(), VALUE)),
        baseline_year=draw(st.integers(min_value=end - 11, max_value=end)) if kind == TargetKind.RELATIVE_CHANGE
        else draw(st.one_of(st.none(), st.integers(min_value=end - 11, max_value=end))),
        qualifier=draw(st.one_of(st.sampled_from(qualifiers), st.text(max_size=12))) if qualifiers is QUALIFIERS
        else draw(st.sampled_from(qualifiers)),
        source_quote="",
    )


VALUES = st.dictionaries(YEARS, st.one_of(VALUE, st.none(), st.integers(min_value=-100, max_value=10**6)), max_size=8)
COMPARE = st.dictionaries(st.sampled_from(["a", "b", "c"]), VALUES, max_size=3)


def _evaluate(target, values, as_of_year, compare, reached_on=None) -> Evaluation:
    return evaluate(target, values, as_of_year=as_of_year, compare_values=compare, reached_on=reached_on,
                    unit_names={"a": "Tỉnh A", "b": "Tỉnh B"})


@PROPERTY
@given(targets(), VALUES, st.integers(min_value=2010, max_value=2040), COMPARE,
       st.one_of(st.none(), st.dates(min_value=date(2010, 1, 1), max_value=date(2040, 12, 31))))
def test_evaluate_always_answers_with_an_allowed_status_and_a_vietnamese_explanation(target, values, as_of, compare,
                                                                                      reached_on):
    result = _evaluate(target, values, as_of, compare, reached_on)
    assert isinstance(result, Evaluation) and result.status in S.values
    assert isinstance(result.explanation, str) and result.explanation.strip()
    assert "None" not in result.explanation and "NaN" not in result.explanation
    assert result.year is None or result.year <= as_of
    assert (result.status == S.NO_DATA) == (result.year is None)
    assert result.value is None or isinstance(result.value, Decimal)


@PROPERTY
@given(targets(), VALUES, st.integers(min_value=2010, max_value=2040), COMPARE,
       st.dictionaries(st.integers(min_value=2041, max_value=2060), VALUE, min_size=1, max_size=3))
def test_figures_after_the_as_of_year_change_nothing(target, values, as_of, compare, later):
    later = {year - 2041 + as_of + 1: value for year, value in later.items()}
    assert _evaluate(target, {**values, **later}, as_of, compare) == _evaluate(target, values, as_of, compare)


@pytest.mark.parametrize("kind", TargetKind.values)
@PROPERTY_MORE
@given(data=st.data(), compare=COMPARE)
def test_a_better_latest_figure_never_gets_a_worse_status(kind, data, compare):
    """With the same earlier figures, a latest figure better in the indicator's direction is judged
    at least as well: MISSED < OFF_TRACK < AT_RISK < ON_TRACK < ACHIEVED.

    Several latest figures are judged, most of them near where the status changes: a bound, or
    its share of the years elapsed, from zero or from an earlier figure or the baseline.
    """
    target = data.draw(targets(kind=kind))
    first = (target.baseline_year or target.start_year or target.end_year) - 1
    year = data.draw(st.integers(min_value=first, max_value=target.end_year + 1), label="year")
    ahead = data.draw(st.sampled_from([0, 0, 1, 3, 8]), label="ahead")
    earlier = data.draw(st.dictionaries(st.integers(min_value=year - 6, max_value=year - 1), VALUE, max_size=4), label="earlier")
    if target.kind == TargetKind.AVERAGE_CHANGE:
        assume(target.baseline_value is None or (target.baseline_year or 0) <= year)
    bounds = [b for b in (target.min_value, target.max_value) if b] or [Decimal(1)]
    origins = [Decimal(0), *earlier.values(), *([target.baseline_value] if target.baseline_value is not None else [])]
    near = st.builds(
        lambda origin, bound, share, percent: origin + bound * share * percent / 100,
        st.sampled_from(origins), st.sampled_from(bounds),
        st.sampled_from([1, -1, Decimal(1) / 2, Decimal(1) / 3, Decimal(2) / 5, Decimal(3) / 10, 2, 5, -5]),
        st.integers(min_value=-50, max_value=250),
    )
    figures = data.draw(st.lists(st.one_of(near, VALUE), min_size=2, max_size=12, unique=True), label="figures")
    figures.sort(reverse=target.indicator.direction == Direction.LOWER_IS_BETTER)  # worst first
    statuses = [_evaluate(target, {**earlier, year: figure}, year + ahead, compare).status for figure in figures]
    if S.NO_DATA in statuses:
        assert set(statuses) == {S.NO_DATA}
    else:
        ranks = [RANK[status] for status in statuses]
        assert ranks == sorted(ranks), list(zip(figures, statuses))


@PROPERTY
@given(targets(kind=TargetKind.RELATIVE_CHANGE), VALUE, VALUE)
def test_a_change_from_the_baseline_is_named_by_the_way_the_figure_moved(target, baseline, value):
    """The change judged is positive when the figure moved the way the target says (a decrease below
    the baseline, an increase above it), whatever the sign of the baseline."""
    assume(target.baseline_year < target.end_year and baseline != 0)
    target.baseline_value = baseline
    result = _evaluate(target, {target.end_year: value}, target.end_year, None)
    moved = baseline - value if target.change_direction == ChangeDirection.DECREASE else value - baseline
    assert (result.value > 0) == (moved > 0) and (result.value == 0) == (moved == 0)
    verb = "giảm" if (value < baseline) else "tăng"
    assert value == baseline or result.explanation.startswith(f"Năm {target.end_year}: {verb} ")


def _threshold(target) -> Decimal:
    low, high = target.min_value, target.max_value
    if target.indicator.direction == Direction.HIGHER_IS_BETTER:
        return low if low is not None else high
    return high if high is not None else low


@PROPERTY
@given(targets(kind=TargetKind.LEVEL, qualifiers=NON_STRICT), VALUES, st.integers(min_value=0, max_value=5))
def test_a_level_met_exactly_in_the_due_year_is_achieved(target, values, late):
    target.due_on = None
    values = {**values, target.end_year: _threshold(target)}
    assert _evaluate(target, values, target.end_year + late, None).status == S.ACHIEVED


@PROPERTY
@given(targets(kind=TargetKind.MILESTONE, qualifiers=NON_STRICT), VALUES, st.integers(min_value=0, max_value=5))
def test_a_milestone_met_exactly_is_achieved(target, values, late):
    target.due_on = None
    values = {year: value for year, value in values.items() if year < target.end_year}
    values[target.end_year] = _threshold(target)
    assert _evaluate(target, values, target.end_year + late, None).status == S.ACHIEVED


@PROPERTY
@given(targets(kind=TargetKind.CUMULATIVE, qualifiers=NON_STRICT), st.lists(VALUE, min_size=10, max_size=10))
def test_a_cumulative_target_reached_exactly_in_the_end_year_is_achieved(target, amounts):
    years = list(range(target.start_year, target.end_year))
    values = dict(zip(years, amounts))
    values[target.end_year] = _threshold(target) - sum(values.values(), Decimal(0))
    assert _evaluate(target, values, target.end_year, None).status == S.ACHIEVED


@PROPERTY
@given(targets(kind=TargetKind.COMPARISON, qualifiers=["", "bằng hoặc thấp hơn", "không cao hơn bằng"]), VALUE,
       st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, unique=True))
def test_a_comparison_with_equal_figures_is_achieved_unless_strictly_worded(target, value, units):
    compare = {unit_key: {target.end_year: value} for unit_key in units}
    assert _evaluate(target, {target.end_year: value}, target.end_year, compare).status == S.ACHIEVED


@PROPERTY
@given(targets(kind=TargetKind.AVERAGE_CHANGE, qualifiers=NON_STRICT,  # "%" is a compounded rate, not a step
               units=[u for u in MeasureUnit.values if u != MeasureUnit.PERCENT]), VALUE)
def test_an_average_change_equal_to_the_threshold_is_achieved(target, first):
    target.baseline_value = None
    threshold = _threshold_of_change(target)
    span = target.end_year - (target.start_year - 1)
    step = threshold if target.change_direction == ChangeDirection.INCREASE else -threshold
    values = {target.start_year - 1: first, target.end_year: first + step * span}
    assert _evaluate(target, values, target.end_year, None).status == S.ACHIEVED


@PROPERTY
@given(targets(kind=TargetKind.RELATIVE_CHANGE, qualifiers=NON_STRICT,
               units=[u for u in MeasureUnit.values if u != MeasureUnit.PERCENT]), VALUE)
def test_a_change_from_the_baseline_equal_to_the_threshold_is_achieved(target, baseline):
    assume(target.baseline_year < target.end_year)
    target.baseline_value = baseline
    threshold = _threshold_of_change(target)
    value = baseline - threshold if target.change_direction == ChangeDirection.DECREASE else baseline + threshold
    assert _evaluate(target, {target.end_year: value}, target.end_year, None).status == S.ACHIEVED


def _threshold_of_change(target) -> Decimal:
    """The magnitude the change must reach (or stay within) — see evaluation.rules.change_rule."""
    decrease = target.change_direction == ChangeDirection.DECREASE
    agrees = (target.indicator.direction == Direction.LOWER_IS_BETTER) == decrease
    low, high = target.min_value, target.max_value
    if agrees:
        return low if low is not None else high
    return high if high is not None else low
