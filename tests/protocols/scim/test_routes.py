"""Where a SCIM list request runs: only an index lookup may run on the event loop."""

from __future__ import annotations

import pytest

from sightgate.protocols.scim.routes import is_lookup


@pytest.mark.parametrize(
    ("kind", "params", "expected"),
    [
        ("Users", {"filter": 'userName eq "a"'}, True),
        ("Users", {"Filter": 'userName eq "a"', "count": "1000"}, True),
        ("Groups", {"filter": 'displayName eq "g"'}, True),
        ("Users", {}, False),  # a page of the whole store, and its total
        ("Users", {"startIndex": "50000"}, False),
        ("Users", {"filter": 'userName co "a"'}, False),
        ("Users", {"filter": "userName pr"}, False),
        ("Groups", {"filter": 'members eq "u"'}, False),
        # The filter ListQuery reads is the last spelling: it decides, not the first one.
        ("Users", {"filter": 'userName eq "a"', "FILTER": 'title co "x"'}, False),
    ],
)
def test_only_an_index_lookup_runs_in_place(
    kind: str, params: dict[str, str], expected: bool
) -> None:
    assert is_lookup(kind, params) is expected
