"""What the crisis worker writes for a team, in its workspace's language: the alert summary
and the default playbook. Written once, when the alert opens or escalates, for everyone
who reads it (API, webhooks): the workspace's language, not a reader's `Accept-Language`."""

from __future__ import annotations

from shared.crisis.schemas import PlaybookStep
from shared.i18n import Language, Text, catalog

SUMMARY = catalog(
    "crisis.summary",
    {
        "volume": Text(
            en="{count} mentions in {minutes} min", fr="{count} mentions en {minutes} min"
        ),
        "usual": Text(
            en=" ({ratio}x the usual {expected})",
            fr=" ({ratio} fois le volume habituel de {expected})",
        ),
        "negative": Text(en="{share} negative", fr="{share} négatives"),
        "sentiment": Text(
            en="sentiment {delta} vs baseline", fr="sentiment {delta} par rapport à la référence"
        ),
        "rising": Text(en="rising: {tags}", fr="en hausse : {tags}"),
        "new-tag": Text(en="#{tag} (new)", fr="#{tag} (nouveau)"),
        "lift-tag": Text(en="#{tag} (x{lift})", fr="#{tag} (x{lift})", same=True),
        "top-author": Text(
            en="top author {handle} ({followers} followers)",
            fr="auteur le plus suivi {handle} ({followers} abonnés)",
        ),
        "separator": Text(en="; ", fr=" ; "),
    },
)

#: The playbook a policy gets when its creator gives none: what a social team does first
#: in a storm, each step with the role that does it (roles are identifiers, not prose).
PLAYBOOK = catalog(
    "crisis.playbook",
    {
        "read": Text(
            en="Read the sample mentions and the alert's explanation: what rose, who spoke, where",
            fr="Lire les mentions d'exemple et l'explication de l'alerte : ce qui monte, qui "
            "parle, où",
        ),
        "pause": Text(
            en="Pause scheduled posts and paid campaigns on the platforms concerned",
            fr="Suspendre les publications programmées et les campagnes payantes sur les "
            "plateformes concernées",
        ),
        "statement": Text(
            en="Draft a holding statement and have it approved",
            fr="Rédiger une déclaration d'attente et la faire valider",
        ),
        "respond": Text(
            en="Answer the most followed authors with the approved statement",
            fr="Répondre aux auteurs les plus suivis avec la déclaration validée",
        ),
        "postmortem": Text(
            en="Write the postmortem once the alert is resolved",
            fr="Rédiger le bilan une fois l'alerte résolue",
        ),
    },
)

#: The default playbook's steps in order, with who does each.
PLAYBOOK_OWNERS = (
    ("read", "community_manager"),
    ("pause", "social_lead"),
    ("statement", "communications"),
    ("respond", "community_manager"),
    ("postmortem", "social_lead"),
)


def default_playbook(language: Language) -> list[PlaybookStep]:
    """The default playbook's steps, in `language`."""
    return [
        PlaybookStep(text=PLAYBOOK[key](language), owner_role=owner)
        for key, owner in PLAYBOOK_OWNERS
    ]
