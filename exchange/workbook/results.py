"""What reading and importing a workbook report: row errors, changes, per-sheet totals, and the
stream a large sheet is read as. Depends on nothing else of the workbook (no import loops)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import tablib

MAX_ERRORS_KEPT = 10_000
MAX_CHANGES_KEPT = 500


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class RowError:
    sheet: str
    row: int  # the spreadsheet row: the header is row 1, the first data row is row 2
    message: str  # as shown on the command line: "column: message" when the column is known
    column: str = ""

    @property
    def detail(self) -> str:
        """The message without the column in front of it (the preview shows the column apart)."""
        prefix = f"{self.column}: "
        return self.message[len(prefix):] if self.column and self.message.startswith(prefix) else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.detail}


def row_error(sheet: str, row: int, column: str, message: str) -> RowError:
    return RowError(sheet, row, f"{column}: {message}" if column else message, column)


@dataclass
class RowChange:
    """One existing record the import changes: its key and each changed column, before and after."""

    sheet: str
    row: int
    key: str
    fields: list[tuple[str, str, str]]

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "key": self.key, "fields": [list(f) for f in self.fields]}


@dataclass
class SheetTotals:
    new: int = 0
    update: int = 0
    skip: int = 0
    error: int = 0

    def as_dict(self) -> dict:
        return {"new": self.new, "changed": self.update, "unchanged": self.skip, "wrong": self.error}


@dataclass
class WorkbookResult:
    totals: dict[str, SheetTotals] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    error_count: int = 0  # every error, also those beyond MAX_ERRORS_KEPT

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or self.error_count > 0

    @property
    def changed(self) -> int:
        return sum(t.new + t.update for t in self.totals.values())

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)



class WorkbookRefused(Exception):
    """The file is refused as a whole (size, zip bomb, XML tricks, not a workbook); nothing was read."""


# ---------------------------------------------------------------------------------------------
# Sheets read as streams


@dataclass
class SheetRows:
    """A sheet too large for a Dataset: its headers and a way to walk its (row number, values) again."""

    headers: list[str]
    open_rows: Callable[[], Iterator[tuple[int, list]]]
    total: int
    problems: list[RowError] = field(default_factory=list)  # found while walking the rows

    def __len__(self) -> int:
        return self.total


class Formula(str):
    """A cell that holds a formula where a value is expected (the bulk path reports it)."""


FORMULA_MESSAGE = "Ô chứa công thức ({formula}); hãy dán giá trị thay cho công thức."


def dataset_rows(dataset: tablib.Dataset) -> Iterator[tuple[int, list]]:
    numbers = getattr(dataset, "sheet_rows", None)
    for index, row in enumerate(dataset):
        yield (numbers[index] if numbers else index + 2), list(row)

