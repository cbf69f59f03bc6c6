"""The demo scenario shipped with sightgate, and its loader."""
