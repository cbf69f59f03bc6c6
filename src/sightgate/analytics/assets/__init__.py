"""Assets: shared folders (nesting, membership, inherited permissions), and later the
dashboards, analyses, templates and themes they hold."""
