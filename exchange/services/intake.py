"""Taking an appendix in: the upload guard, the stored file, the chosen table, the mapped columns."""

import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from common import uploads
from exchange.models import AppendixUpload
from exchange.services import mapping
from exchange.services.reader import ReaderRefused, Table, checksum, read_tables

__all__ = ["ReaderRefused", "choose_table", "headers_of", "save_mapping", "store_upload", "table_of", "tables_of"]


def store_upload(*, user, upload, document) -> AppendixUpload:
    """Check the file (common.uploads, PLAN_APPENDIX), read its tables and keep it for the next steps.

    Raises UploadRefused or ReaderRefused, having kept nothing, for a file that cannot be used.
    """
    name = Path(upload.name or "").name
    uploads.check_upload(upload, name=name, policy=uploads.PLAN_APPENDIX)
    with tempfile.TemporaryDirectory(prefix="povertyplan-appendix-") as folder:
        path = Path(folder) / f"upload{Path(name).suffix.lower()}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        tables = read_tables(path, name)
        record = AppendixUpload(
            user=user if user is not None and user.is_authenticated else None, file_name=name[:255],
            checksum=checksum(path), size=path.stat().st_size, document=document, table_count=len(tables),
            table_index=0 if len(tables) == 1 else None,
        )
        with path.open("rb") as handle:
            record.file.save(name, File(handle), save=False)
        record.save()
    return record


def tables_of(upload: AppendixUpload) -> list[Table]:
    return read_tables(Path(upload.file.path), upload.file_name)


def table_of(upload: AppendixUpload) -> Table:
    if upload.table_index is None:
        raise ReaderRefused(_("Chưa chọn bảng trong tệp."))
    return tables_of(upload)[upload.table_index]


def headers_of(upload: AppendixUpload, table: Table) -> tuple[int, list[str]]:
    header_row = upload.header_row if upload.header_row is not None else mapping.find_header_row(table.rows)
    header_row = min(header_row, max(len(table.rows) - 1, 0))
    return header_row, [cell.replace("\n", " ") for cell in table.rows[header_row]] if table.rows else []


@transaction.atomic
def choose_table(upload: AppendixUpload, index: int) -> None:
    upload.table_index, upload.header_row, upload.fields = index, None, []
    upload.save(update_fields=["table_index", "header_row", "fields"])


@transaction.atomic
def save_mapping(upload: AppendixUpload, *, header_row: int, headers: list[str], fields: list[str], prefix: str) -> None:
    """Keep the admin's mapping for this upload and remember it for the layout."""
    upload.header_row, upload.fields, upload.number_prefix = header_row, fields, prefix
    upload.save(update_fields=["header_row", "fields", "number_prefix"])
    mapping.remember(headers, fields)
