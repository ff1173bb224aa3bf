"""LIS-2: the analyser's rules case by case, and its measured accuracy held to a floor."""

from __future__ import annotations

import pytest

from shared.listening.evaluation import evaluate
from shared.listening.sentiment import Language, SentimentLabel, analyse, detect, label
from shared.listening.text import Term, TermMatcher, fold, hashtags

NEG, NEU, POS = SentimentLabel.negative, SentimentLabel.neutral, SentimentLabel.positive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # negation
        ("Franchement pas terrible cette nouvelle gamme", NEG),
        ("C'est pas mal du tout, je recommande", POS),
        ("Le produit n'est pas génial", NEG),
        ("Je n'aime pas du tout le nouveau logo", NEG),
        ("Jamais déçue par leurs livraisons", POS),
        ("Plus jamais je commande chez eux", NEG),
        ("Aucun souci avec la livraison", POS),
        # intensifiers, elongation, social spelling
        ("c'est nuuuuul", NEG),
        ("trop bieeeen la nouvelle collection", POS),
        ("c trop bien", POS),
        ("le SAV est grave relou", NEG),
        ("la nouvelle pub est de ouf", POS),
        # emoji
        ("Commande reçue 😍", POS),
        ("Commande reçue 😡", NEG),
        ("Encore un retard 🤡", NEG),
        # plain facts
        ("Le magasin ouvre à 9h demain.", NEU),
        ("Vous êtes ouverts le 1er mai ?", NEU),
    ],
)
def test_french(text: str, expected: SentimentLabel) -> None:
    assert analyse(text, Language.fr).label == expected, analyse(text, Language.fr)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not bad at all, really", POS),
        ("The update is not great", NEG),
        ("Never again. Worst airline ever", NEG),
        ("No issues so far with the new plan", POS),
        ("Couldn't be happier with my order", POS),
        ("isn't worth it", NEG),
        ("soooo goooood", POS),
        ("the new collection is so mid tbh", NEG),
        ("this slaps", POS),
        ("u guys r gr8", POS),
        ("Order arrived 😍", POS),
        ("Order arrived 🤮", NEG),
        ("Service was SO BAD", NEG),
        ("The store opens at 9am tomorrow.", NEU),
        ("How do I transfer my number?", NEU),
    ],
)
def test_english(text: str, expected: SentimentLabel) -> None:
    assert analyse(text, Language.en).label == expected, analyse(text, Language.en)


def test_negation_flips_and_capitals_and_bangs_emphasise() -> None:
    plain = analyse("the service is good", Language.en).sentiment
    assert analyse("the service is not good", Language.en).sentiment < 0 < plain
    assert analyse("the service is GOOD", Language.en).sentiment > plain
    assert analyse("the service is good!!!", Language.en).sentiment > plain
    assert analyse("the service is very good", Language.en).sentiment > plain


def test_but_weighs_the_clause_after_it() -> None:
    assert analyse("The food was great but the delivery was awful", Language.en).label == NEG
    assert analyse("Livraison lente mais le produit est génial", Language.fr).label == POS


def test_scores_stay_in_range_and_labels_follow_the_spec_thresholds() -> None:
    assert analyse("HORRIBLE!!!! 😡😡🤬🤬 worst worst worst", Language.en).sentiment >= -1
    assert (label(-0.05), label(-0.0499), label(0.0499), label(0.05)) == (NEG, NEU, NEU, POS)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Colis perdu et le service client ne répond pas", Language.fr),
        ("trop bien", Language.fr),
        ("My parcel is lost and nobody answers", Language.en),
        ("love it", Language.en),
    ],
)
def test_language_detection(text: str, language: Language) -> None:
    assert detect(text) == language


#: The held-out set's figures when the floor was set (README): a change that loses more
#: than about one post in a hundred fails here.
FLOORS = {Language.fr: 0.75, Language.en: 0.71}


@pytest.mark.parametrize("language", list(Language))
def test_accuracy_on_the_held_out_set_stays_above_its_floor(language: Language) -> None:
    report = evaluate(language, "test")
    assert report.posts >= 200
    assert report.macro_f1 >= FLOORS[language], report


def test_terms_match_without_case_or_accents_and_only_whole_words() -> None:
    matcher = TermMatcher([Term("eclat", ["Éclat", "#EclatParis"]), Term("air", ["Air Solène"])])
    assert matcher.match("J'adore ÉCLAT") == ["eclat"]
    assert matcher.match("j'adore eclat !") == ["eclat"]
    assert matcher.match("#eclatparis et @eclat") == ["eclat"]
    assert matcher.match("un rouge éclatant") == []
    assert matcher.match("vol AIR   SOLENE annulé, merci Éclat") == ["air", "eclat"]
    assert matcher.match("airsolene") == []
    assert fold("Œuvre ÉTÉ") == "oeuvre ete"
    assert hashtags("#Boycott #ÉclatFail") == ["boycott", "eclatfail"]
