"""PostgreSQL COPY FROM STDIN from Python rows: the one way the app bulk-loads a table.

Rows are written in COPY's text format (tab-separated, \\N for NULL) and streamed, so that a
million rows never sit in memory as one string.
"""

from collections.abc import Iterable, Iterator, Sequence

BUFFER_SIZE = 1 << 16


def copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def copy_line(row: Sequence) -> str:
    return "\t".join(copy_text(value) for value in row) + "\n"


class LineReader:
    """A file-like view of an iterator of lines, for psycopg2's copy_expert (lines already in the
    COPY format the statement names)."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines

    def read(self, size: int = -1) -> str:
        chunk, length = [], 0
        for line in self.lines:
            chunk.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        return "".join(chunk)

    readline = read


def copy_rows(cursor, *, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (sequences of Python values, in `columns` order) into `table`.

    `cursor` is a Django cursor (or a psycopg2 one); `table` and `columns` are trusted names.
    """
    raw = getattr(cursor, "cursor", cursor)
    lines = LineReader(copy_line(row) for row in rows)
    raw.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", lines, BUFFER_SIZE)
