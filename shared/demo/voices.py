"""What people write about the brand and its rivals, in French and English: templates
with slots (products, cities, delays, prices, emoji, hashtags), so that two thousand
mentions read like a timeline and not like fourteen sentences on repeat.

Pure: the texts and their posting times come from a seeded `random.Random`. Each mention
carries the tone it was written with (`intent`), for the tests to compare with what the
analyser scores; the analyser, not this module, gives the stored sentiment.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from shared.demo.plan import PARIS, Plan, local
from shared.social_accounts.models import Platform

Tone = Literal["positive", "neutral", "negative"]
Lang = Literal["fr", "en"]

BRAND = "Maison Lumière"
AURORE = "Lampe Aurore"
RIVALS = ("Lumina Paris", "Nordlys Design")

_BRAND_FR = ("Maison Lumière", "@maisonlumiere", "#MaisonLumiere", "Maison Lumière")
_BRAND_EN = ("Maison Lumière", "@maisonlumiere", "#MaisonLumiere")
_PRODUCTS_FR = (
    "la lampe Aurore",
    "la suspension Céleste",
    "l'applique Lueur",
    "le lampadaire Halo",
    "la guirlande Perle",
    "l'abat-jour en lin",
)
_PRODUCTS_EN = (
    "Aurore lamp",
    "Céleste pendant",
    "Lueur wall light",
    "Halo floor lamp",
    "Perle string lights",
    "linen lampshade",
)
_CITIES = ("Lyon", "Bordeaux", "Lille", "Nantes", "Marseille", "Toulouse")
_HAPPY = ("😍", "✨", "💛", "👌", "🥰", "👍", "")
_ANGRY = ("😡", "🙄", "😤", "👎", "😞", "")
_TAGS_FR = ("#deco", "#decointerieur", "#luminaire", "#maison", "#cosy", "")
_TAGS_EN = ("#homedecor", "#interiordesign", "#lighting", "#cozyhome", "")

FR: dict[Tone, tuple[str, ...]] = {
    "positive": (
        "Je viens de recevoir {product} de {brand}, elle est encore plus belle en vrai {happy}",
        "{product} de {brand} dans le salon : l'ambiance a complètement changé {happy}",
        "Livraison {brand} en {fast} jours, emballage impeccable, rien à redire {happy}",
        "Service client {brand} au top : échange fait en {fast} jours, super sympa {happy}",
        "La qualité {brand} vaut vraiment son prix, finitions superbes {happy}",
        "Coup de cœur pour {product} de {brand}, une lumière douce et chaleureuse {happy}",
        "Merci {brand} pour les conseils en boutique, {product} est parfaite {happy}",
        "Très contente de {product} {brand}, fabriquée en France en plus {happy}",
        "Offert {product} {brand} à ma mère, elle adore {happy}",
        "Deux ans que j'ai {product} {brand} et toujours aussi belle, excellent achat",
        "Le SAV {brand} a remplacé mon abat-jour sans discuter, bravo {happy}",
        "Superbe collection chez {brand} cette saison, j'adore les nouvelles couleurs {happy}",
    ),
    "neutral": (
        "{brand} ouvre une boutique à {city} le mois prochain.",
        "Vu {product} de {brand} chez une amie, c'est celle avec le variateur.",
        "{brand} sort une nouvelle collection de luminaires cette semaine.",
        "Quelqu'un a testé {product} de {brand} ? Elle éclaire assez pour un bureau ?",
        "{brand} livre en Belgique ? Je ne trouve pas l'info sur le site.",
        "{brand} ou {rival} pour une suspension de salle à manger ? Vos avis ?",
        "{brand} fait des soldes en ce moment ?",
        "On peut retirer une commande {brand} en boutique à {city} ?",
        "{product} de {brand} existe en blanc ou seulement en laiton ?",
        "Article sur {brand} dans le magazine déco de ce mois-ci, page {n}.",
    ),
    "negative": (
        "Commande {brand} toujours pas arrivée après {n} jours, aucune réponse du SAV {angry}",
        "Déçue par {product} de {brand} : l'ampoule a grillé au bout d'une semaine {angry}",
        "{brand} beaucoup trop cher pour ce que c'est, {price} € la lampe, non merci",
        "Colis {brand} arrivé cassé, abat-jour écrasé. Vraiment nul {angry}",
        "Ça fait {n} jours que j'attends mon remboursement {brand}, c'est inadmissible {angry}",
        "Service client {brand} injoignable, personne ne répond au chat {angry}",
        "Mauvaise qualité chez {brand}, le pied de {product} est déjà rayé {angry}",
        "Livraison {brand} annoncée en 3 jours, reçue en {n}. Plus jamais {angry}",
    ),
}
EN: dict[Tone, tuple[str, ...]] = {
    "positive": (
        "Obsessed with my new {product} from {brand}, it looks even better in person {happy}",
        "The {product} from {brand} makes our living room so cozy {happy}",
        "{brand} delivered in {fast} days, perfectly packed. Love it {happy}",
        "Great customer service from {brand}, they swapped my lampshade in {fast} days {happy}",
        "The quality of {brand} lamps is excellent, worth every penny {happy}",
        "Just bought the {product} from {brand} and I love the warm light {happy}",
        "Beautiful new collection from {brand}, amazing craftsmanship {happy}",
        "Gifted the {product} from {brand} to my sister, she loves it {happy}",
    ),
    "neutral": (
        "Does {brand} ship to Canada?",
        "Is the {product} from {brand} dimmable?",
        "{brand} is opening a store in {city} next month.",
        "{brand} or {rival} for a dining room pendant? Thoughts?",
        "Saw the {product} from {brand} at a friend's place, the one with the brass base.",
        "Any {brand} discount codes this week?",
    ),
    "negative": (
        "@maisonlumiere my order arrived damaged and nobody answers the chat {angry}",
        "Still waiting for my {brand} refund after {n} days. Terrible service {angry}",
        "The {product} from {brand} stopped working after two weeks, very disappointed {angry}",
        "{brand} is way too expensive for what you get {angry}",
        "{n} days and my {brand} order still has not shipped. Awful {angry}",
    ),
}
#: About the rivals, for share of voice.
RIVAL_FR: dict[Tone, tuple[str, ...]] = {
    "positive": (
        "Superbe suspension de chez {rival}, très contente {happy}",
        "{rival} a une jolie collection de lampes cette année {happy}",
    ),
    "neutral": (
        "{rival} lance une collection avec un designer danois.",
        "{rival} ouvre un pop-up store à {city}.",
        "Quelqu'un connaît les délais de livraison de {rival} ?",
    ),
    "negative": (
        "{rival} a encore augmenté ses prix, ça devient n'importe quoi {angry}",
        "SAV {rival} injoignable depuis une semaine, vraiment nul {angry}",
    ),
}
RIVAL_EN: dict[Tone, tuple[str, ...]] = {
    "positive": ("Love my new floor lamp from {rival} {happy}",),
    "neutral": ("{rival} has a new collection out.", "Is {rival} shipping to the UK?"),
    "negative": ("{rival} customer service is a joke, still waiting for a reply {angry}",),
}
#: The storm: a carrier's failure turns into a wave about lost parcels.
STORM: dict[Tone, tuple[str, ...]] = {
    "negative": (
        "Commande {brand} passée il y a {n} jours, toujours rien et aucune réponse {angry} "
        "#colisperdu",
        "Moi aussi, colis {brand} perdu et service client muet, c'est une honte {angry}",
        "{brand} ne répond plus à personne, on a payé et on n'a rien reçu {angry} #colisperdu",
        "Plus jamais {brand}, {n} jours d'attente et un colis perdu, arnaque {angry}",
        "My {brand} parcel is lost too and nobody answers, awful {angry} #colisperdu",
    ),
    "neutral": (
        "Des nouvelles de {brand} sur les livraisons de cette semaine ?",
        "{brand} a communiqué sur les délais de livraison ?",
        "Quelqu'un a reçu sa commande {brand} aujourd'hui ?",
    ),
    "positive": (
        "Perso ma commande {brand} est arrivée hier, impeccable {happy}",
        "{brand} vient de répondre : un souci transporteur, renvoi offert, merci {happy}",
    ),
}
#: The Aurore lamp's dimmer hums: a product issue building up this week.
AURORE_ISSUE: dict[Tone, tuple[str, ...]] = {
    "negative": (
        "Le variateur de ma lampe Aurore grésille depuis une semaine, vraiment décevant {angry}",
        "Lampe Aurore qui clignote quand on baisse la lumière, nul {angry}",
        "My Aurore lamp flickers when dimmed, really disappointing {angry}",
        "Deuxième lampe Aurore qui grésille, la qualité baisse chez {brand} {angry}",
    ),
    "neutral": (
        "Quelqu'un d'autre a la lampe Aurore qui grésille avec un variateur ?",
        "Lampe Aurore : il faut quelle ampoule pour le variateur ?",
        "Does the Aurore lamp work with smart bulbs?",
    ),
    "positive": (
        "Ma lampe Aurore est parfaite, aucun souci avec le variateur {happy}",
        "Love my Aurore lamp, the warm light is perfect for reading {happy}",
    ),
}


@dataclass(frozen=True)
class Voice:
    """One mention as the listening source sends it, and the tone it was written in."""

    external_id: str
    platform: Platform
    author_handle: str
    author_followers: int
    text: str
    posted_at: datetime
    intent: Tone
    topic: Literal["brand", "rival", "storm", "aurore"]


_HANDLES = (
    "claire", "julie", "thomas", "sarah", "maxime", "pauline", "antoine", "lucie", "marie",
    "deco", "homesweet", "lena", "alex", "nina", "paul", "emma", "interieurs", "cosy",
)  # fmt: skip


class Writer:
    """Fills the templates; every draw goes through one seeded generator."""

    def __init__(self, rng: random.Random, prefix: str = "demo") -> None:
        self.rng = rng
        self.prefix = prefix
        self.count = 0

    def _fill(self, template: str, lang: Lang) -> str:
        r = self.rng
        text = template.format(
            brand=r.choice(_BRAND_FR if lang == "fr" else _BRAND_EN),
            product=r.choice(_PRODUCTS_FR if lang == "fr" else _PRODUCTS_EN),
            city=r.choice(_CITIES),
            rival=r.choice(RIVALS),
            n=r.randint(6, 21),
            fast=r.randint(2, 4),
            price=r.choice((129, 189, 249, 319)),
            happy=r.choice(_HAPPY),
            angry=r.choice(_ANGRY),
        ).strip()
        tag = r.choice(_TAGS_FR if lang == "fr" else _TAGS_EN)
        if tag and r.random() < 0.35:
            text = f"{text} {tag}"
        return text[0].upper() + text[1:]

    def voice(
        self,
        templates: dict[Tone, tuple[str, ...]],
        lang: Lang,
        tone: Tone,
        at: datetime,
        topic: Literal["brand", "rival", "storm", "aurore"],
    ) -> Voice:
        r = self.rng
        self.count += 1
        platform = r.choices(
            (Platform.instagram, Platform.x, Platform.tiktok, Platform.facebook),
            weights=(40, 25, 20, 15),
        )[0]
        return Voice(
            external_id=f"{self.prefix}-{self.count:05d}",
            platform=platform,
            author_handle=f"@{r.choice(_HANDLES)}_{r.randrange(10, 9999)}",
            author_followers=int(r.paretovariate(1.2) * 90),
            text=self._fill(r.choice(templates[tone]), lang),
            posted_at=at,
            intent=tone,
            topic=topic,
        )


def _tone(rng: random.Random, weights: Sequence[int]) -> Tone:
    tones: tuple[Tone, ...] = ("positive", "neutral", "negative")
    return rng.choices(tones, weights=weights)[0]


def _daytime(rng: random.Random, day_start: datetime) -> datetime:
    """People post in the day and the evening, Paris time."""
    hour = rng.choices(range(24), weights=[1, 1, 1, 0, 0, 0, 1, 2, 4, 5, 5, 6, 7, 6, 5,
                                           5, 5, 6, 8, 9, 9, 8, 5, 2])[0]  # fmt: skip
    return day_start + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


@dataclass(frozen=True)
class Storm:
    """When the past storm starts, and the phases of its evening."""

    start: datetime
    end: datetime


def storm_start(plan: Plan) -> datetime:
    return local(plan.today - timedelta(days=round(plan.days * 0.27)), 18)


def _tones(rng: random.Random, positive: int, neutral: int, negative: int) -> list[Tone]:
    """Exactly these many of each tone, shuffled: a phase's mood does not hang on luck."""
    counts: tuple[tuple[Tone, int], ...] = (
        ("positive", positive),
        ("neutral", neutral),
        ("negative", negative),
    )
    tones = [tone for tone, count in counts for _ in range(count)]
    rng.shuffle(tones)
    return tones


def voices(plan: Plan, seed: int = 7) -> tuple[list[Voice], Storm]:
    """Every mention of the demo, oldest first, none after `plan.now`. The storm and this
    week's Aurore complaints have generators of their own: they read the same whatever
    day the demo is seeded on (the everyday chatter around them varies with the weekdays)."""
    rng = random.Random(seed)
    write = Writer(rng)
    now = plan.now
    out: list[Voice] = []
    viral_day = next(i.at for i in plan.items if i.key == "viral").astimezone(PARIS).date()
    for back in range(plan.days, -1, -1):
        day = plan.today - timedelta(days=back)
        start = local(day, 0)
        weekend = day.isoweekday() >= 6
        brand = int(rng.uniform(13, 19) * (1.2 if weekend else 1.0))
        if 0 <= (day - viral_day).days < 4:
            brand += 14  # everyone talks about the video
        for _ in range(brand):
            lang: Lang = "fr" if rng.random() < 0.66 else "en"
            tone = _tone(rng, (52, 30, 18))
            when = _daytime(rng, start)
            out.append(write.voice(FR if lang == "fr" else EN, lang, tone, when, "brand"))
        for _ in range(int(rng.uniform(7, 11))):
            lang = "fr" if rng.random() < 0.7 else "en"
            tone = _tone(rng, (30, 42, 28))
            when = _daytime(rng, start)
            out.append(
                write.voice(RIVAL_FR if lang == "fr" else RIVAL_EN, lang, tone, when, "rival")
            )
        if back > AURORE_DAYS and rng.random() < 0.8:
            tone = _tone(rng, (50, 30, 20))
            lang = "fr" if rng.random() < 0.7 else "en"
            out.append(write.voice(AURORE_ISSUE, lang, tone, _daytime(rng, start), "aurore"))
    out += _aurore(plan)
    storm, storm_voices = _storm(plan)
    out += storm_voices
    out = [v for v in out if v.posted_at < now - timedelta(minutes=1)]
    out.sort(key=lambda v: v.posted_at)
    return out, storm


#: Days of this week's Aurore complaints (the `watch` policy's window is as long).
AURORE_DAYS = 5


def _aurore(plan: Plan) -> list[Voice]:
    rng = random.Random(5)
    write = Writer(rng, prefix="aurore")
    out = []
    for back in range(AURORE_DAYS, 0, -1):
        start = local(plan.today - timedelta(days=back), 0)
        for tone in _tones(rng, 3, 2, 4):
            lang: Lang = "fr" if rng.random() < 0.7 else "en"
            out.append(write.voice(AURORE_ISSUE, lang, tone, _daytime(rng, start), "aurore"))
    return out


def _storm(plan: Plan) -> tuple[Storm, list[Voice]]:
    """The evening it went wrong: a mild first hour, then the wave, then it calms down."""
    rng = random.Random(11)
    write = Writer(rng, prefix="storm")
    start = storm_start(plan)
    phases = ((50, (7, 8, 11)), (100, (22, 16, 52)), (70, (14, 9, 3)))
    out = []
    at = start
    for minutes, counts in phases:
        for tone in _tones(rng, *counts):
            lang: Lang = "fr" if rng.random() < 0.85 else "en"
            when = at + timedelta(minutes=rng.uniform(0, minutes))
            out.append(write.voice(STORM, lang, tone, when, "storm"))
        at += timedelta(minutes=minutes)
    return Storm(start, at), out
