"""The lexicon rules case by case: one signal of the trained model (`rules.py`), kept for
what the training posts never showed (emoji, slang, idioms, negation and intensity)."""

from __future__ import annotations

import pytest

from shared.listening.sentiment import Language, SentimentLabel, label, rules
from shared.listening.text import Term, TermMatcher, fold, hashtags

NEG, NEU, POS = SentimentLabel.negative, SentimentLabel.neutral, SentimentLabel.positive


class _Scored:
    def __init__(self, text: str, language: Language) -> None:
        self.sentiment = rules.compound(text, language)
        self.label = label(self.sentiment)

    def __repr__(self) -> str:
        return f"{self.label} ({self.sentiment:.3f})"


def analyse(text: str, language: Language) -> _Scored:
    return _Scored(text, language)


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


def test_a_no_set_apart_negates_nothing_and_a_closing_though_is_no_contrast() -> None:
    assert analyse("I like, no, love it", Language.en).label == POS
    assert analyse("I do not like it", Language.en).label == NEG
    closing = analyse("Pricey. Worth it though", Language.en).sentiment
    assert closing > analyse("Worth it", Language.en).sentiment * 0.9
    # An opening "However," still weighs the clause after it.
    assert analyse("The food was great. However, the delivery was awful", Language.en).label == NEG
    assert (
        analyse("Le repas était top. Cependant, la livraison était nulle", Language.fr).label == NEG
    )


def test_a_face_says_how_the_writer_feels_whatever_negation_precedes_it() -> None:
    assert analyse("Still no reply :(", Language.en).label == NEG
    assert analyse("No refund yet :(", Language.en).label == NEG
    assert (
        analyse("not happy :(", Language.en).sentiment < analyse("not happy", Language.en).sentiment
    )


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Delivered today :)", Language.en, POS),
        ("Delivered today :-(", Language.en, NEG),
        ("Livré aujourd'hui <3", Language.fr, POS),
        ("Livré aujourd'hui :'(", Language.fr, NEG),
        ("f(:x) is a function", Language.en, NEU),
        ("Loved it:)", Language.en, POS),
        ("Livraison ratée :(((", Language.fr, NEG),
    ],
)
def test_ascii_emoticons_are_read_whole(text: str, language: Language, expected: str) -> None:
    assert analyse(text, language).label == expected, analyse(text, language)


def test_scores_stay_in_range_and_labels_follow_the_spec_thresholds() -> None:
    assert analyse("HORRIBLE!!!! 😡😡🤬🤬 worst worst worst", Language.en).sentiment >= -1
    assert (label(-0.05), label(-0.0499), label(0.0499), label(0.05)) == (NEG, NEU, NEU, POS)


def test_masking_blanks_the_terms_out_where_they_are_written() -> None:
    matcher = TermMatcher([Term("eclat", ["Éclat"]), Term("joy", ["Joy"])])
    assert matcher.mask("J'adore ÉCLAT !") == "J'adore   !"
    assert matcher.mask("trop nul #Eclat…") == "trop nul  …"  # "…" folds to three dots
    assert matcher.mask("Œuvre Éclat nulle") == "Œuvre   nulle"  # "Œ" folds to two letters
    assert matcher.mask("E\u0301clat nul") == "  nul"  # a decomposed accent goes with it
    assert matcher.mask("ﬁne @joy bad") == "ﬁne   bad"
    assert matcher.mask("un rouge éclatant") == "un rouge éclatant"


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
