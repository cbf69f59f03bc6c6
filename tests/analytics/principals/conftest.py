"""The provisioning fixtures (IdP facade, linked account) serve the principal tests too."""

from tests.analytics.provisioning.conftest import idp, linked

__all__ = ["idp", "linked"]
