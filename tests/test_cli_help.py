"""`smm --help` (issue 18): the exit codes, the choices of every enumeration, a help text
for every argument and option and an example for every command. No database needed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from cli import choices
from cli.errors import EXIT_CODES, ExitCode
from cli.main import app
from shared.i18n import Language
from shared.jobs.models import JobStatus
from shared.workspaces.models import DEFAULT_LOCALE, Locale, Role


def help_of(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


def commands(group: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, typer.core.TyperGroup):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


ROOT = typer.main.get_command(app)
assert isinstance(ROOT, typer.core.TyperGroup)
ALL = sorted(commands(ROOT))


def test_the_top_level_help_documents_every_exit_code() -> None:
    text = help_of()
    for code in ExitCode:
        assert f"\n {code.value:<4} " in text or f" {code.value}    " in text, code
    assert EXIT_CODES.splitlines()[3].strip() in text  # "2  usage: ..."


def test_the_choices_offered_are_the_models_own() -> None:
    """cli.choices spells them to keep SQLAlchemy out of `smm --help`."""
    assert [c.value for c in choices.Role] == [r.value for r in Role]
    assert [c.value for c in choices.Locale] == [loc.value for loc in Locale]
    assert [c.value for c in choices.JobStatus] == [s.value for s in JobStatus]
    assert [c.value for c in choices.Language] == [lang.value for lang in Language]
    assert choices.DEFAULT_LOCALE.value == DEFAULT_LOCALE.value


@pytest.mark.parametrize(
    ("command", "listed"),
    [
        (("key", "create"), "viewer|editor|admin"),
        (("workspace", "create"), "fr-FR|en-GB|en-US"),
        (("jobs", "list"), "pending|done|failed"),
        (("workspace", "create"), "fr|en"),
    ],
)
def test_enumerations_list_their_choices(command: tuple[str, ...], listed: str) -> None:
    assert listed in help_of(*command)


def test_the_option_taking_a_long_list_says_what_it_accepts() -> None:
    text = help_of("workspace", "create")
    assert "IANA time zone" in text
    assert "ISO 4217" in text


@pytest.mark.parametrize("command", ALL, ids=" ".join)
def test_every_command_has_an_example_and_every_parameter_a_help(
    command: tuple[str, ...],
) -> None:
    text = help_of(*command)
    assert "Example:" in text
    example = text.split("Example:", 1)[1]
    assert f"smm {' '.join(command)}" in example or command == ("sentiment-eval",)
    click_command = ROOT
    for name in command:
        found = click_command.commands[name]  # type: ignore[attr-defined]
        click_command = found
    for param in click_command.params:
        assert getattr(param, "help", None), f"{param.name} of smm {' '.join(command)}"


def test_the_operations_guide_lists_the_same_exit_codes() -> None:
    from shared.config import ROOT

    guide = (ROOT / "docs" / "operations.md").read_text()
    documented = {int(m) for m in re.findall(r"^\| (\d+) \| ", guide, flags=re.MULTILINE)}
    assert documented == {code.value for code in ExitCode}
