"""``datasets upload``: the CreateDataSet/UpdateDataSet request that makes a local file a
SPICE dataset, its columns as DuckDB's readers detect them.

The file is read where it is (``S3Source`` with the uploaded files), so a refresh reads
it again; it is refused up front when it is larger than one ingestion may read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from sightgate.analytics.data.definitions import LOCAL_FILES
from sightgate.analytics.data.model import FileFormat, UploadSettings
from sightgate.analytics.data.spice.staging import sniff_columns, too_large
from sightgate.platform.errors import ValidationError

UPLOAD_TABLE = "upload"
"""The physical table id of an uploaded file."""
FORMATS: Mapping[str, FileFormat] = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.TSV,
    ".tab": FileFormat.TSV,
    ".json": FileFormat.JSON,
    ".jsonl": FileFormat.JSON,
    ".ndjson": FileFormat.JSON,
    ".parquet": FileFormat.PARQUET,
}
MAX_NAME = 128


def upload_request(
    path: Path, data_set_id: str, name: str | None, *, max_bytes: int
) -> dict[str, Any]:
    """The dataset request for ``path``; ``ValidationError`` for a file that is missing,
    too large, of an unknown kind, or that DuckDB cannot read."""
    path = path.resolve()
    if not path.is_file():
        raise ValidationError("FILE", f"{path} is not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise ValidationError("FILE", f"{path.name}: {too_large(size, max_bytes)}")
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        kinds = ", ".join(sorted(FORMATS))
        raise ValidationError("FILE", f"{path.name}: the file name must end in one of {kinds}")
    settings = UploadSettings(format=file_format)
    try:
        with duckdb.connect() as duck:
            columns = sniff_columns(duck, path, settings)
    except duckdb.Error as error:
        reason = str(error).strip().splitlines()[0][:300]
        raise ValidationError(
            "FILE", f"{path.name} cannot be read as {file_format}: {reason}"
        ) from None
    return {
        "DataSetId": data_set_id,
        "Name": (name or path.stem)[:MAX_NAME],
        "ImportMode": "SPICE",
        "PhysicalTableMap": {
            UPLOAD_TABLE: {
                "S3Source": {
                    LOCAL_FILES: [str(path)],
                    "UploadSettings": {"Format": file_format.value, "ContainsHeader": True},
                    "InputColumns": [{"Name": c.name, "Type": c.type.value} for c in columns],
                }
            }
        },
    }
