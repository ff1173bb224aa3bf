"""Issue 18: the product's texts in French and English. Every catalog has both languages for
every key, French that is not English copied, and the same parameters in both; every
problem type has a French title; every noun a `NotFound` names and every CSV column has its
French. Pure: no database."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

import services
import shared
from services.api.csv_labels import known, label
from services.api.csv_output import columns
from services.api.problems import TITLES
from services.api.routers.kpis import BudgetLine, FunnelLine
from shared.crisis.explain import summary
from shared.crisis.levels import Metrics
from shared.crisis.schemas import Author, Trend
from shared.crisis.texts import default_playbook
from shared.errors import NOUNS, InvalidTransition, NotFound, ValidationFailed
from shared.i18n import CATALOGS, Language, Text, language_of, negotiate, number, percent
from shared.kpis.reports.best_times import weekday_name
from shared.kpis.reports.funnel import STAGES, stage_label
from shared.kpis.schemas import (
    CampaignGroup,
    ContentItemGroup,
    FormatGroup,
    KpiRow,
    MatrixItem,
    PaidGroup,
    PeriodGroup,
    PlatformGroup,
    TimeSlot,
    TotalGroup,
    Variant,
)
from shared.listening.reports import Responsiveness, TermVoice
from shared.listening.schemas import MentionRead

ROOT = Path(__file__).resolve().parents[1]


def _import_everything() -> None:
    """Catalogs register when their module loads: load them all."""
    for package in (shared, services):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)


_import_everything()
TEXTS = [
    (f"{name}[{key!r}]", text) for name, texts in CATALOGS.items() for key, text in texts.items()
]


def test_the_catalogs_are_found() -> None:
    assert {
        "crisis.summary",
        "crisis.playbook",
        "kpis.weekdays",
        "kpis.funnel_stages",
        "csv.columns",
        "problems.titles",
        "errors.details",
        "errors.nouns",
    } <= set(CATALOGS)
    assert len(TEXTS) > 200


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_every_text_has_both_languages(where: str, text: Text) -> None:
    assert isinstance(text, Text), where
    assert text.en.strip(), where
    assert text.fr.strip(), where
    # The same parameters: a French template cannot drop a figure or ask for another.
    assert text.fields(Language.fr) == text.fields(Language.en), where
    if text.same:
        assert text.fr == text.en, f"{where}: marked the same in both languages, but is not"
    else:
        assert text.fr != text.en, f"{where}: the French is the English (or mark it `same`)"


def test_a_text_cannot_leave_out_a_language() -> None:
    with pytest.raises(TypeError):
        Text(en="Only English")  # type: ignore[call-arg]


def test_texts_marked_the_same_are_few() -> None:
    """Proper nouns, acronyms and words both languages share: not a way around the rule."""
    same = sorted(text.en for _, text in TEXTS if text.same)
    assert len(same) <= 30, same
    assert all(len(word.split()) <= 2 for word in same if "{" not in word), same


def _python_files() -> Iterator[Path]:
    for folder in ("shared", "services", "cli"):
        yield from (ROOT / folder).rglob("*.py")


def _strings(node: ast.AST | None) -> list[str]:
    return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) else []


def _problem_slugs() -> set[str]:
    """Every problem type the code can answer with, read from the source: the slugs given
    to the domain errors and to `problem_response`, their defaults, and the server's 431."""
    found: set[str] = set()
    for path in _python_files():
        source = path.read_text()
        found.update(re.findall(r'"/problems/([a-z0-9-]+)"', source))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                slot = {"Conflict": 1, "DomainError": 1, "problem_response": 3}.get(name)
                if isinstance(func, ast.Attribute) and name == "get":
                    owner = func.value
                    slot = 1 if isinstance(owner, ast.Name) and owner.id == "slug" else None
                if name == "__init__" and path.name == "errors.py":
                    slot = 1
                if slot is not None and len(node.args) > slot:
                    found.update(_strings(node.args[slot]))
                found.update(
                    s for kw in node.keywords if kw.arg == "slug" for s in _strings(kw.value)
                )
            elif isinstance(node, ast.FunctionDef):
                positional = (
                    node.args.args[-len(node.args.defaults) :] if node.args.defaults else []
                )
                for arg, default in zip(positional, node.args.defaults, strict=True):
                    if arg.arg == "slug":
                        found.update(_strings(default))
            elif (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "slug" for t in node.targets)
                and isinstance(node.value, ast.Dict)
            ):
                found.update(s for v in node.value.values for s in _strings(v))
    return found


def test_every_problem_type_has_a_title_in_both_languages() -> None:
    slugs = _problem_slugs()
    assert {"not-found", "validation-error", "alert-open", "rate-limited", "internal"} <= slugs
    assert slugs - set(TITLES) == set(), "problem types without a title"
    assert set(TITLES) - slugs == set(), "titles of problem types the code no longer has"
    assert TITLES["not-found"](Language.fr) == "Introuvable"
    assert TITLES["alert-open"](Language.fr) == "Conflit"


def _nouns_in_code() -> set[str]:
    """What `NotFound`, `InvalidTransition` and the tenant repositories name."""
    found: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            slot = {"NotFound": 0, "InvalidTransition": 0, "TenantRepository": 2}.get(name)
            if slot is not None and len(node.args) > slot:
                found.update(_strings(node.args[slot]))
    return found


def test_every_noun_an_error_names_is_in_french() -> None:
    nouns = _nouns_in_code()
    assert {"campaign", "workspace", "escalation policy", "content item"} <= nouns
    assert nouns - set(NOUNS) == set()
    missing = NotFound("escalation policy", "42")
    assert missing.detail == "escalation policy 42 does not exist"
    assert missing.detail_in(Language.fr) == "politique d'escalade 42 introuvable"
    moved = InvalidTransition("campaign", "draft", "completed", [])
    assert moved.detail_in(Language.fr) == (
        "campagne : impossible de passer de « draft » à « completed » "
        "(possible depuis « draft » : aucun)"
    )
    assert ValidationFailed([]).detail_in(Language.fr) == "0 champ(s) invalide(s)"


#: Every row model a CSV answer is written from (services/api/routers: `report_answer`,
#: `page_answer`); the test below checks the routers name no other.
CSV_ROWS: list[type[BaseModel]] = [
    KpiRow[CampaignGroup],
    KpiRow[ContentItemGroup],
    KpiRow[PlatformGroup],
    KpiRow[FormatGroup],
    KpiRow[PaidGroup],
    KpiRow[PeriodGroup],
    KpiRow[TotalGroup],
    FunnelLine,
    MatrixItem,
    TimeSlot,
    BudgetLine,
    Variant,
    MentionRead,
    TermVoice,
    Responsiveness,
]


def test_the_csv_rows_listed_are_all_the_routers_write() -> None:
    named: set[str] = set()
    for path in (ROOT / "services/api/routers").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("report_answer", "page_answer")
                and len(node.args) >= 5
                and isinstance(node.args[4], ast.Name)
            ):
                named.add(node.args[4].id)
    assert named
    listed = {model.__name__ for model in CSV_ROWS} | {"KpiRow"}
    assert named <= listed, named - listed


@pytest.mark.parametrize("model", CSV_ROWS, ids=[m.__name__ for m in CSV_ROWS])
def test_every_csv_column_has_a_header_in_both_languages(model: type[BaseModel]) -> None:
    keys = columns(model)
    assert [key for key in keys if not known(key)] == []
    for language in Language:
        labels = [label(key, language) for key in keys]
        assert len(set(labels)) == len(labels), f"two columns share a header: {labels}"


def test_csv_headers_read_in_the_language() -> None:
    assert label("engagement_rate", Language.fr) == "Taux d'engagement"
    assert label("engagement_rate", Language.en) == "Engagement rate"
    assert label("coverage_clicks", Language.fr) == "Clics (couverture)"
    assert label("reallocation_suggested_spend", Language.en) == "Suggested spend (reallocation)"
    assert label("paid_production_cost", Language.fr) == "Coût de production (payant)"
    assert label("a_dict_key", Language.fr) == "a_dict_key"  # no text: the key itself


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, Language.en),
        ("", Language.en),
        ("fr-FR,fr;q=0.9", Language.fr),
        ("fr-CA", Language.fr),
        ("FR", Language.fr),
        ("de", Language.en),
        ("de-DE, fr;q=0.5", Language.fr),  # the one we speak, whatever its rank
        ("en;q=0.5, fr;q=0.8", Language.fr),
        ("fr;q=0.8, en", Language.en),
        ("fr;q=0, en;q=0.1", Language.en),  # q=0 refuses French
        ("fr;q=0", Language.en),
        ("*", Language.en),
        ("fr, en", Language.fr),  # a tie goes to the first listed
        ("fr;q=abc, en;q=0.2", Language.en),
    ],
)
def test_accept_language(header: str | None, language: Language) -> None:
    assert negotiate(header) is language


def test_a_locale_gives_its_language() -> None:
    assert language_of("fr-FR") is Language.fr
    assert language_of("en-GB") is Language.en
    assert language_of("en-US") is Language.en


def test_figures_are_written_as_each_language_writes_them() -> None:
    assert number(12345.678, 1, Language.en) == "12,345.7"
    assert number(12345.678, 1, Language.fr) == "12\u202f345,7"
    assert number(-0.25, 2, Language.fr, sign=True) == "-0,25"
    assert percent(0.555, Language.en) == "56%"
    assert percent(0.5, Language.fr) == "50\u202f%"


def test_weekdays_and_funnel_stages_in_each_language() -> None:
    assert [weekday_name(day, Language.fr) for day in (1, 4, 7)] == ["Lundi", "Jeudi", "Dimanche"]
    assert [weekday_name(day, Language.en) for day in (1, 4, 7)] == [
        "Monday",
        "Thursday",
        "Sunday",
    ]
    ids = [stage for stage, _ in STAGES]
    assert ids == ["awareness", "activation", "consideration", "conversion"]
    assert [stage_label(s, Language.fr) for s in ids] == [
        "Captation",
        "Activation",
        "Considération",
        "Conversion",
    ]
    assert stage_label("awareness", Language.en) == "Awareness"


METRICS = Metrics(
    mention_count=40,
    negative_count=22,
    negative_share=0.55,
    weighted_negative_share=0.6,
    avg_sentiment=-0.3,
    expected_count=12.4,
    volume_ratio=3.2258,
)
TAGS = [
    Trend(key="boycott", mentions=12, expected=0, lift=None),
    Trend(key="rappel", mentions=8, expected=2, lift=4.0),
]
AUTHORS = [Author(handle="@journaliste", followers=120_000, mentions=2, negative=2)]


def test_the_alert_summary_in_each_language() -> None:
    french = summary(METRICS, 60, TAGS, AUTHORS, -0.42, Language.fr)
    assert french == (
        "40 mentions en 60 min (3,2 fois le volume habituel de 12) ; 55\u202f% négatives ; "
        "sentiment -0,42 par rapport à la référence ; en hausse : #boycott (nouveau), "
        "#rappel (x4,0) ; auteur le plus suivi @journaliste (120\u202f000 abonnés)"
    )
    english = summary(METRICS, 60, TAGS, AUTHORS, -0.42, Language.en)
    assert english == (
        "40 mentions in 60 min (3.2x the usual 12); 55% negative; sentiment -0.42 vs "
        "baseline; rising: #boycott (new), #rappel (x4.0); top author @journaliste "
        "(120,000 followers)"
    )


def test_the_default_playbook_in_each_language() -> None:
    french, english = default_playbook(Language.fr), default_playbook(Language.en)
    assert [s.owner_role for s in french] == [s.owner_role for s in english]
    assert french[2].text == "Rédiger une déclaration d'attente et la faire valider"
    assert english[2].text == "Draft a holding statement and have it approved"
