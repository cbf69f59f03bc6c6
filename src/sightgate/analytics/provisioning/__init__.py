"""Identity-driven provisioning: identity-store events -> analytics users and groups.

Role groups decide who is an analytics user and with which role; per-account rules decide
the namespace; identity-store groups become read-only analytics groups. See
docs/provisioning.md.
"""
