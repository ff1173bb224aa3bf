"""The enumerations `smm` offers as choices (listed by `--help`), spelled here rather than
imported from the models: importing those loads SQLAlchemy, a second on every `smm`
call, `--help` included. tests/test_cli_help.py checks they match the models."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """shared.workspaces.models.Role"""

    viewer = "viewer"
    editor = "editor"
    admin = "admin"


class Locale(enum.StrEnum):
    """shared.workspaces.models.Locale"""

    fr_FR = "fr-FR"
    en_GB = "en-GB"
    en_US = "en-US"


class Language(enum.StrEnum):
    """shared.i18n.Language"""

    fr = "fr"
    en = "en"


class JobStatus(enum.StrEnum):
    """shared.jobs.models.JobStatus"""

    pending = "pending"
    done = "done"
    failed = "failed"


DEFAULT_LOCALE = Locale.fr_FR
