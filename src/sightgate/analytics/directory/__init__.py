"""The analytics directory: account subscriptions, namespaces, users, groups, role
memberships and tags, with QuickSight's semantics (see docs/analytics-directory.md)."""
