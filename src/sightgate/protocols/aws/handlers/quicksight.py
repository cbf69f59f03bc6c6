"""QuickSight operations over the analytics directory: one service call each.

Each function takes the services, the request context and the validated input (members
by name) and returns the output members; the protocol layer does the rest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sightgate.analytics.directory.model import (
    AccountSettingsUpdate,
    AccountSubscription,
    Group,
    GroupMember,
    GroupSearchFilter,
    Namespace,
    SubscriptionRequest,
    Tag,
    User,
    UserRegistration,
    UserUpdate,
)
from sightgate.bootstrap import Services
from sightgate.platform.errors import ConflictError, NotFoundError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.errors import access_denied
from sightgate.protocols.aws.handlers.paging import next_token, page_request

Operation = Callable[[Services, RequestContext, dict[str, Any]], dict[str, Any]]
CREATED = {"Status": 201}
OK = {"Status": 200}


def enter_account(services: Services, ctx: RequestContext) -> None:
    """What every QuickSight operation on an account checks first (not
    CreateAccountSubscription, which creates the account in the request's region).

    In local-test mode the account is subscribed on first use, in the request's region, as
    LocalStack does (not by DeleteAccountSubscription: deleting creates nothing). A call
    signed for another region than the account's is AccessDeniedException, worded as
    QuickSight words it outside an account's identity region. An unsubscribed account is
    left to the operation, which answers ResourceNotFoundException.
    """
    if ctx.operation == "CreateAccountSubscription":
        return
    try:
        account = services.directory.accounts.describe(ctx.account_id)
    except NotFoundError:
        if not ctx.dev_mode or ctx.operation == "DeleteAccountSubscription":
            return
        account = _dev_subscription(services, ctx)
    if account.region != ctx.region:
        raise access_denied(
            ctx.service,
            f"Operation is being called from endpoint {ctx.region}, but your identity region "
            f"is {account.region}. Please use the {account.region} endpoint.",
        )


def _dev_subscription(services: Services, ctx: RequestContext) -> AccountSubscription:
    """Subscribe the caller's account in local-test mode; a concurrent first request may
    have done it already."""
    try:
        return services.directory.accounts.create_subscription(
            ctx.account_id,
            SubscriptionRequest(
                account_name=f"dev-{ctx.account_id}",
                notification_email=f"dev-{ctx.account_id}@example.com",
                authentication_method="IAM_AND_QUICKSIGHT",
            ),
            region=ctx.region,
            actor=ctx.actor,
        )
    except ConflictError:
        return services.directory.accounts.describe(ctx.account_id)


def in_account(operation: Operation) -> Operation:
    """``operation`` behind ``enter_account``: one place for every QuickSight handler."""

    @functools.wraps(operation)
    def entered(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        enter_account(services, ctx)
        return operation(services, ctx, params)

    return entered


# -- presenters --------------------------------------------------------------------------


def user_json(user: User) -> dict[str, Any]:
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


def group_json(group: Group) -> dict[str, Any]:
    """A QuickSight ``Group``."""
    return {
        "Arn": group.arn,
        "GroupName": group.group_name,
        "Description": group.description,
        "PrincipalId": group.principal_id,
    }


def member_json(member: GroupMember) -> dict[str, Any]:
    """A QuickSight ``GroupMember``."""
    return {"Arn": member.arn, "MemberName": member.member_name}


def namespace_json(namespace: Namespace) -> dict[str, Any]:
    """A QuickSight ``NamespaceInfoV2``."""
    return {
        "Name": namespace.name,
        "Arn": namespace.arn,
        "CapacityRegion": namespace.capacity_region,
        "CreationStatus": namespace.creation_status.value,
        "IdentityStore": namespace.identity_store.value,
    }


def account_info_json(account: AccountSubscription) -> dict[str, Any]:
    """A QuickSight ``AccountInfo``."""
    return {
        "AccountName": account.account_name,
        "Edition": account.edition.value,
        "NotificationEmail": account.notification_email,
        "AuthenticationType": account.authentication_method.value,
        "AccountSubscriptionStatus": account.status,
        "IAMIdentityCenterInstanceArn": account.iam_identity_center_instance_arn,
    }


def tags_of(params: dict[str, Any]) -> tuple[Tag, ...]:
    """The ``Tags`` input as domain tags."""
    return tuple(Tag(t["Key"], t["Value"]) for t in params.get("Tags") or [])


# -- accounts ----------------------------------------------------------------------------


def create_account_subscription(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateAccountSubscription."""
    request = SubscriptionRequest(
        account_name=params["AccountName"],
        notification_email=params["NotificationEmail"],
        authentication_method=params["AuthenticationMethod"],
        edition=params.get("Edition") or "ENTERPRISE",
        iam_identity_center_instance_arn=params.get("IAMIdentityCenterInstanceArn"),
        admin_group=tuple(params.get("AdminGroup") or ()),
        author_group=tuple(params.get("AuthorGroup") or ()),
        reader_group=tuple(params.get("ReaderGroup") or ()),
        admin_pro_group=tuple(params.get("AdminProGroup") or ()),
        author_pro_group=tuple(params.get("AuthorProGroup") or ()),
        reader_pro_group=tuple(params.get("ReaderProGroup") or ()),
    )
    services.directory.accounts.create_subscription(
        params["AwsAccountId"], request, region=ctx.region, actor=ctx.actor
    )
    return {"SignupResponse": {"IAMUser": False, "accountName": request.account_name}, **OK}


def describe_account_subscription(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeAccountSubscription."""
    account = services.directory.accounts.describe(params["AwsAccountId"])
    return {"AccountInfo": account_info_json(account), **OK}


def describe_account_settings(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeAccountSettings."""
    account = services.directory.accounts.describe(params["AwsAccountId"])
    settings = {
        "AccountName": account.account_name,
        "Edition": account.edition.value,
        "DefaultNamespace": account.default_namespace,
        "NotificationEmail": account.notification_email,
        "PublicSharingEnabled": account.public_sharing_enabled,
        "TerminationProtectionEnabled": account.termination_protection_enabled,
    }
    return {"AccountSettings": settings, **OK}


def update_account_settings(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """UpdateAccountSettings."""
    services.directory.accounts.update_settings(
        params["AwsAccountId"],
        AccountSettingsUpdate(
            default_namespace=params["DefaultNamespace"],
            notification_email=params.get("NotificationEmail"),
            termination_protection_enabled=params.get("TerminationProtectionEnabled"),
        ),
        actor=ctx.actor,
    )
    return OK


def delete_account_subscription(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DeleteAccountSubscription (refused while termination protection is on)."""
    services.directory.accounts.delete_subscription(params["AwsAccountId"], actor=ctx.actor)
    return OK


# -- namespaces --------------------------------------------------------------------------


def create_namespace(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateNamespace (created synchronously: its status is CREATED at once)."""
    namespace = services.directory.namespaces.create(
        params["AwsAccountId"],
        params["Namespace"],
        actor=ctx.actor,
        identity_store=params["IdentityStore"],
        tags=tags_of(params),
    )
    return {**namespace_json(namespace), **CREATED}


def describe_namespace(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeNamespace."""
    namespace = services.directory.namespaces.describe(params["AwsAccountId"], params["Namespace"])
    return {"Namespace": namespace_json(namespace), **OK}


def list_namespaces(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListNamespaces."""
    limit, after = page_request(ctx, params)
    page = services.directory.namespaces.list(params["AwsAccountId"], limit=limit, after=after)
    return {
        "Namespaces": [namespace_json(n) for n in page.items],
        **next_token(ctx, page, params),
        **OK,
    }


def delete_namespace(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DeleteNamespace (never ``default``)."""
    services.directory.namespaces.delete(
        params["AwsAccountId"], params["Namespace"], actor=ctx.actor
    )
    return OK


# -- users -------------------------------------------------------------------------------


def register_user(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """RegisterUser."""
    user = services.directory.users.register(
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


def describe_user(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeUser."""
    user = services.directory.users.describe(
        params["AwsAccountId"], params["Namespace"], params["UserName"]
    )
    return {"User": user_json(user), **OK}


def list_users(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """ListUsers."""
    limit, after = page_request(ctx, params)
    page = services.directory.users.list(
        params["AwsAccountId"], params["Namespace"], limit=limit, after=after
    )
    return {"UserList": [user_json(u) for u in page.items], **next_token(ctx, page, params), **OK}


def update_user(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateUser."""
    user = services.directory.users.update(
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


def delete_user(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteUser."""
    services.directory.users.delete(
        params["AwsAccountId"], params["Namespace"], params["UserName"], actor=ctx.actor
    )
    return OK


def delete_user_by_principal_id(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DeleteUserByPrincipalId."""
    services.directory.users.delete_by_principal_id(
        params["AwsAccountId"], params["Namespace"], params["PrincipalId"], actor=ctx.actor
    )
    return OK


def list_user_groups(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListUserGroups."""
    limit, after = page_request(ctx, params)
    page = services.directory.users.list_groups(
        params["AwsAccountId"], params["Namespace"], params["UserName"], limit=limit, after=after
    )
    return {"GroupList": [group_json(g) for g in page.items], **next_token(ctx, page, params), **OK}


# -- groups ------------------------------------------------------------------------------


def create_group(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """CreateGroup."""
    group = services.directory.groups.create(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        actor=ctx.actor,
        description=params.get("Description"),
    )
    return {"Group": group_json(group), **CREATED}


def describe_group(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeGroup."""
    group = services.directory.groups.describe(
        params["AwsAccountId"], params["Namespace"], params["GroupName"]
    )
    return {"Group": group_json(group), **OK}


def update_group(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateGroup (its description)."""
    group = services.directory.groups.update(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        description=params.get("Description"),
        actor=ctx.actor,
    )
    return {"Group": group_json(group), **OK}


def delete_group(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteGroup."""
    services.directory.groups.delete(
        params["AwsAccountId"], params["Namespace"], params["GroupName"], actor=ctx.actor
    )
    return OK


def list_groups(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """ListGroups."""
    limit, after = page_request(ctx, params)
    page = services.directory.groups.list(
        params["AwsAccountId"], params["Namespace"], limit=limit, after=after
    )
    return {"GroupList": [group_json(g) for g in page.items], **next_token(ctx, page, params), **OK}


def search_groups(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """SearchGroups."""
    limit, after = page_request(ctx, params)
    filters = [GroupSearchFilter(f["Operator"], f["Name"], f["Value"]) for f in params["Filters"]]
    page = services.directory.groups.search(
        params["AwsAccountId"], params["Namespace"], filters, limit=limit, after=after
    )
    return {"GroupList": [group_json(g) for g in page.items], **next_token(ctx, page, params), **OK}


def create_group_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateGroupMembership."""
    member = services.directory.memberships.create(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return {"GroupMember": member_json(member), **OK}


def delete_group_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DeleteGroupMembership."""
    services.directory.memberships.delete(
        params["AwsAccountId"],
        params["Namespace"],
        params["GroupName"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return OK


def describe_group_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DescribeGroupMembership."""
    member = services.directory.memberships.describe(
        params["AwsAccountId"], params["Namespace"], params["GroupName"], params["MemberName"]
    )
    return {"GroupMember": member_json(member), **OK}


def list_group_memberships(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListGroupMemberships."""
    limit, after = page_request(ctx, params)
    page = services.directory.memberships.list(
        params["AwsAccountId"], params["Namespace"], params["GroupName"], limit=limit, after=after
    )
    return {
        "GroupMemberList": [member_json(m) for m in page.items],
        **next_token(ctx, page, params),
        **OK,
    }


# -- role memberships --------------------------------------------------------------------


def create_role_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateRoleMembership: an IdP group gives a role."""
    services.directory.roles.create(
        params["AwsAccountId"],
        params["Namespace"],
        params["Role"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return OK


def delete_role_membership(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """DeleteRoleMembership."""
    services.directory.roles.delete(
        params["AwsAccountId"],
        params["Namespace"],
        params["Role"],
        params["MemberName"],
        actor=ctx.actor,
    )
    return OK


def list_role_memberships(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListRoleMemberships."""
    limit, after = page_request(ctx, params)
    page = services.directory.roles.list(
        params["AwsAccountId"], params["Namespace"], params["Role"], limit=limit, after=after
    )
    return {"MembersList": list(page.items), **next_token(ctx, page, params), **OK}


# -- tags --------------------------------------------------------------------------------


def tag_resource(services: Services, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """TagResource."""
    services.directory.tags.tag_resource(
        ctx.account_id, params["ResourceArn"], tags_of(params), actor=ctx.actor
    )
    return OK


def untag_resource(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """UntagResource."""
    services.directory.tags.untag_resource(
        ctx.account_id, params["ResourceArn"], params["TagKeys"], actor=ctx.actor
    )
    return OK


def list_tags_for_resource(
    services: Services, ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    """ListTagsForResource."""
    tags = services.directory.tags.list_tags_for_resource(ctx.account_id, params["ResourceArn"])
    return {"Tags": [{"Key": t.key, "Value": t.value} for t in tags], **OK}


_OPERATIONS: dict[str, Operation] = {
    "CreateAccountSubscription": create_account_subscription,
    "DescribeAccountSubscription": describe_account_subscription,
    "DescribeAccountSettings": describe_account_settings,
    "UpdateAccountSettings": update_account_settings,
    "DeleteAccountSubscription": delete_account_subscription,
    "CreateNamespace": create_namespace,
    "DescribeNamespace": describe_namespace,
    "ListNamespaces": list_namespaces,
    "DeleteNamespace": delete_namespace,
    "RegisterUser": register_user,
    "DescribeUser": describe_user,
    "ListUsers": list_users,
    "UpdateUser": update_user,
    "DeleteUser": delete_user,
    "DeleteUserByPrincipalId": delete_user_by_principal_id,
    "ListUserGroups": list_user_groups,
    "CreateGroup": create_group,
    "DescribeGroup": describe_group,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "ListGroups": list_groups,
    "SearchGroups": search_groups,
    "CreateGroupMembership": create_group_membership,
    "DeleteGroupMembership": delete_group_membership,
    "DescribeGroupMembership": describe_group_membership,
    "ListGroupMemberships": list_group_memberships,
    "CreateRoleMembership": create_role_membership,
    "DeleteRoleMembership": delete_role_membership,
    "ListRoleMemberships": list_role_memberships,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
OPERATIONS: dict[str, Operation] = {name: in_account(op) for name, op in _OPERATIONS.items()}
"""QuickSight operation name -> implementation, each behind ``enter_account``."""
