"""The directory's domain: accounts, namespaces, users, groups, roles and tags. No I/O.

Validation errors name the field by its QuickSight API member name (``UserName``,
``Email``, ``Namespace`` ...), so the AWS adapter reports them without a mapping table.
Enum-valued inputs are plain strings (a ``StrEnum`` member is one too): the adapter passes
what the client sent, and an unknown value is a ``ValidationError`` naming the field.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

from sightgate.platform.errors import ValidationError
from sightgate.platform.jsontext import has_surrogate

DEFAULT_NAMESPACE = "default"
ACCOUNT_CREATED = "ACCOUNT_CREATED"
"""The only ``AccountSubscriptionStatus``: subscriptions are created synchronously."""
MAX_TAGS = 50
MAX_USER_NAME_LENGTH = 256  # a user name is a GroupMemberName, which QuickSight caps at 256
MAX_GROUP_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 512
COGNITO_PROVIDER_URL = "cognito-identity.amazonaws.com"

_ACCOUNT_NAME = re.compile(r"(?![Dd]-)[\da-zA-Z]+(-*[\da-zA-Z])*")
_NAMESPACE = re.compile(r"[a-zA-Z0-9._-]{1,64}")
_LATIN1 = re.compile(r"[\u0020-\u00ff]+")
_CUSTOM_PERMISSIONS = re.compile(r"[a-zA-Z0-9+=,.@_-]{1,64}")
_SESSION_NAME = re.compile(r"[\w+=.@-]{2,64}", re.ASCII)
_INSTANCE_ARN = re.compile(r"arn:aws:sso:::instance/ssoins-[0-9a-f]{16}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_IAM_ARN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}):(?P<kind>user|role)/(?:[\x21-\x2e\x30-\x7e]+/)*"
    r"(?P<name>[\w+=,.@-]{1,64})",
    re.ASCII,
)
_URL = re.compile(r"https://[^\s/?#]+[^\s]*")

E = TypeVar("E", bound=StrEnum)


class Edition(StrEnum):
    """QuickSight editions; recorded and reported, not enforced."""

    STANDARD = "STANDARD"
    ENTERPRISE = "ENTERPRISE"
    ENTERPRISE_AND_Q = "ENTERPRISE_AND_Q"


class AuthenticationMethod(StrEnum):
    """How an account's users sign in; it decides which identity types it may register.

    ``ACTIVE_DIRECTORY`` is not offered: connect a directory through an IdP and
    IAM Identity Center instead.
    """

    IAM_AND_QUICKSIGHT = "IAM_AND_QUICKSIGHT"
    IAM_ONLY = "IAM_ONLY"
    IAM_IDENTITY_CENTER = "IAM_IDENTITY_CENTER"


class IdentityType(StrEnum):
    """Who owns a user's identity: QuickSight itself, IAM, or IAM Identity Center."""

    IAM = "IAM"
    QUICKSIGHT = "QUICKSIGHT"
    IAM_IDENTITY_CENTER = "IAM_IDENTITY_CENTER"


ALLOWED_IDENTITY_TYPES: dict[AuthenticationMethod, frozenset[IdentityType]] = {
    AuthenticationMethod.IAM_AND_QUICKSIGHT: frozenset({IdentityType.IAM, IdentityType.QUICKSIGHT}),
    AuthenticationMethod.IAM_ONLY: frozenset({IdentityType.IAM}),
    AuthenticationMethod.IAM_IDENTITY_CENTER: frozenset({IdentityType.IAM_IDENTITY_CENTER}),
}
"""Which users an account may register, by its authentication method (as QuickSight)."""


class Role(StrEnum):
    """A user's role, also what a role membership grants (``RESTRICTED_*`` are not offered:
    QuickSight documents them as unavailable)."""

    ADMIN = "ADMIN"
    AUTHOR = "AUTHOR"
    READER = "READER"
    ADMIN_PRO = "ADMIN_PRO"
    AUTHOR_PRO = "AUTHOR_PRO"
    READER_PRO = "READER_PRO"


class Source(StrEnum):
    """Who manages a user or group: the QuickSight API, or provisioning from the identity
    source (then the API may read it but not change it: the IdP is the truth)."""

    QUICKSIGHT_API = "QUICKSIGHT_API"
    IDENTITY_SOURCE = "IDENTITY_SOURCE"


class NamespaceStatus(StrEnum):
    """Namespaces are created synchronously, so they are always ``CREATED``."""

    CREATED = "CREATED"


class IdentityStore(StrEnum):
    """Where a namespace's identities live; QuickSight offers only its own."""

    QUICKSIGHT = "QUICKSIGHT"


class ExternalLoginProvider(StrEnum):
    """Web identity providers a user may federate through (``NONE`` clears on update)."""

    COGNITO = "COGNITO"
    CUSTOM_OIDC = "CUSTOM_OIDC"
    NONE = "NONE"


class GroupFilterOperator(StrEnum):
    """SearchGroups operators: the model's ``StartsWith``, and exact ``StringEquals``."""

    STARTS_WITH = "StartsWith"
    STRING_EQUALS = "StringEquals"


# -- values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    """A tag on a namespace, user or group."""

    key: str
    value: str


@dataclass(frozen=True)
class ExternalLogin:
    """The external (web identity) login a user federates through."""

    provider_type: ExternalLoginProvider
    provider_url: str
    login_id: str | None


@dataclass(frozen=True)
class GroupSearchFilter:
    """One SearchGroups filter: ``Name`` must be ``GROUP_NAME``."""

    operator: str
    name: str
    value: str


# -- accounts --------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionRequest:
    """What CreateAccountSubscription asks for.

    The six group lists name identity-source groups whose members get that role in the
    ``default`` namespace; they are stored as role memberships (see RoleMembershipService).
    """

    account_name: str
    notification_email: str
    authentication_method: str
    edition: str = Edition.ENTERPRISE
    iam_identity_center_instance_arn: str | None = None
    admin_group: tuple[str, ...] = ()
    author_group: tuple[str, ...] = ()
    reader_group: tuple[str, ...] = ()
    admin_pro_group: tuple[str, ...] = ()
    author_pro_group: tuple[str, ...] = ()
    reader_pro_group: tuple[str, ...] = ()

    def validated(self) -> SubscriptionRequest:
        """This request with enums parsed and names checked, or a ``ValidationError``."""
        method = parse_authentication_method(self.authentication_method)
        instance_arn = self.iam_identity_center_instance_arn
        if method is AuthenticationMethod.IAM_IDENTITY_CENTER:
            if instance_arn is None:
                raise ValidationError(
                    "IAMIdentityCenterInstanceArn", "is required with IAM_IDENTITY_CENTER"
                )
            instance_arn = validate_instance_arn(instance_arn)
        elif instance_arn is not None:
            raise ValidationError(
                "IAMIdentityCenterInstanceArn", "is only allowed with IAM_IDENTITY_CENTER"
            )
        groups = {
            attribute: tuple(
                dict.fromkeys(
                    validate_group_name(name, member) for name in getattr(self, attribute)
                )
            )
            for attribute, member in _ROLE_GROUPS.values()
        }
        given = [member for attribute, member in _ROLE_GROUPS.values() if groups[attribute]]
        if method is AuthenticationMethod.IAM_IDENTITY_CENTER:
            if not {"AdminGroup", "AdminProGroup"} & set(given):
                raise ValidationError(
                    "AdminGroup", "AdminGroup or AdminProGroup is required with IAM_IDENTITY_CENTER"
                )
        elif given:
            raise ValidationError(given[0], "is only allowed with IAM_IDENTITY_CENTER")
        return replace(
            self,
            account_name=validate_account_name(self.account_name),
            notification_email=validate_email_address(self.notification_email, "NotificationEmail"),
            authentication_method=method,
            edition=parse_enum(Edition, self.edition, "Edition"),
            iam_identity_center_instance_arn=instance_arn,
            **groups,
        )

    def role_groups(self) -> dict[Role, tuple[str, ...]]:
        """The group names given for each role."""
        return {role: getattr(self, attribute) for role, (attribute, _) in _ROLE_GROUPS.items()}


_ROLE_GROUPS = {
    Role.ADMIN: ("admin_group", "AdminGroup"),
    Role.AUTHOR: ("author_group", "AuthorGroup"),
    Role.READER: ("reader_group", "ReaderGroup"),
    Role.ADMIN_PRO: ("admin_pro_group", "AdminProGroup"),
    Role.AUTHOR_PRO: ("author_pro_group", "AuthorProGroup"),
    Role.READER_PRO: ("reader_pro_group", "ReaderProGroup"),
}
"""Each role's group list: its attribute here and its CreateAccountSubscription member."""


@dataclass(frozen=True)
class AccountSubscription:
    """A QuickSight account: its subscription (AccountInfo) and its settings.

    ``region`` is where it was created; every ARN of its resources carries it.
    ``directory_id`` (``d-`` and 10 hex digits) prefixes the principal ids of its
    QuickSight-managed users and groups, as in QuickSight.
    """

    account_id: str
    account_name: str
    edition: Edition
    authentication_method: AuthenticationMethod
    notification_email: str
    region: str
    directory_id: str
    iam_identity_center_instance_arn: str | None
    status: str
    default_namespace: str
    termination_protection_enabled: bool
    public_sharing_enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AccountSettingsUpdate:
    """What UpdateAccountSettings asks for; ``None`` leaves a setting as it is."""

    default_namespace: str
    notification_email: str | None = None
    termination_protection_enabled: bool | None = None


# -- namespaces ------------------------------------------------------------------------


@dataclass(frozen=True)
class Namespace:
    """A namespace: an isolated set of users and groups inside an account."""

    namespace_id: str
    account_id: str
    name: str
    arn: str
    capacity_region: str
    creation_status: NamespaceStatus
    identity_store: IdentityStore
    created_at: datetime


# -- users -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRegistration:
    """What RegisterUser asks for.

    ``identity_store_user_id`` links an ``IAM_IDENTITY_CENTER`` user to its identity-store
    user (provisioning sets it); it then is the user's ``PrincipalId``.
    """

    identity_type: str
    email: str
    user_role: str
    user_name: str | None = None
    iam_arn: str | None = None
    session_name: str | None = None
    custom_permissions_name: str | None = None
    external_login_federation_provider_type: str | None = None
    custom_federation_provider_url: str | None = None
    external_login_id: str | None = None
    identity_store_user_id: str | None = None
    tags: tuple[Tag, ...] = ()

    def validated(self, account_id: str) -> UserRegistration:
        """This registration with enums parsed and the user name resolved.

        For IAM identities the user name comes from ``iam_arn``: the IAM user's name, or
        ``<role name>/<session name>`` for a role (a given ``user_name`` is ignored, as
        QuickSight does); the identity must belong to ``account_id``. ``IamArn`` is
        optional in the API: without it the user is the IAM user named ``user_name``.
        """
        identity_type = parse_enum(IdentityType, self.identity_type, "IdentityType")
        user_name, iam_arn, session_name = self.user_name, self.iam_arn, self.session_name
        if identity_type is IdentityType.IAM and iam_arn is not None:
            user_name, iam_arn, session_name = _iam_identity(account_id, iam_arn, session_name)
        elif identity_type is IdentityType.IAM:
            if session_name is not None:
                raise ValidationError("SessionName", "is only for IAM roles, named by IamArn")
            if user_name is None:
                raise ValidationError("UserName", "is required with IdentityType IAM and no IamArn")
        else:
            if iam_arn is not None or session_name is not None:
                field = "IamArn" if iam_arn is not None else "SessionName"
                raise ValidationError(field, "is only allowed with IdentityType IAM")
            if user_name is None:
                raise ValidationError("UserName", f"is required with IdentityType {identity_type}")
        if self.identity_store_user_id is not None and (
            identity_type is not IdentityType.IAM_IDENTITY_CENTER
        ):
            raise ValidationError(
                "IdentityStoreUserId", "is only allowed with IdentityType IAM_IDENTITY_CENTER"
            )
        if self.external_login_federation_provider_type == ExternalLoginProvider.NONE:
            raise ValidationError("ExternalLoginFederationProviderType", "NONE is for updates")
        parse_external_login(
            self.external_login_federation_provider_type,
            self.custom_federation_provider_url,
            self.external_login_id,
        )
        return replace(
            self,
            identity_type=identity_type,
            email=validate_email_address(self.email, "Email"),
            user_role=parse_role(self.user_role, "UserRole"),
            user_name=validate_user_name(user_name),
            iam_arn=iam_arn,
            session_name=session_name,
            custom_permissions_name=validate_custom_permissions(self.custom_permissions_name),
            tags=validate_tags(self.tags),
        )

    def external_login(self) -> ExternalLogin | None:
        """The external login this registration asks for, if any."""
        return parse_external_login(
            self.external_login_federation_provider_type,
            self.custom_federation_provider_url,
            self.external_login_id,
        )


@dataclass(frozen=True)
class User:
    """A user of one namespace (invisible from every other namespace)."""

    user_id: str
    account_id: str
    namespace: str
    user_name: str
    arn: str
    email: str
    role: Role
    identity_type: IdentityType
    active: bool
    principal_id: str
    iam_arn: str | None
    custom_permissions_name: str | None
    external_login: ExternalLogin | None
    identity_store_user_id: str | None
    source: Source
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UserUpdate:
    """What UpdateUser asks for (``Email`` and ``Role`` are required there too).

    ``None`` leaves an optional setting as it is; ``unapply_custom_permissions`` removes
    the custom permissions profile; provider type ``NONE`` removes the external login.
    ``active`` is not part of UpdateUser: provisioning uses it to (de)activate a user.
    """

    email: str
    role: str
    custom_permissions_name: str | None = None
    unapply_custom_permissions: bool = False
    external_login_federation_provider_type: str | None = None
    custom_federation_provider_url: str | None = None
    external_login_id: str | None = None
    active: bool | None = None

    def apply_to(self, user: User) -> User:
        """``user`` as this update leaves it, or a ``ValidationError``."""
        if self.unapply_custom_permissions and self.custom_permissions_name is not None:
            raise ValidationError(
                "UnapplyCustomPermissions", "cannot be combined with CustomPermissionsName"
            )
        permissions = user.custom_permissions_name
        if self.unapply_custom_permissions:
            permissions = None
        elif self.custom_permissions_name is not None:
            permissions = validate_custom_permissions(self.custom_permissions_name)
        external_login = user.external_login
        if self.external_login_federation_provider_type is not None:
            external_login = parse_external_login(
                self.external_login_federation_provider_type,
                self.custom_federation_provider_url,
                self.external_login_id,
            )
        elif self.custom_federation_provider_url is not None or self.external_login_id is not None:
            raise ValidationError(
                "ExternalLoginFederationProviderType", "is required to change the external login"
            )
        return replace(
            user,
            email=validate_email_address(self.email, "Email"),
            role=parse_role(self.role, "Role"),
            custom_permissions_name=permissions,
            external_login=external_login,
            active=user.active if self.active is None else self.active,
        )


# -- groups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A group of one namespace."""

    group_id: str
    account_id: str
    namespace: str
    group_name: str
    arn: str
    description: str | None
    principal_id: str
    identity_store_group_id: str | None
    source: Source
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class GroupMember:
    """A member of a group, as QuickSight shows it: the user's ARN and name."""

    member_name: str
    arn: str


# -- validation ------------------------------------------------------------------------


def name_key(value: str) -> str:
    """The case-insensitive form under which names must be unique (NFKC + case folding)."""
    return unicodedata.normalize("NFKC", value).casefold()


def parse_enum(enum: type[E], value: object, field: str) -> E:
    """``value`` as a member of ``enum``, or a ``ValidationError`` listing the choices."""
    if isinstance(value, str) and value in enum._value2member_map_:
        return enum(value)
    choices = " | ".join(member.value for member in enum)
    raise ValidationError(field, f"{value!r} is not one of {choices}")


def parse_authentication_method(value: object) -> AuthenticationMethod:
    """An authentication method; ``ACTIVE_DIRECTORY`` is refused with the alternative."""
    if value == "ACTIVE_DIRECTORY":
        raise ValidationError(
            "AuthenticationMethod",
            "ACTIVE_DIRECTORY is not supported: connect your directory to an IdP and use "
            "IAM_IDENTITY_CENTER",
        )
    return parse_enum(AuthenticationMethod, value, "AuthenticationMethod")


def parse_role(value: object, field: str) -> Role:
    """A role; ``RESTRICTED_*`` are refused as QuickSight documents them as unavailable."""
    if isinstance(value, str) and value.startswith("RESTRICTED_"):
        raise ValidationError(field, f"{value} is not available")
    return parse_enum(Role, value, field)


def validate_account_name(value: object) -> str:
    """1 to 62 letters, digits and inner hyphens, not starting with ``d-`` or ``D-``."""
    if not isinstance(value, str) or not (0 < len(value) <= 62 and _ACCOUNT_NAME.fullmatch(value)):
        raise ValidationError(
            "AccountName",
            "must be 1 to 62 letters, digits and inner hyphens, not starting with d-",
        )
    return value


def validate_namespace_name(value: object, field: str = "Namespace") -> str:
    """1 to 64 letters, digits, ``.``, ``_`` or ``-``."""
    if not isinstance(value, str) or not _NAMESPACE.fullmatch(value):
        raise ValidationError(field, "must be 1 to 64 letters, digits, '.', '_' or '-'")
    return value


def validate_region(value: object) -> str:
    """An AWS region name such as ``us-east-1``."""
    if not isinstance(value, str) or not _REGION.fullmatch(value):
        raise ValidationError("Region", f"{value!r} is not a region name such as us-east-1")
    return value


def validate_instance_arn(value: object) -> str:
    """An IAM Identity Center instance ARN (``arn:aws:sso:::instance/ssoins-...``)."""
    if not isinstance(value, str) or not _INSTANCE_ARN.fullmatch(value):
        raise ValidationError(
            "IAMIdentityCenterInstanceArn",
            "must be an instance ARN: arn:aws:sso:::instance/ssoins-<16 hex digits>",
        )
    return value


def validate_user_name(value: object, field: str = "UserName") -> str:
    """A user name: 1 to 256 characters from U+0020 to U+00FF."""
    return _latin1_name(value, field, MAX_USER_NAME_LENGTH)


def validate_group_name(value: object, field: str = "GroupName") -> str:
    """A group name: 1 to 128 characters from U+0020 to U+00FF."""
    return _latin1_name(value, field, MAX_GROUP_NAME_LENGTH)


def validate_description(value: str | None) -> str | None:
    """A group description: 1 to 512 characters, or none."""
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_DESCRIPTION_LENGTH:
        raise ValidationError("Description", f"must be 1 to {MAX_DESCRIPTION_LENGTH} characters")
    return validate_text(value, "Description")


def validate_text(value: str, field: str) -> str:
    """``value`` if it is text that can be stored: no lone surrogate (``\ud800``), which no
    database encoding holds (CLI arguments and YAML can carry them; JSON bodies are
    refused earlier by ``platform.jsontext``)."""
    if has_surrogate(value):
        raise ValidationError(field, "holds a lone surrogate (U+D800 to U+DFFF), not a character")
    return value


def validate_email_address(value: object, field: str) -> str:
    """A syntactically valid e-mail address (deliverability is not checked)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "is required")
    validate_text(value, field)
    try:
        validate_email(value.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise ValidationError(field, f"{value!r} is not an e-mail address") from error
    return value.strip()


def validate_custom_permissions(value: str | None) -> str | None:
    """A custom permissions profile name: 1 to 64 of ``a-zA-Z0-9+=,.@_-``."""
    if value is not None and not _CUSTOM_PERMISSIONS.fullmatch(value):
        raise ValidationError("CustomPermissionsName", "must be 1 to 64 letters, digits or +=,.@_-")
    return value


def validate_tags(tags: tuple[Tag, ...] | list[Tag]) -> tuple[Tag, ...]:
    """At most 50 tags with distinct keys of 1 to 128 and values of 0 to 256 characters."""
    if len(tags) > MAX_TAGS:
        raise ValidationError("Tags", f"at most {MAX_TAGS} tags")
    for tag in tags:
        validate_tag_key(tag.key)
        if not isinstance(tag.value, str) or len(tag.value) > 256:
            raise ValidationError("Tags", "a tag value is a string of at most 256 characters")
        validate_text(tag.value, "Tags")
    if len({tag.key for tag in tags}) != len(tags):
        raise ValidationError("Tags", "the same key appears twice")
    return tuple(tags)


def validate_tag_key(key: object) -> str:
    """A tag key: 1 to 128 characters."""
    if not isinstance(key, str) or not 0 < len(key) <= 128:
        raise ValidationError("TagKeys", "a tag key is 1 to 128 characters")
    return validate_text(key, "TagKeys")


def parse_external_login(
    provider_type: str | None, provider_url: str | None, login_id: str | None
) -> ExternalLogin | None:
    """The external login asked for; ``None`` for none (or ``NONE``, which clears one).

    COGNITO has a fixed provider URL, so giving one is an error; CUSTOM_OIDC needs one.
    """
    if provider_type is None or provider_type == ExternalLoginProvider.NONE:
        if provider_url is not None or login_id is not None:
            raise ValidationError(
                "ExternalLoginFederationProviderType",
                "is required with CustomFederationProviderUrl or ExternalLoginId",
            )
        return None
    provider = parse_enum(
        ExternalLoginProvider, provider_type, "ExternalLoginFederationProviderType"
    )
    if provider is ExternalLoginProvider.COGNITO:
        if provider_url is not None:
            raise ValidationError("CustomFederationProviderUrl", "is only for CUSTOM_OIDC")
        provider_url = COGNITO_PROVIDER_URL
    elif provider_url is None or not _URL.fullmatch(provider_url):
        raise ValidationError("CustomFederationProviderUrl", "CUSTOM_OIDC needs an https URL")
    validate_text(provider_url, "CustomFederationProviderUrl")
    if login_id is not None and not 0 < len(login_id) <= 256:
        raise ValidationError("ExternalLoginId", "must be 1 to 256 characters")
    if login_id is not None:
        validate_text(login_id, "ExternalLoginId")
    return ExternalLogin(provider, provider_url, login_id)


def iam_principal_id(iam_arn: str, session_name: str | None) -> str:
    """A stable ``federated/iam/...`` principal id for an IAM identity.

    IAM's unique ids (``AIDA...`` users, ``AROA...`` roles) are unknown here, so one of
    the same shape is derived from the ARN: the same identity always gets the same id.
    """
    prefix = "AROA" if ":role/" in iam_arn else "AIDA"
    digest = base64.b32encode(hashlib.sha256(iam_arn.encode()).digest()).decode()[:17]
    principal = f"federated/iam/{prefix}{digest}"
    return f"{principal}:{session_name}" if session_name else principal


def _iam_identity(
    account_id: str, iam_arn: str, session_name: str | None
) -> tuple[str, str, str | None]:
    """(user name, IAM ARN, session name) of an IAM registration that names its identity."""
    match = _IAM_ARN.fullmatch(iam_arn)
    if match is None:
        raise ValidationError("IamArn", "must be the ARN of an IAM user or role")
    if match["account"] != account_id:
        raise ValidationError("IamArn", f"must be an IAM user or role of account {account_id}")
    if match["kind"] == "user":
        if session_name is not None:
            raise ValidationError("SessionName", "is only for IAM roles")
        return match["name"], iam_arn, None
    if session_name is None or not _SESSION_NAME.fullmatch(session_name):
        raise ValidationError(
            "SessionName", "an IAM role needs a session name of 2 to 64 characters"
        )
    return f"{match['name']}/{session_name}", iam_arn, session_name


def _latin1_name(value: object, field: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "is required")
    if len(value) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    if not _LATIN1.fullmatch(value):
        raise ValidationError(field, "may contain only characters from U+0020 to U+00FF")
    return value
