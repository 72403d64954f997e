"""Secrets given as files: `<NAME>_FILE` holds the path of a file whose content is `<NAME>`.

Kubernetes and Docker mount secrets as files, and a value in a file stays out of the process
environment (`/proc/<pid>/environ`, `docker inspect`, crash reports). Every `SecretStr` field is a
secret; a plain field that may carry one (a password inside a URL) is marked with `CarriesSecret`.
Any other field refuses `<NAME>_FILE`, so a misplaced file is not silently ignored.
"""

from __future__ import annotations

import os
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsError

FILE_SUFFIX = "_FILE"


@dataclass(frozen=True)
class CarriesSecret:
    """Marks a plain `str` field whose value may hold a secret, so it may be given as a file."""


class SecretFileError(SettingsError):
    """A `<NAME>_FILE` that cannot be used; the message names the variable and the path only."""


def is_secret(field: FieldInfo) -> bool:
    if any(isinstance(mark, CarriesSecret) for mark in field.metadata):
        return True
    annotation = field.annotation
    if get_origin(annotation) in (Union, types.UnionType):
        return SecretStr in get_args(annotation)
    return annotation is SecretStr


def secret_variables(settings_cls: type[BaseSettings]) -> list[str]:
    """The variables of a settings class that may also be given as `<NAME>_FILE`."""
    return [name.upper() for name, field in settings_cls.model_fields.items() if is_secret(field)]


def read_secret_file(variable: str, path: str) -> str:
    """The file's text less one trailing line break; errors never quote the content."""
    file_variable = variable + FILE_SUFFIX
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SecretFileError(f"{file_variable}: cannot read {path}: {reason}") from None
    try:
        text = content.decode()
    except UnicodeDecodeError:
        raise SecretFileError(f"{file_variable}: {path} is not UTF-8 text") from None
    # Editors and `echo` end a file with a line break that is no part of the secret.
    value = text.removesuffix("\n").removesuffix("\r")
    if not value:
        raise SecretFileError(f"{file_variable}: {path} is empty")
    return value


class SecretFilesSource(PydanticBaseSettingsSource):
    """Reads `<NAME>_FILE` for every secret field of the settings class it is given.

    The kit's settings read plain names, case-insensitively, without a prefix; so does this.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: `__call__` reads every field at once, to check the pairs together.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        environ = {name.upper(): value for name, value in os.environ.items()}
        fields = self.settings_cls.model_fields
        values: dict[str, Any] = {}
        for name, field in fields.items():
            variable = name.upper()
            path = environ.get(variable + FILE_SUFFIX, "").strip()
            if not path:  # docker compose passes `${VAR_FILE:-}` through as an empty string
                continue
            if not is_secret(field):
                raise SecretFileError(
                    f"{variable}{FILE_SUFFIX} is not accepted: {variable} is not a secret, "
                    f"set {variable} itself"
                )
            if environ.get(variable, "").strip():
                raise SecretFileError(f"{variable} and {variable}{FILE_SUFFIX} are both set")
            values[name] = read_secret_file(variable, path)
        return values
