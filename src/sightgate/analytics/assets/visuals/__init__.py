"""Visual data: the rows behind each visual of a dashboard sheet, as one viewer sees
them (field wells, filters and parameters -> logical queries -> the query engine).
``VisualDataService`` in ``service.py``; docs/dashboards.md lists what is supported."""

from .model import ColumnRole, SheetData, VisualColumn, VisualData, VisualState
from .service import BUILDERS, VisualDataService

__all__ = [
    "BUILDERS",
    "ColumnRole",
    "SheetData",
    "VisualColumn",
    "VisualData",
    "VisualDataService",
    "VisualState",
]
