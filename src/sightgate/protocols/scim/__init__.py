"""The SCIM 2.0 service provider (RFC 7643, RFC 7644) over the identity store."""
