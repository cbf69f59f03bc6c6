"""The query engine: a dataset's definition and a logical query become one sqlglot tree,
row- and column-level security are rewrites of that tree with bound values, and the tree
runs on the dataset's engine (DuckDB for SPICE, the source's PostgreSQL for
DIRECT_QUERY). ``service.QueryService`` is the one entry point (docs/data.md)."""
