"""The data context: data sources, datasets, SPICE, row- and column-level security, and
the query engine that applies them (docs/data.md)."""
