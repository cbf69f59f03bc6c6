"""SCIM filters compiled to SQL, evaluated on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import AttrPath, CompareOperator, Comparison, ValuePath
from sqlalchemy import func, insert, text, update

from sightgate.bootstrap import Services
from sightgate.identity import repository, search_statements
from sightgate.identity import tables as t
from sightgate.identity.filtering import (
    _SIMPLE_COMPARISON,
    MAX_FILTER_COMPARISONS,
    MAX_FILTER_LENGTH,
    MAX_FILTER_VALUE_PATHS,
    SCIM_ISSUER,
    FilterError,
    group_filter,
    group_sort_column,
    is_key_lookup,
    parse_filter,
    user_filter,
    user_sort_column,
)
from sightgate.identity.model import (
    Email,
    Enterprise,
    ExternalId,
    GroupFields,
    Name,
    User,
    UserFields,
    unique_key,
)
from sightgate.identity.repository import GROUP, USER
from sightgate.platform.db import Database
from sightgate.platform.errors import ValidationError
from sightgate.platform.events import Actor

ACTOR = Actor("test", "filtering")
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ODD = "100%_real\\deal"  # LIKE's wildcards and escape character in a user name


@dataclass(frozen=True)
class Directory:
    """The users and groups every filter test runs against."""

    users: dict[str, User]
    groups: dict[str, str]  # display name -> group id


@pytest.fixture
def directory(services: Services, store_id: str) -> Directory:
    """Five users (created in this order) and three groups."""
    ids = services.identity

    def add(fields: UserFields) -> User:
        return ids.create_user(store_id, fields, ACTOR)

    omalley = add(
        UserFields(
            user_name="OMalley",
            name=Name(family_name="Employee", given_name="O"),
            emails=(Email("omalley@example.org", "work", True),),
        )
    )
    bjensen = add(
        UserFields(
            user_name="bjensen",
            display_name="Barbara Jensen",
            name=Name(family_name="Jensen", given_name="Barbara"),
            title="Tour Guide",
            emails=(
                Email("bjensen@example.com", "work", True),
                Email("babs@jensen.org", "home"),
            ),
            external_ids=(ExternalId(SCIM_ISSUER, "ext-BJ"), ExternalId("okta", "00u-okta")),
            enterprise=Enterprise(
                department="Sales", employee_number="701984", manager_id=omalley.user_id
            ),
        )
    )
    jsmith = add(
        UserFields(
            user_name="jsmith",
            display_name="John Smith",
            name=Name(family_name="Employee"),
            title="TOUR GUIDE",
            emails=(Email("js@example.net", "work", True), Email("john@example.com", "home")),
        )
    )
    emp3 = add(
        UserFields(
            user_name="emp3",
            name=Name(family_name="Employee"),
            title="Manager",
            active=False,
            emails=(Email("emp3@example.com"),),
        )
    )
    odd = add(UserFields(user_name=ODD, external_ids=(ExternalId(SCIM_ISSUER, "ext-odd"),)))

    groups: dict[str, str] = {}
    for name, members, external in [
        ("Admins", [bjensen, jsmith], ()),
        ("Sales Team", [omalley], ()),
        ("Empty", [], (ExternalId(SCIM_ISSUER, "g-ext"),)),
    ]:
        group = ids.create_group(store_id, GroupFields(name, external_ids=external), ACTOR)
        ids.add_members(store_id, group.group_id, [u.user_id for u in members], ACTOR)
        groups[name] = group.group_id
    return Directory({u.user_name: u for u in (omalley, bjensen, jsmith, emp3, odd)}, groups)


def user_names(db: Database, store_id: str, scim_filter: str) -> set[str]:
    bound = user_filter(scim_filter)
    query = repository.user_query(store_id).where(bound.condition)
    with db.read() as conn:
        found = repository.select_users(conn, query, bound.params)
    return {u.user_name for u in found}


def group_names(db: Database, store_id: str, scim_filter: str) -> set[str]:
    bound = group_filter(scim_filter)
    query = repository.group_query(store_id).where(bound.condition)
    with db.read() as conn:
        found = repository.select_groups(conn, query, bound.params)
    return {g.display_name for g in found}


def check_users(db: Database, store_id: str, cases: dict[str, set[str]]) -> None:
    """Compare all cases at once, so a failure shows every filter that went wrong."""
    assert {f: user_names(db, store_id, f) for f in cases} == cases


ALL = {"OMalley", "bjensen", "jsmith", "emp3", ODD}


def test_every_operator_on_a_case_insensitive_string(
    db: Database, store_id: str, directory: Directory
) -> None:
    check_users(
        db,
        store_id,
        {
            'title eq "tour guide"': {"bjensen", "jsmith"},
            'title ne "tour guide"': {"OMalley", "emp3", ODD},
            'title co "OUR"': {"bjensen", "jsmith"},
            'title sw "tour"': {"bjensen", "jsmith"},
            'title ew "GER"': {"emp3"},
            'title gt "n"': {"bjensen", "jsmith"},
            'title ge "TOUR GUIDE"': {"bjensen", "jsmith"},
            'title lt "n"': {"emp3"},
            'title le "manager"': {"emp3"},
            "title pr": {"bjensen", "jsmith", "emp3"},
            'displayName eq "barbara JENSEN"': {"bjensen"},
            'name.givenName co "arb"': {"bjensen"},
        },
    )


def test_missing_values_never_match_eq_and_always_match_ne_and_not(
    db: Database, store_id: str, directory: Directory
) -> None:
    check_users(
        db,
        store_id,
        {
            "title eq null": {"OMalley", ODD},
            "title ne null": {"bjensen", "jsmith", "emp3"},
            'not (title eq "tour guide")': {"OMalley", "emp3", ODD},
            'not (title ne "manager")': {"emp3"},
            'not (title co "x")': ALL,
            "not (title pr)": {"OMalley", ODD},
            'not (not (title eq "Manager"))': {"emp3"},
            'not (title eq "manager" or name.familyName eq "employee")': {"bjensen", ODD},
        },
    )


def test_and_binds_tighter_than_or_and_parentheses_group(
    db: Database, store_id: str, directory: Directory
) -> None:
    check_users(
        db,
        store_id,
        {
            'userName eq "jsmith" or userName eq "bjensen" and active eq false': {"jsmith"},
            '(userName eq "jsmith" or userName eq "bjensen") and active eq false': set(),
            '(userName eq "jsmith" or userName eq "emp3") and active eq false': {"emp3"},
            'active eq true and title pr and not (userName eq "bjensen")': {"jsmith"},
        },
    )


def test_user_name_is_case_insensitive_and_id_is_case_exact(
    db: Database, store_id: str, directory: Directory
) -> None:
    user_id = directory.users["bjensen"].user_id
    check_users(
        db,
        store_id,
        {
            'userName eq "BJENSEN"': {"bjensen"},
            'USERNAME Eq "omalley"': {"OMalley"},
            'userName sw "o"': {"OMalley"},
            'userName ew "SEN"': {"bjensen"},
            'userName gt "j"': {"jsmith", "OMalley"},
            f'id eq "{user_id}"': {"bjensen"},
            f'id eq "{user_id.upper()}"': set(),
            f'id sw "{user_id.upper()}"': set(),
            f'id co "{user_id.upper()}"': set(),
            f'id sw "{user_id[:20]}"': {"bjensen"},
            f'id ew "{user_id[-12:]}"': {"bjensen"},
            f'id co "{user_id[5:30]}"': {"bjensen"},
            'id co ""': ALL,
            f'id ne "{user_id}"': ALL - {"bjensen"},
        },
    )


def test_external_id_is_the_scim_issuers_and_case_exact(
    db: Database, store_id: str, directory: Directory
) -> None:
    check_users(
        db,
        store_id,
        {
            'externalId eq "ext-BJ"': {"bjensen"},
            'externalId eq "ext-bj"': set(),
            'externalId eq "00u-okta"': set(),  # another issuer's id
            'externalId sw "ext-"': {"bjensen", ODD},
            "externalId pr": {"bjensen", ODD},
            'externalId ne "ext-BJ"': ALL - {"bjensen"},
            "externalId eq null": {"OMalley", "jsmith", "emp3"},
            "not (externalId pr)": {"OMalley", "jsmith", "emp3"},
        },
    )


def test_emails_and_value_paths(db: Database, store_id: str, directory: Directory) -> None:
    with db.write() as conn:  # the service does not keep an e-mail's display name yet
        conn.execute(
            update(t.user_emails)
            .where(t.user_emails.c.value == "babs@jensen.org")
            .values(display="Babs at Home")
        )
    check_users(
        db,
        store_id,
        {
            # Both conditions must hold for the same e-mail: jsmith's example.com is "home".
            'emails[type eq "work" and value co "@example.com"]': {"bjensen"},
            'emails.type eq "work" and emails.value co "@example.com"': {"bjensen", "jsmith"},
            'emails[type eq "WORK"]': {"OMalley", "bjensen", "jsmith"},
            'emails co "EXAMPLE.ORG"': {"OMalley"},
            'emails.value eq "BJensen@Example.com"': {"bjensen"},
            'emails[type eq "work"].value eq "js@example.net"': {"jsmith"},
            'emails.value ne "js@example.net"': ALL - {"jsmith"},
            "emails pr": ALL - {ODD},
            "not (emails pr)": {ODD},
            "emails.primary eq true": {"OMalley", "bjensen", "jsmith"},
            "emails[primary eq false and type pr]": {"bjensen", "jsmith"},
            "emails[type eq null]": {"emp3"},
            "emails.type eq null": {"emp3", ODD},
            'emails[not (type eq "work")]': {"bjensen", "jsmith", "emp3"},
            'emails.display co "HOME"': {"bjensen"},
            'emails[display pr and type eq "work"]': set(),
            "not (emails.display pr)": ALL - {"bjensen"},
            'urn:ietf:params:scim:schemas:core:2.0:User:emails[value ew ".net"]': {"jsmith"},
        },
    )


def test_like_wildcards_in_values_are_literal(
    db: Database, store_id: str, directory: Directory
) -> None:
    check_users(
        db,
        store_id,
        {
            'userName co "%"': {ODD},
            'userName co "_"': {ODD},
            'userName co "\\\\"': {ODD},
            'userName sw "100%_real\\\\d"': {ODD},
            'userName co "j%n"': set(),
            'userName co "e_p"': set(),
            'title co "%"': set(),
        },
    )


def test_enterprise_and_core_schema_urns(db: Database, store_id: str, directory: Directory) -> None:
    manager_id = directory.users["OMalley"].user_id
    check_users(
        db,
        store_id,
        {
            f'{ENTERPRISE}:department eq "sales"': {"bjensen"},
            'department eq "SALES"': {"bjensen"},
            f'{ENTERPRISE}:manager.value eq "{manager_id}"': {"bjensen"},
            f'{ENTERPRISE}:manager eq "{manager_id}"': {"bjensen"},
            f'manager.value eq "{manager_id.upper()}"': set(),
            f'{ENTERPRISE.upper()}:employeeNumber eq "701984"': {"bjensen"},
            f'{CORE}:name.familyName eq "jensen"': {"bjensen"},
            f'{CORE}:userName eq "EMP3"': {"emp3"},
        },
    )


def test_booleans(db: Database, store_id: str, directory: Directory) -> None:
    check_users(
        db,
        store_id,
        {
            "active eq false": {"emp3"},
            "active ne true": {"emp3"},
            "active eq True": ALL - {"emp3"},
            "active pr": ALL,
        },
    )


def test_datetimes_with_offsets_and_long_fractions(
    db: Database, store_id: str, directory: Directory
) -> None:
    created = directory.users["bjensen"].created_at
    # The same instant as Entra writes it: -07:00 and a seventh fraction digit.
    local = created.astimezone(timezone(timedelta(hours=-7)))
    entra = local.strftime("%Y-%m-%dT%H:%M:%S.%f") + "9-07:00"
    check_users(
        db,
        store_id,
        {
            'meta.created gt "2015-10-10T14:38:21.8617979-07:00"': ALL,
            'meta.lastModified lt "2015-10-10T14:38:21Z"': set(),
            f'meta.created eq "{entra}"': {"bjensen"},
            f'meta.created ge "{entra}"': ALL - {"OMalley"},
            f'meta.created lt "{entra}"': {"OMalley"},
            f'meta.created le "{created.isoformat()}"': {"OMalley", "bjensen"},
            f'meta.created gt "{created.replace(tzinfo=None).isoformat()}"': {
                "jsmith",
                "emp3",
                ODD,
            },
        },
    )


def test_the_unquoted_filters_of_the_entra_collection(
    db: Database, store_id: str, directory: Directory
) -> None:
    check_users(
        db,
        store_id,
        {
            "name.FamilyName eq Employee and "
            "(emails.Value co example.com or emails.Value co example.org)": {
                "OMalley",
                "jsmith",
                "emp3",
            },
            "userName sw O": {"OMalley"},
            "meta.Created gt 2015-10-10T14:38:21.8617979-07:00": ALL,
            "DisplayName eq BobIsAmazing": set(),
        },
    )


def test_injection_attempts_are_plain_values(
    db: Database, store_id: str, directory: Directory
) -> None:
    check_users(
        db,
        store_id,
        {
            "userName eq \"x' OR '1'='1\"": set(),
            'userName co "\' OR 1=1 --"': set(),
            'title eq "\'; DROP TABLE identity_users; --"': set(),
            'emails[value eq "x\\" or \\"1\\"=\\"1"]': set(),
        },
    )
    assert user_names(db, store_id, "userName pr") == ALL


def test_group_filters(db: Database, store_id: str, directory: Directory) -> None:
    bjensen = directory.users["bjensen"].user_id
    omalley = directory.users["OMalley"].user_id
    admins = directory.groups["Admins"]
    cases = {
        f'members[value eq "{bjensen}"]': {"Admins"},
        f'members[value eq "{bjensen.upper()}"]': set(),
        f'members.value eq "{omalley}"': {"Sales Team"},
        f'members eq "{directory.users["jsmith"].user_id}"': {"Admins"},
        f'id eq "{admins}" and members[value eq "{bjensen}"]': {"Admins"},
        f'id eq "{admins}" and members[value eq "{omalley}"]': set(),
        f'members.value ne "{bjensen}"': {"Sales Team", "Empty"},
        "members pr": {"Admins", "Sales Team"},
        "not (members pr)": {"Empty"},
        'displayName eq "ADMINS"': {"Admins"},
        'displayName sw "sales t"': {"Sales Team"},
        'urn:ietf:params:scim:schemas:core:2.0:Group:displayName co "mIn"': {"Admins"},
        'externalId eq "g-ext"': {"Empty"},
        "externalId pr": {"Empty"},
        "meta.created gt 2015-10-10T14:38:21.8617979-07:00": {"Admins", "Sales Team", "Empty"},
        'meta.lastModified lt "2015-10-10T14:38:21Z"': set(),
    }
    assert {f: group_names(db, store_id, f) for f in cases} == cases


def test_conditions_select_only_their_own_store(
    services: Services, db: Database, store_id: str, directory: Directory
) -> None:
    from sightgate.identity.model import InstanceType

    other = services.instances.create(
        type_=InstanceType.ACCOUNT, owner_account_id="444455556666", actor=ACTOR
    ).identity_store_id
    services.identity.create_user(
        other,
        UserFields(user_name="bjensen", external_ids=(ExternalId(SCIM_ISSUER, "ext-BJ"),)),
        ACTOR,
    )
    assert user_names(db, store_id, 'externalId eq "ext-BJ"') == {"bjensen"}
    assert len(user_names(db, other, 'userName eq "bjensen"')) == 1


def test_sort_columns_order_case_insensitively(
    db: Database, store_id: str, directory: Directory
) -> None:
    def order(column_of: str, scim_filter: str = "userName pr") -> list[str]:
        bound = user_filter(scim_filter)
        query = (
            repository.user_query(store_id)
            .where(bound.condition)
            .order_by(user_sort_column(column_of), t.users.c.user_name_key)
        )
        with db.read() as conn:
            return [u.user_name for u in repository.select_users(conn, query, bound.params)]

    assert order("userName") == [ODD, "bjensen", "emp3", "jsmith", "OMalley"]
    assert order("meta.created") == ["OMalley", "bjensen", "jsmith", "emp3", ODD]
    assert order(f"{CORE}:name.familyName", "name.familyName pr") == [
        "emp3",
        "jsmith",
        "OMalley",
        "bjensen",
    ]
    assert order("title", "title pr") == ["emp3", "bjensen", "jsmith"]


def test_sort_columns() -> None:
    assert user_sort_column("userName") is t.users.c.user_name_key
    assert user_sort_column("ID") is t.users.c.user_id
    assert user_sort_column("meta.lastModified") is t.users.c.updated_at
    assert user_sort_column(f"{ENTERPRISE}:department").compare(func.lower(t.users.c.department))
    assert str(user_sort_column("name.familyName")) == "lower(identity_users.family_name)"
    assert group_sort_column("displayName") is t.groups.c.display_name_key
    assert group_sort_column("meta.created") is t.groups.c.created_at


@pytest.mark.parametrize(
    ("sort_by", "reason"),
    [
        ("emails", "sorting by emails is not supported"),
        ("phoneNumbers", "sorting by phoneNumbers is not supported"),
        ("nickname.x", "unknown attribute 'nickname.x'"),
        ("name", "'name' is a complex attribute: name one of its sub-attributes"),
        ('emails[type eq "work"]', "'emails[type eq \"work\"]' is not an attribute path"),
        ("a b", "'a b' is not an attribute path"),
        ("", "'' is not an attribute path"),
    ],
)
def test_unsupported_sort_attributes(sort_by: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        user_sort_column(sort_by)
    assert (caught.value.field, caught.value.reason) == ("sortBy", reason)


def test_unsupported_group_sort_attribute() -> None:
    with pytest.raises(ValidationError, match="sorting by members is not supported"):
        group_sort_column("members")


@pytest.mark.parametrize(
    ("scim_filter", "reason"),
    [
        ("userName eq", "invalid syntax at column 10"),
        ("", "invalid syntax at column 1"),
        ('userName regex "a"', "invalid syntax at column 10"),
        ("userName sw O and (", "invalid syntax at column 13"),  # still wrong after quoting
        ('foo eq "x"', "unknown attribute 'foo'"),
        ('urn:example:Foo:userName eq "x"', "unknown attribute 'urn:example:Foo:userName'"),
        (f'{CORE}:department eq "x"', f"unknown attribute '{CORE}:department'"),
        ('members eq "x"', "unknown attribute 'members'"),
        ('emails[value.x eq "x"]', "unknown attribute 'emails.value.x'"),
        ('emails.home eq "x"', "unknown attribute 'emails.home'"),
        ('name eq "x"', "'name' is a complex attribute: name one of its sub-attributes"),
        ('phoneNumbers.value eq "1"', "filtering on phoneNumbers is not supported"),
        ('phoneNumbers[type eq "work"]', "filtering on phoneNumbers is not supported"),
        ('title[value eq "x"]', "'title' is not a multi-valued attribute that can be filtered"),
        ("active gt true", "'active' is a boolean: gt does not apply"),
        ('active eq "true"', "'active' expects true or false, got \"true\""),
        ('emails.primary co "t"', "'emails.primary' is a boolean: co does not apply"),
        ('meta.created co "2015"', "'meta.created' is a dateTime: co does not apply"),
        (
            'meta.created gt "yesterday"',
            "'meta.created' expects a dateTime such as 2015-10-10T14:38:21Z, got \"yesterday\"",
        ),
        ("title eq 1.5", "'title' expects a string, got 1.5"),
        ("userName gt 5", "'userName' expects a string, got 5"),
        ("employeeNumber eq 701984", "'employeeNumber' expects a string, got 701984"),
        ("id eq 7", "'id' expects a string, got 7"),
        ("emails.value eq 1", "'emails.value' expects a string, got 1"),
        ("emails[type eq false]", "'emails.type' expects a string, got false"),
        ("active eq 1", "'active' expects true or false, got 1"),
        ("emails.primary eq 0", "'emails.primary' expects true or false, got 0"),
        (
            "meta.created gt 2015",
            "'meta.created' expects a dateTime such as 2015-10-10T14:38:21Z, got 2015",
        ),
        (
            "meta.lastModified lt true",
            "'meta.lastModified' expects a dateTime such as 2015-10-10T14:38:21Z, got true",
        ),
        ("title eq true", "'title' expects a string, got true"),
        ("title gt null", "'title' can be compared with null only by eq or ne"),
        ('title eq "a\\u0000b"', "'title': the value contains a NUL or an unpaired surrogate"),
        ('title eq "\\ud800"', "'title': the value contains a NUL or an unpaired surrogate"),
        (
            'title eq "' + "x" * 4_096 + '"',
            "the filter is 4107 characters long; the limit is 4096",
        ),
        (
            " or ".join(['title eq "x"'] * 51),
            "the filter has 51 comparisons; the limit is 50",
        ),
        (
            " or ".join(['emails[value co "x"] or title co "y"'] * 26),
            "the filter has 52 comparisons; the limit is 50",
        ),
        (
            "not (" * 5 + " and ".join(["userName pr"] * 51) + ")" * 5,
            "the filter has 51 comparisons; the limit is 50",
        ),
        (
            " or ".join(['emails[value co "x"]'] * 11),
            "the filter has 11 value paths; the limit is 10",
        ),
    ],
)
def test_invalid_user_filters(scim_filter: str, reason: str) -> None:
    with pytest.raises(FilterError) as caught:
        user_filter(scim_filter)
    assert isinstance(caught.value, ValidationError)
    assert (caught.value.field, caught.value.reason) == ("filter", reason)


def test_invalid_group_filter() -> None:
    with pytest.raises(FilterError, match="unknown attribute 'userName'"):
        group_filter('userName eq "x"')


def test_a_filter_of_the_maximum_length_is_accepted() -> None:
    scim_filter = 'title eq "' + "x" * 4_085 + '"'
    assert len(scim_filter) == MAX_FILTER_LENGTH
    user_filter(scim_filter)


def test_a_filter_at_the_cost_limits_is_accepted() -> None:
    value_paths = " or ".join(['emails[type eq "work" and value co "x"]'] * 10)
    rest = " or ".join(['title co "y"'] * 30)
    scim_filter = f"{value_paths} or {rest}"
    assert scim_filter.count(" co ") + scim_filter.count(" eq ") == MAX_FILTER_COMPARISONS
    assert scim_filter.count("[") == MAX_FILTER_VALUE_PATHS
    user_filter(scim_filter)


@pytest.mark.parametrize(
    ("scim_filter", "resource_type", "expected"),
    [
        ('userName eq "alice"', USER, True),
        ('UserName EQ "alice"', USER, True),
        ('id eq "x"', USER, True),
        ('displayName eq "admins"', GROUP, True),
        ('id eq "x"', GROUP, True),
        ('displayName eq "Alice"', USER, False),  # not a key of users
        ('userName co "alice"', USER, False),
        ('userName sw "a"', USER, False),
        ('userName gt "a"', USER, False),
        ("userName pr", USER, False),
        ('externalId eq "x"', USER, False),  # an EXISTS per row, not an index lookup
        ('emails.value eq "a@example.com"', USER, False),
        ('userName eq "a" or title co "b"', USER, False),
        ('name.familyName eq "x"', USER, False),
    ],
)
def test_only_an_eq_on_an_indexed_key_is_a_key_lookup(
    scim_filter: str, resource_type: str, expected: bool
) -> None:
    assert is_key_lookup(scim_filter, resource_type) is expected


def test_a_patch_path_is_not_a_filter() -> None:
    node = ValuePath(
        AttrPath("emails"), Comparison(AttrPath("type"), CompareOperator.eq, "work"), "value"
    )
    with pytest.raises(FilterError, match="is a PATCH path, not a filter"):
        user_filter(node)


def test_a_datetime_value_may_already_be_parsed() -> None:
    moment = datetime(2015, 10, 10, 14, 38, tzinfo=timezone(timedelta(hours=-7)))
    node = Comparison(AttrPath("meta", "created"), CompareOperator.gt, moment)
    assert list(user_filter(node).params.values()) == [datetime(2015, 10, 10, 21, 38, tzinfo=UTC)]


def test_user_name_eq_compiles_to_the_indexed_key_column() -> None:
    bound = user_filter('userName eq "BJensen"')
    assert str(bound.condition.compile()) == "identity_users.user_name_key = :filter_0"
    assert bound.params == {"filter_0": unique_key("BJensen")}


def test_filters_that_differ_only_in_values_share_one_compiled_condition(
    db: Database, store_id: str, directory: Directory
) -> None:
    first = user_filter('userName eq "bjensen"')
    second = user_filter('userName eq "JSMITH"')
    assert first.shape == second.shape
    assert first.condition is second.condition
    assert (first.params, second.params) == ({"filter_0": "bjensen"}, {"filter_0": "jsmith"})
    assert user_names(db, store_id, 'userName eq "bjensen"') == {"bjensen"}
    assert user_names(db, store_id, 'userName eq "JSMITH"') == {"jsmith"}
    assert user_filter('title eq "bjensen"').condition is not first.condition


def test_a_value_decides_the_shape_by_its_type_and_emptiness(
    db: Database, store_id: str, directory: Directory
) -> None:
    assert user_filter("active eq true").condition is user_filter("active eq false").condition
    with pytest.raises(FilterError, match="'active' expects true or false, got \"true\""):
        user_filter('active eq "true"')
    # An empty operand of a case-exact `co` matches every value: a shape of its own.
    assert user_filter('externalId co ""').shape != user_filter('externalId co "BJ"').shape
    check_users(
        db,
        store_id,
        {'externalId co ""': {"bjensen", ODD}, 'externalId co "BJ"': {"bjensen"}},
    )


def test_a_kept_shape_still_checks_each_value() -> None:
    user_filter('meta.created gt "2015-10-10T14:38:21Z"')
    with pytest.raises(FilterError, match="expects a dateTime"):
        user_filter('meta.created gt "not a date"')
    user_filter('title eq "a b"')
    with pytest.raises(FilterError, match="contains a NUL"):
        user_filter('title eq "a\\u0000b"')


def test_searches_of_one_shape_share_their_statements() -> None:
    first = search_statements.user_search('userName eq "a"', "title", False)
    second = search_statements.user_search('userName eq "b"', "title", False)
    assert (first.window, first.count) == (second.window, second.count)
    assert (first.params, second.params) == ({"filter_0": "a"}, {"filter_0": "b"})
    other = search_statements.user_search('userName eq "a"', "title", True)
    assert other.window is not first.window
    assert search_statements.group_search(None, None, False).params == {}


def test_values_are_bound_parameters() -> None:
    bound = user_filter("id eq \"x' OR '1'='1\"")
    assert "OR '1'" not in str(bound.condition.compile())
    assert "x' OR '1'='1" in bound.params.values()


def test_user_name_eq_uses_the_unique_index(db: Database, store_id: str) -> None:
    """An index lookup on both stores, so the lookup stays fast at a million users."""
    now = datetime.now(UTC)
    rows = [
        {
            "user_id": str(uuid.uuid4()),
            "identity_store_id": store_id,
            "user_name": f"user{i}",
            "user_name_key": f"user{i}",
            "active": True,
            "extra": {},
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for i in range(3000)
    ]
    with db.write() as conn:
        conn.execute(insert(t.users), rows)
        conn.execute(text("ANALYZE identity_users" if db.dialect == "postgresql" else "ANALYZE"))
    bound = user_filter('userName eq "USER1234"')
    query = repository.user_query(store_id).where(bound.condition).params(bound.params)
    with db.read() as conn:
        assert [u.user_name for u in repository.select_users(conn, query)] == ["user1234"]
        if db.dialect == "postgresql":
            compiled = query.compile(dialect=conn.dialect)
            plan = "\n".join(
                row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
            )
        else:
            literal = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            plan = "\n".join(
                str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {literal}")
            )
    if db.dialect == "postgresql":
        assert "uq_identity_users_name" in plan
        assert "Index Scan" in plan or "Bitmap Index Scan" in plan
        assert "Seq Scan" not in plan
    else:
        assert "SEARCH identity_users USING INDEX" in plan, plan
        assert "user_name_key=?" in plan, plan


@pytest.mark.parametrize(
    "scim_filter",
    [
        'userName eq "bjensen@example.com"',
        'userName EQ "x"',
        ' userName eq "a b" ',
        'name.givenName sw "Bar"',
        'emails.value co "@example.com"',
        'externalId eq "00u-1_x"',
        'displayName eq "Ünïcode ✓"',
        'userName eq ""',
        'meta.lastModified gt "2011-05-13T04:42:34Z"',
    ],
)
def test_the_common_comparison_is_read_without_the_grammar_and_means_the_same(
    scim_filter: str,
) -> None:
    """``attr op "string"`` skips the parser; the tree is the one the parser builds."""
    assert _SIMPLE_COMPARISON.fullmatch(scim_filter)
    assert parse_filter(scim_filter) == ScimFilter(scim_filter).ast


@pytest.mark.parametrize(
    "scim_filter",
    [
        r'userName eq "a\"b"',  # escapes
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"',  # a URN
        'userName\teq "x"',  # not a space
        'userName eq "x" and active eq true',
        "userName eq 1",
        "userName pr",
        'userName xx "x"',
    ],
)
def test_anything_else_takes_the_parser(scim_filter: str) -> None:
    assert not _SIMPLE_COMPARISON.fullmatch(scim_filter)
    try:
        expected = ScimFilter(scim_filter).ast
    except InvalidFilterException:
        with pytest.raises(FilterError):
            parse_filter(scim_filter)
    else:
        assert parse_filter(scim_filter) == expected
