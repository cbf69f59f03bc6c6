"""The AWS wire protocols: QuickSight (rest-json) and IdentityStore / SSO Admin (json 1.1).

Transport only: routing, SigV4, validation and serialization driven by botocore's service
models. Operations live in ``handlers``; this package holds no business logic and no state.
"""

from __future__ import annotations

from sightgate.protocols.aws.context import Handler, RequestContext
from sightgate.protocols.aws.dispatch import MAX_BODY_BYTES, AwsApi, build_aws_app
from sightgate.protocols.aws.errors import AwsError, domain_error
from sightgate.protocols.aws.pagination import PageTokens
from sightgate.protocols.aws.sigv4 import Credential, CredentialStore, StaticCredentials

__all__ = [
    "MAX_BODY_BYTES",
    "AwsApi",
    "AwsError",
    "Credential",
    "CredentialStore",
    "Handler",
    "PageTokens",
    "RequestContext",
    "StaticCredentials",
    "build_aws_app",
    "domain_error",
]
