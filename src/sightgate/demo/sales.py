"""The demo's sales rows: generated, deterministic, the same on every machine.

The seed scenario names the columns of ``common-sales`` (customer, region, product,
order_date, quantity, revenue) and its two customers; the rows are made up here, so the
dashboards have something to show. ``red-sales`` and ``blue-sales`` (design 1: a copy per
customer) hold each customer's rows of ``common-sales``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from sightgate.analytics.data.model import Column, ColumnType

CUSTOMERS = ("red_customer", "blue_customer")
REGIONS = ("EMEA", "AMER", "APAC")
PRODUCTS = {"Analytics Pro": 1200.0, "Reports Lite": 300.0, "Data Connector": 650.0}
FIRST_DAY = date(2025, 1, 1)
DAYS = 730

SALES_COLUMNS = (
    Column("customer", ColumnType.STRING),
    Column("region", ColumnType.STRING),
    Column("product", ColumnType.STRING),
    Column("order_date", ColumnType.DATETIME),
    Column("quantity", ColumnType.INTEGER),
    Column("revenue", ColumnType.DECIMAL),
)

Row = tuple[str, str, str, str, int, float]


def sales_rows(rows_per_customer: int = 1500, seed: int = 2026) -> Iterator[Row]:
    """``common-sales``: each customer's orders over two years, in a few regions."""
    rng = random.Random(seed)  # noqa: S311 - made-up demo rows, not secrets
    for customer in CUSTOMERS:
        regions = REGIONS[:2] if customer == "red_customer" else REGIONS[1:]
        for _ in range(rows_per_customer):
            product = rng.choice(tuple(PRODUCTS))
            quantity = rng.randint(1, 20)
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            price = PRODUCTS[product] * rng.uniform(0.85, 1.15)
            yield (
                customer,
                rng.choice(regions),
                product,
                day.isoformat(),
                quantity,
                round(price * quantity, 2),
            )


def write_csv(path: Path, rows: Sequence[Row]) -> Path:
    """The rows as a CSV file with a header (what ``datasets upload`` reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([column.name for column in SALES_COLUMNS])
        writer.writerows(rows)
    return path
