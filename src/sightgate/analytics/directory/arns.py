"""QuickSight ARNs of namespaces, users and groups: building and parsing them.

They are regional: ``arn:aws:quicksight:<region>:<account>:<type>/...`` with the region
the account subscription was created in. User names may contain ``/`` (an IAM role
user is ``<role>/<session>``); namespace names may not, so parsing is unambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sightgate.platform.errors import ValidationError

_ARN = re.compile(
    r"arn:aws:quicksight:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?:namespace/(?P<namespace>[a-zA-Z0-9._-]{1,64})"
    r"|(?P<kind>user|group)/(?P<parent>[a-zA-Z0-9._-]{1,64})/(?P<name>.+))"
)


class ResourceType(StrEnum):
    """The directory's taggable resources."""

    NAMESPACE = "namespace"
    USER = "user"
    GROUP = "group"


@dataclass(frozen=True)
class ResourceArn:
    """A parsed ARN; ``name`` is None for a namespace."""

    region: str
    account_id: str
    type: ResourceType
    namespace: str
    name: str | None


def namespace_arn(region: str, account_id: str, namespace: str) -> str:
    """``arn:aws:quicksight:<region>:<account>:namespace/<name>``."""
    return f"arn:aws:quicksight:{region}:{account_id}:namespace/{namespace}"


def user_arn(region: str, account_id: str, namespace: str, user_name: str) -> str:
    """``arn:aws:quicksight:<region>:<account>:user/<namespace>/<user name>``."""
    return f"arn:aws:quicksight:{region}:{account_id}:user/{namespace}/{user_name}"


def group_arn(region: str, account_id: str, namespace: str, group_name: str) -> str:
    """``arn:aws:quicksight:<region>:<account>:group/<namespace>/<group name>``."""
    return f"arn:aws:quicksight:{region}:{account_id}:group/{namespace}/{group_name}"


def parse_arn(arn: str) -> ResourceArn:
    """The parts of a namespace, user or group ARN, or a ``ValidationError``."""
    match = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        raise ValidationError(
            "ResourceArn", "must be the ARN of a QuickSight namespace, user or group"
        )
    if match["namespace"] is not None:
        return ResourceArn(
            match["region"], match["account"], ResourceType.NAMESPACE, match["namespace"], None
        )
    return ResourceArn(
        match["region"],
        match["account"],
        ResourceType(match["kind"]),
        match["parent"],
        match["name"],
    )
