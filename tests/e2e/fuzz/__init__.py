"""Fuzzing the real server: generated malformed and hostile requests on every route."""
