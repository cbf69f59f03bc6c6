"""End-to-end and fault tests of identity-driven provisioning: real ``sightgate serve``
servers, real ``sightgate worker`` processes, a SCIM client as the IdP and boto3 as the ISV."""
