"""The ISV's server side: what it asks sightgate, through the AWS SDK only.

The app holds an access key like any ISV backend would: given in the environment, or
issued for it by the access-key service when it starts (the demo's convenience). Every
other call goes over HTTPS to sightgate's QuickSight API, exactly as it would to AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.session

REGION = "us-east-1"


@dataclass(frozen=True)
class Dashboard:
    """A dashboard the signed-in user may see, and which of the blog's designs it shows."""

    dashboard_id: str
    name: str

    @property
    def design(self) -> str:
        """Design 2 is the one common dashboard with row-level security; the others are
        design 1's per-customer copies in shared folders."""
        return "common" if self.dashboard_id == "common-dashboard" else "per-customer"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str


class Backend:
    """The calls the ISV's server makes for its signed-in user."""

    def __init__(
        self,
        endpoint: str,
        account_id: str,
        credentials: Credentials,
        *,
        origin: str,
        verify: str | bool = True,
    ) -> None:
        self.account_id = account_id
        self.origin = origin
        self._qs: Any = botocore.session.get_session().create_client(
            "quicksight",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            verify=verify,
        )

    def user_arn(self, user_name: str) -> str:
        return f"arn:aws:quicksight:{REGION}:{self.account_id}:user/default/{user_name}"

    def dashboards(self, user_name: str) -> list[Dashboard]:
        """SearchDashboards for the user: what their groups' folders and grants allow."""
        found: list[Dashboard] = []
        request: dict[str, Any] = {
            "AwsAccountId": self.account_id,
            "Filters": [
                {
                    "Operator": "StringEquals",
                    "Name": "QUICKSIGHT_VIEWER_OR_OWNER",
                    "Value": self.user_arn(user_name),
                }
            ],
        }
        while True:
            page = self._qs.search_dashboards(**request)
            found += [
                Dashboard(d["DashboardId"], d.get("Name", d["DashboardId"]))
                for d in page["DashboardSummaryList"]
            ]
            if not page.get("NextToken"):
                return sorted(found, key=lambda d: d.dashboard_id)
            request["NextToken"] = page["NextToken"]

    def embed_url(self, user_name: str, dashboard_id: str) -> str:
        """A one-time embed URL for the user, allowed to be framed by this app only."""
        response = self._qs.generate_embed_url_for_registered_user(
            AwsAccountId=self.account_id,
            UserArn=self.user_arn(user_name),
            ExperienceConfiguration={"Dashboard": {"InitialDashboardId": dashboard_id}},
            AllowedDomains=[self.origin],
            SessionLifetimeInMinutes=60,
        )
        return str(response["EmbedUrl"])
