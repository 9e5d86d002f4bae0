"""Building Settings: defaults < a YAML file < environment variables < keyword overrides.

An unknown key anywhere is an error that names the key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from rag.errors import UserError
from rag.settings.schema import Settings


# Environment variables that map onto settings; RAG__SECTION__FIELD works for any field.
_ENV_ALIASES = {"RAG_DATA_DIR": "data_dir", "RAG_CHROMA_HOST": "chroma.host", "RAG_CHROMA_PORT": "chroma.port"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"key '{key}' is given twice (line {key_node.start_mark.line + 1})",
                                                    key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise UserError(f"setting '{dotted}' conflicts with a non-section value; check its spelling")
    node[parts[-1]] = value


def _env_names() -> dict[str, str]:
    """Each setting the environment gives, by dotted key, with the variable that gives it."""
    names = {dotted: name for name, dotted in _ENV_ALIASES.items() if os.environ.get(name)}
    for name in os.environ:
        if name.startswith("RAG__"):
            names[".".join(p.lower() for p in name[5:].split("__"))] = name
    return names


def _env_overrides() -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted, name in _env_names().items():
        value = os.environ[name]
        if name.startswith("RAG__"):
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError:
                raise UserError(f"environment variable {name} is not a valid YAML value ({value!r}); fix or unset it") from None
        _set_dotted(tree, dotted, value)
    return tree


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _validation_message(error: ValidationError, origin: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    # A bad value that came from the environment names its variable, not the file or "defaults".
    env = _env_names()
    source = next((env[k] for k in (key, *(key.rsplit(".", i)[0] for i in range(1, key.count(".") + 1))) if k in env), None)
    if source:
        origin = f"environment variable {source}"
    if first["type"] == "extra_forbidden":
        return f"unknown setting '{key}' in {origin}; see config/default.yaml for the allowed keys"
    return f"invalid setting '{key}' in {origin}: {first['msg']}"


def flatten(overrides: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested overrides as dotted keys: ``{"retrieval": {"top_k": 5}}`` → ``{"retrieval.top_k": 5}``.

    >>> flatten({"retrieval": {"top_k": 5, "mode": None}, "data_dir": "/d"})
    {'retrieval.top_k': 5, 'retrieval.mode': None, 'data_dir': '/d'}
    """
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def load_settings(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Build Settings from an optional YAML file, the environment, and overrides.

    ``overrides`` may be nested dicts or dotted keys: ``{"retrieval.top_k": 5}``. A None
    value, at any depth, means "not given" and leaves the setting as it was.

    >>> load_settings(overrides={"retrieval.top_k": 5}).retrieval.top_k
    5
    """
    tree: dict[str, Any] = {}
    origin = "defaults"
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise UserError(f"config file not found: {path}; pass an existing YAML file")
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
        except yaml.YAMLError as exc:
            raise UserError(f"config file {path} is not valid YAML ({str(exc).splitlines()[0]}); fix the syntax") from None
        if not isinstance(loaded, dict):
            raise UserError(f"config file {path} must hold a mapping of settings")
        tree = loaded
        origin = str(path)
    tree = _merge(tree, _env_overrides())
    flat: dict[str, Any] = {}
    for key, value in flatten(overrides or {}).items():
        if value is None:
            continue
        _set_dotted(flat, key, value)
    tree = _merge(tree, flat)
    try:
        return Settings.model_validate(tree)
    except ValidationError as exc:
        raise UserError(_validation_message(exc, origin)) from None


def override(settings: Settings, overrides: dict[str, Any]) -> Settings:
    """``settings`` with ``overrides`` (nested or dotted) on top, validated again.

    >>> override(load_settings(), {"retrieval": {"top_k": 3}}).retrieval.top_k
    3
    """
    if not overrides:
        return settings
    return load_settings(overrides={**flatten(settings.model_dump(exclude_none=True)), **flatten(overrides)})


def dump_default_yaml() -> str:
    """Render every setting with its default and description, for config/default.yaml."""
    lines = ["# Every setting, its default, and what it does. Generated by rag.settings.dump_default_yaml()."]

    def emit(model: type[BaseModel], indent: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                lines.append(f"{indent}# {field.description}")
                lines.append(f"{indent}{name}:")
                emit(annotation, indent + "  ")
                continue
            default = field.default
            rendered = yaml.safe_dump(default if not isinstance(default, Path) else str(default), default_flow_style=True).strip()
            rendered = rendered.removesuffix("\n...").removesuffix("...").strip()
            lines.append(f"{indent}{name}: {rendered}  # {field.description}")

    emit(Settings, "")
    return "\n".join(lines) + "\n"

