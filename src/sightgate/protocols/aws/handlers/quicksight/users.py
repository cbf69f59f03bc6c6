"""QuickSight users of a namespace."""

from __future__ import annotations

from sightgate.analytics.directory.model import User, UserRegistration, UserUpdate
from sightgate.analytics.directory.users import UserService
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.quicksight.groups import group_json
from sightgate.protocols.aws.handlers.quicksight.tags import tags_of
from sightgate.protocols.aws.handlers.registry import (
    CREATED,
    OK,
    Handlers,
    Operation,
    Output,
    Params,
)
from sightgate.protocols.aws.handlers.rules import in_named_account


def user_json(user: User) -> Output:
    """A QuickSight ``User``."""
    login = user.external_login
    return {
        "Arn": user.arn,
        "UserName": user.user_name,
        "Email": user.email,
        "Role": user.role.value,
        "IdentityType": user.identity_type.value,
        "Active": user.active,
        "PrincipalId": user.principal_id,
        "CustomPermissionsName": user.custom_permissions_name,
        "ExternalLoginFederationProviderType": login.provider_type.value if login else None,
        "ExternalLoginFederationProviderUrl": login.provider_url if login else None,
        "ExternalLoginId": login.login_id if login else None,
    }


def register_user(users: UserService, ctx: RequestContext, params: Params) -> Output:
    """RegisterUser."""
    user = users.register(
        params["AwsAccountId"],
        params["Namespace"],
        UserRegistration(
            identity_type=params["IdentityType"],
            email=params["Email"],
            user_role=params["UserRole"],
            user_name=params.get("UserName"),
            iam_arn=params.get("IamArn"),
            session_name=params.get("SessionName"),
            custom_permissions_name=params.get("CustomPermissionsName"),
            external_login_federation_provider_type=params.get(
                "ExternalLoginFederationProviderType"
            ),
            custom_federation_provider_url=params.get("CustomFederationProviderUrl"),
            external_login_id=params.get("ExternalLoginId"),
            tags=tags_of(params),
        ),
        actor=ctx.actor,
    )
    return {"User": user_json(user), **CREATED}


def describe_user(users: UserService, ctx: RequestContext, params: Params) -> Output:
    """DescribeUser."""
    user = users.describe(params["AwsAccountId"], params["Namespace"], params["UserName"])
    return {"User": user_json(user), **OK}


def list_users(users: UserService, ctx: RequestContext, params: Params) -> Output:
    """ListUsers."""
    limit, after = page_request(ctx)
    page = users.list(params["AwsAccountId"], params["Namespace"], limit=limit, after=after)
    return {"UserList": [user_json(u) for u in page.items], **next_token(ctx, page), **OK}


def update_user(users: UserService, ctx: RequestContext, params: Params) -> Output:
    """UpdateUser."""
    user = users.update(
        params["AwsAccountId"],
        params["Namespace"],
        params["UserName"],
        UserUpdate(
            email=params["Email"],
            role=params["Role"],
            custom_permissions_name=params.get("CustomPermissionsName"),
            unapply_custom_permissions=bool(params.get("UnapplyCustomPermissions")),
            external_login_federation_provider_type=params.get(
                "ExternalLoginFederationProviderType"
            ),
            custom_federation_provider_url=params.get("CustomFederationProviderUrl"),
            external_login_id=params.get("ExternalLoginId"),
        ),
        actor=ctx.actor,
    )
    return {"User": user_json(user), **OK}


def delete_user(users: UserService, ctx: RequestContext, params: Params) -> Output:
    """DeleteUser."""
    users.delete(params["AwsAccountId"], params["Namespace"], params["UserName"], actor=ctx.actor)
    return OK


def delete_user_by_principal_id(users: UserService, ctx: RequestContext, params: Params) -> Output:
    """DeleteUserByPrincipalId."""
    users.delete_by_principal_id(
        params["AwsAccountId"], params["Namespace"], params["PrincipalId"], actor=ctx.actor
    )
    return OK


def list_user_groups(users: UserService, ctx: RequestContext, params: Params) -> Output:
    """ListUserGroups."""
    limit, after = page_request(ctx)
    page = users.list_groups(
        params["AwsAccountId"], params["Namespace"], params["UserName"], limit=limit, after=after
    )
    return {"GroupList": [group_json(g) for g in page.items], **next_token(ctx, page), **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.directory.users,
    (
        Operation("RegisterUser", register_user, in_named_account),
        Operation("DescribeUser", describe_user, in_named_account),
        Operation("ListUsers", list_users, in_named_account),
        Operation("UpdateUser", update_user, in_named_account),
        Operation("DeleteUser", delete_user, in_named_account),
        Operation("DeleteUserByPrincipalId", delete_user_by_principal_id, in_named_account),
        Operation("ListUserGroups", list_user_groups, in_named_account),
    ),
)
