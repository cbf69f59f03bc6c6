"""``attributes`` and ``excludedAttributes`` (RFC 7644 §3.4.2.5) on SCIM resources."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ALWAYS_RETURNED = ("schemas", "id")
_FILTER = re.compile(r"\[[^\]]*\]")


def parse_attribute_list(value: str | list[str] | None) -> tuple[str, ...]:
    """Attribute paths from a comma-separated list (a value filter is ignored: Entra sends
    ``emails[type eq "work"]`` and means the attribute)."""
    if not value:
        return ()
    items = value if isinstance(value, list) else value.split(",")
    return tuple(p for p in (_FILTER.sub("", i).strip() for i in items) if p)


@dataclass(frozen=True)
class Projection:
    """Which attributes a response carries."""

    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def wants(self, attribute: str) -> bool:
        """Whether a top-level attribute is returned (lets callers skip loading it)."""
        lowered = attribute.lower()
        if self.attributes:
            return any(_top(p) == lowered for p in self.attributes)
        return not any(p.lower() == lowered for p in self.excluded)

    @property
    def is_default(self) -> bool:
        """No parameter was given."""
        return not self.attributes and not self.excluded

    def apply(self, resource: dict[str, Any], extension_ids: tuple[str, ...]) -> dict[str, Any]:
        """The resource reduced to what was asked for."""
        if self.attributes:
            result = {k: v for k, v in resource.items() if k in ALWAYS_RETURNED}
            for path in self.attributes:
                _copy_path(resource, result, _split(path, extension_ids))
            return result
        result = dict(resource)
        for path in self.excluded:
            _drop_path(result, _split(path, extension_ids))
        return result


def _top(path: str) -> str:
    return path.rsplit(":", 1)[-1].split(".")[0].lower()


def _split(path: str, extension_ids: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """(container key or None, [attribute, sub-attribute?]) for a path."""
    for extension in extension_ids:
        if path.lower().startswith(extension.lower() + ":"):
            return extension, path[len(extension) + 1 :].split(".")
        if path.lower() == extension.lower():
            return None, [extension]
    if path.lower().startswith("urn:"):
        path = path.rsplit(":", 1)[-1]
    return None, path.split(".")


def _key(data: dict[str, Any], name: str) -> str | None:
    lowered = name.lower()
    return next((k for k in data if k.lower() == lowered), None)


def _copy_path(
    source: dict[str, Any], target: dict[str, Any], split: tuple[str | None, list[str]]
) -> None:
    container, parts = split
    if container is not None:
        inner = source.get(container)
        if not isinstance(inner, dict):
            return
        copied = target.setdefault(container, {})
        _copy_path(inner, copied, (None, parts))
        if not copied:
            target.pop(container)
        return
    key = _key(source, parts[0])
    if key is None:
        return
    value = source[key]
    if len(parts) == 1:
        target[key] = value
        return
    if isinstance(value, dict):
        sub = _key(value, parts[1])
        if sub is not None:
            target.setdefault(key, {})[sub] = value[sub]
    elif isinstance(value, list):
        existing = target.get(key) or [{} for _ in value]
        for item, out in zip(value, existing, strict=True):
            sub = _key(item, parts[1]) if isinstance(item, dict) else None
            if sub is not None:
                out[sub] = item[sub]
        target[key] = existing


def _drop_path(data: dict[str, Any], split: tuple[str | None, list[str]]) -> None:
    container, parts = split
    if container is not None:
        inner = data.get(container)
        if isinstance(inner, dict):
            inner = dict(inner)
            _drop_path(inner, (None, parts))
            data[container] = inner
            if not inner:
                data.pop(container)
        return
    key = _key(data, parts[0])
    if key is None or key in ALWAYS_RETURNED:
        return
    if len(parts) == 1:
        data.pop(key)
        return
    value = data[key]
    if isinstance(value, dict):
        data[key] = {k: v for k, v in value.items() if k.lower() != parts[1].lower()}
    elif isinstance(value, list):
        data[key] = [
            {k: v for k, v in item.items() if k.lower() != parts[1].lower()} for item in value
        ]
