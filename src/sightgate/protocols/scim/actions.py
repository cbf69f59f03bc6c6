"""The actions SCIM operations are authorized as: ``scim:<Operation>``.

The route table names each route's action, and ``/Bulk`` asks for each of its operations
under the action of the single request it stands for, so one name means one operation
however it arrives.
"""

from __future__ import annotations

NOUNS = {"Users": "User", "Groups": "Group"}


def action(operation: str) -> str:
    """The action of an operation, e.g. ``scim:Bulk``."""
    return f"scim:{operation}"


def resource_action(verb: str, kind: str) -> str:
    """The action of ``verb`` on a resource of ``kind`` (``Users``/``Groups``):
    ``scim:CreateUser`` for one resource, ``scim:ListUsers`` for the collection."""
    noun = NOUNS[kind]
    return action(f"{verb}{kind if verb in ('List', 'Search') else noun}")
