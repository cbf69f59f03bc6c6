"""Identity Center: instances, identity stores, users, groups and memberships."""
