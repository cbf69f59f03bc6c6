"""sightgate: embedded analytics with an identity store fed by SCIM."""

__version__ = "0.1.0"
