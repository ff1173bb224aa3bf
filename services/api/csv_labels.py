"""CSV headers a person reads: each flat column's label in the workspace's language.

A column is a field's key (`spend`) or a nested object's field under its parent's prefix
(`reallocation_spend`): the label of a prefixed column is its field's label with its
parent's (`Spend (reallocation)`). tests/test_i18n.py checks that every column of every
CSV answer has a label in every language, and that no two labels of one answer collide.
"""

from __future__ import annotations

from shared.i18n import Language, Text, catalog


def _same(word: str) -> Text:
    """A word both languages write alike (an acronym, a shared term)."""
    return Text(en=word, fr=word, same=True)


COLUMNS = catalog(
    "csv.columns",
    {
        # Keys and names
        "id": _same("ID"),
        "campaign_id": Text(en="Campaign ID", fr="ID de la campagne"),
        "content_item_id": Text(en="Content item ID", fr="ID du contenu"),
        "content_item_ids": Text(en="Content item IDs", fr="ID des contenus"),
        "term_id": Text(en="Term ID", fr="ID du terme"),
        "term_ids": Text(en="Term IDs", fr="ID des termes"),
        "external_id": Text(en="External ID", fr="ID externe"),
        "name": Text(en="Name", fr="Nom"),
        "title": Text(en="Title", fr="Titre"),
        "label": Text(en="Label", fr="Libellé"),
        "kind": Text(en="Kind", fr="Type"),
        "platform": Text(en="Platform", fr="Plateforme"),
        "format": _same("Format"),
        "paid": Text(en="Paid", fr="Payant"),
        "period_start": Text(en="Period start", fr="Début de période"),
        "currency": Text(en="Currency", fr="Devise"),
        "status": Text(en="Status", fr="Statut"),
        "objective": Text(en="Objective", fr="Objectif"),
        "variant": Text(en="Variant", fr="Variante"),
        # Counters
        "snapshots": Text(en="Snapshots", fr="Relevés"),
        "impressions": _same("Impressions"),
        "reach": Text(en="Reach", fr="Portée"),
        "engagements": _same("Engagements"),
        "likes": Text(en="Likes", fr="J'aime"),
        "comments": Text(en="Comments", fr="Commentaires"),
        "shares": Text(en="Shares", fr="Partages"),
        "saves": Text(en="Saves", fr="Enregistrements"),
        "clicks": Text(en="Clicks", fr="Clics"),
        "video_views": Text(en="Video views", fr="Vues de vidéo"),
        "leads": Text(en="Leads", fr="Prospects"),
        "conversions": _same("Conversions"),
        "spend": Text(en="Spend", fr="Dépenses"),
        "conversion_value": Text(en="Conversion value", fr="Valeur des conversions"),
        "production_cost": Text(en="Production cost", fr="Coût de production"),
        # KPIs
        "engagement_rate": Text(en="Engagement rate", fr="Taux d'engagement"),
        "ctr": Text(en="CTR", fr="Taux de clic"),
        "conversion_rate": Text(en="Conversion rate", fr="Taux de conversion"),
        "lead_rate": Text(en="Lead rate", fr="Taux de prospects"),
        "cpm": _same("CPM"),
        "cpc": _same("CPC"),
        "cpa": _same("CPA"),
        "cpl": _same("CPL"),
        "roas": _same("ROAS"),
        "roi": _same("ROI"),
        "frequency": Text(en="Frequency", fr="Fréquence"),
        "targets_missed": Text(en="Targets missed", fr="Objectifs manqués"),
        # Funnel
        "counter": Text(en="Counter", fr="Compteur"),
        "count": Text(en="Count", fr="Nombre"),
        "pass_rate": Text(en="Pass rate", fr="Taux de passage"),
        "value": Text(en="Value", fr="Valeur"),
        "low": Text(en="Low", fr="Bas"),
        "high": Text(en="High", fr="Haut"),
        "position": _same("Position"),
        # Content matrix, best times
        "quadrant": _same("Quadrant"),
        "weekday": Text(en="Weekday (1-7)", fr="Jour (1-7)"),
        "weekday_name": Text(en="Weekday", fr="Jour"),
        "hour": Text(en="Hour", fr="Heure"),
        "items": Text(en="Items", fr="Contenus"),
        # Budget
        "ranked_by": Text(en="Ranked by", fr="Classé par"),
        "budget": _same("Budget"),
        "starts_at": Text(en="Starts at", fr="Début"),
        "ends_at": Text(en="Ends at", fr="Fin"),
        "remaining": Text(en="Remaining", fr="Restant"),
        "expected_spend": Text(en="Expected spend", fr="Dépenses prévues"),
        "pacing": Text(en="Pacing", fr="Rythme"),
        "total": _same("Total"),
        "current_share": Text(en="Current share", fr="Part actuelle"),
        "suggested_share": Text(en="Suggested share", fr="Part suggérée"),
        "suggested_spend": Text(en="Suggested spend", fr="Dépenses suggérées"),
        # Mentions
        "author_handle": Text(en="Author", fr="Auteur"),
        "author_followers": Text(en="Author followers", fr="Abonnés de l'auteur"),
        "text": Text(en="Text", fr="Texte"),
        "url": _same("URL"),
        "posted_at": Text(en="Posted at", fr="Publiée le"),
        "language": Text(en="Language", fr="Langue"),
        "sentiment": _same("Sentiment"),
        "sentiment_label": Text(en="Sentiment label", fr="Tonalité"),
        "sentiment_source": Text(en="Sentiment source", fr="Source du sentiment"),
        "hashtags": _same("Hashtags"),
        "is_question": Text(en="Question", fr="Est une question"),
        "assignee": Text(en="Assignee", fr="Assignée à"),
        "needs_response": Text(en="Needs a response", fr="Réponse attendue"),
        "responded_at": Text(en="Responded at", fr="Répondue le"),
        "analysed_at": Text(en="Analysed at", fr="Analysée le"),
        "created_at": Text(en="Created at", fr="Créée le"),
        "updated_at": Text(en="Updated at", fr="Modifiée le"),
        "response_reasons": Text(en="Response reasons", fr="Motifs de réponse"),
        # Share of voice, responsiveness
        "term": Text(en="Term", fr="Terme"),
        "mentions": _same("Mentions"),
        "share": Text(en="Share", fr="Part"),
        "positive": Text(en="Positive", fr="Positives"),
        "neutral": Text(en="Neutral", fr="Neutres"),
        "negative": Text(en="Negative", fr="Négatives"),
        "net_sentiment": Text(en="Net sentiment", fr="Sentiment net"),
        "from": Text(en="From", fr="Du"),
        "to": Text(en="To", fr="Au"),
        "needing_response": Text(en="Needing a response", fr="Attendant une réponse"),
        "responded": Text(en="Responded", fr="Répondues"),
        "response_rate": Text(en="Response rate", fr="Taux de réponse"),
        "median_response_seconds": Text(
            en="Median response time (s)", fr="Temps de réponse médian (s)"
        ),
        "p90_response_seconds": Text(
            en="90th percentile response time (s)", fr="90e centile du temps de réponse (s)"
        ),
    },
)

#: The nested objects whose fields are prefixed (`coverage_clicks`), by prefix.
PREFIXES = catalog(
    "csv.prefixes",
    {
        "coverage": Text(en="coverage", fr="couverture"),
        "reference": Text(en="reference", fr="référence"),
        "paid": Text(en="paid", fr="payant"),
        "organic": Text(en="organic", fr="organique"),
        "reallocation": Text(en="reallocation", fr="réallocation"),
    },
)
_PREFIX_LABEL = Text(en="{field} ({parent})", fr="{field} ({parent})", same=True)


def known(column: str) -> bool:
    """Whether `label` has a text for the column (else it writes the key itself)."""
    return _text(column) is not None


def _text(column: str) -> tuple[Text, Text | None] | None:
    if column in COLUMNS:
        return COLUMNS[column], None
    parent, _, rest = column.partition("_")
    while rest:
        if parent in PREFIXES and rest in COLUMNS:
            return COLUMNS[rest], PREFIXES[parent]
        head, _, rest = rest.partition("_")
        parent = f"{parent}_{head}"
    return None


def label(column: str, language: Language) -> str:
    """A column's header in `language`; a column no catalog names (a dict's key, say)
    keeps its key."""
    found = _text(column)
    if found is None:
        return column
    field, parent = found
    if parent is None:
        return field(language)
    return _PREFIX_LABEL(language, field=field, parent=parent)
