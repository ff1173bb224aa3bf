"""The demo's story as plain data, relative to `now`: its campaigns and content items,
when each was published (at the brand's daytime slots, Paris time) and how each performs.

Pure and deterministic: the same `now`, `days` and seed give the same plan, so a demo
seeded today reads like one seeded last month, only moved in time. Names follow the
season of `now` (no spring collection in December).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.campaigns.models import Objective
from shared.content.models import ContentFormat as F
from shared.content.models import ContentStatus as S
from shared.social_accounts.models import Platform as P

PARIS = ZoneInfo("Europe/Paris")

#: The collection a campaign launches, by the month it starts: autumn-winter collections
#: launch from August to January, spring-summer ones from February to July.
AUTUMN_WINTER = frozenset({8, 9, 10, 11, 12, 1})

#: The brand's publication slots (ISO weekday, local hour) and how much each lifts the
#: engagement rate: Thursday evening and Sunday night win, Monday morning loses.
SLOTS: tuple[tuple[int, int, float], ...] = (
    (4, 18, 1.35),
    (7, 20, 1.25),
    (6, 10, 1.15),
    (3, 19, 1.05),
    (2, 12, 0.95),
    (5, 13, 0.85),
    (1, 9, 0.72),
)
SLOT_LIFT = {(weekday, hour): lift for weekday, hour, lift in SLOTS}

#: Products of the catalogue, with their price (the average order is about one of them).
PRODUCTS: tuple[tuple[str, Decimal], ...] = (
    ("lampe Aurore", Decimal("129.00")),
    ("suspension Céleste", Decimal("189.00")),
    ("applique Lueur", Decimal("89.00")),
    ("lampadaire Halo", Decimal("249.00")),
    ("guirlande Perle", Decimal("39.00")),
    ("abat-jour en lin", Decimal("59.00")),
)

#: Engagement rate of each format before the slot's lift and the item's own luck.
FORMAT_ENGAGEMENT = {
    F.reel: 0.048,
    F.carousel: 0.05,
    F.short_video: 0.052,
    F.post: 0.036,
    F.story: 0.03,
    F.article: 0.027,
    F.live: 0.06,
    F.ugc: 0.045,
}

#: Group names of the two A/B tests.
AB_DECIDED = "hero_reel"
AB_UNDECIDED = "visuel_b2b"


def season(moment: datetime) -> str:
    """The collection launched at `moment`."""
    month = moment.astimezone(PARIS).month
    return "Automne-Hiver" if month in AUTUMN_WINTER else "Printemps-Été"


@dataclass(frozen=True)
class Profile:
    """How an item performs: its daily impressions (paid: flat over its flight; organic:
    decaying from its first day), and its rates. A rate of None: not reported."""

    impressions: int
    life_days: int
    decay: float  # 1.0 for a paid flight
    engagement_rate: float
    ctr: float
    conversion_rate: float | None
    lead_rate: float | None
    order_value: Decimal | None
    cpm: Decimal | None  # paid items only
    noisy_rates: bool = True  # A/B arms keep their rates exactly (their test is the story)


@dataclass(frozen=True)
class ItemPlan:
    key: str
    campaign: str | None
    platform: P
    format: F
    title: str
    caption: str
    paid: bool
    production_cost: Decimal | None
    status: S
    #: published_at of a published item; scheduled_at (future) of the others.
    at: datetime
    profile: Profile | None = None
    ab: tuple[str, str] | None = None


@dataclass(frozen=True)
class CampaignPlan:
    key: str
    name: str
    objective: Objective
    starts_at: datetime
    ends_at: datetime
    platforms: tuple[P, ...]
    active: bool
    utm: tuple[str, str, str]
    #: KPI targets as the API takes them (decimal strings).
    targets: dict[str, str] = field(default_factory=dict)
    #: The campaign's spend by now over what a linear pace expects: its budget follows.
    pacing: Decimal | None = None
    budget: Decimal | None = None  # for campaigns not started (no spend to pace from)


@dataclass(frozen=True)
class Plan:
    now: datetime
    days: int
    campaigns: tuple[CampaignPlan, ...]
    items: tuple[ItemPlan, ...]

    @property
    def today(self) -> date:
        return self.now.astimezone(PARIS).date()

    def published(self) -> list[ItemPlan]:
        return [item for item in self.items if item.status == S.published]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def _slot_day(target: date, weekday: int, earliest: date, latest: date) -> date:
    """The day with that ISO weekday on or before `target`, kept in [earliest, latest]."""
    day = target - timedelta(days=(target.isoweekday() - weekday) % 7)
    while day < earliest:
        day += timedelta(days=7)
    while day > latest:
        day -= timedelta(days=7)
    return day


def build(now: datetime, days: int, seed: int = 18) -> Plan:
    """The whole story for a history of `days` days (14 at least) ending at `now`."""
    rng = random.Random(seed)
    today = now.astimezone(PARIS).date()
    yesterday = today - timedelta(days=1)
    year = today.year
    sales_start = local(today - timedelta(days=round(days * 0.78)), 9)
    leads_start = local(today - timedelta(days=days), 9)
    lyon_start = local(today + timedelta(days=12), 10)
    collection = season(sales_start)
    tag = f"{collection.replace('-', '').replace('É', 'E')}{sales_start.year}"
    campaigns = (
        CampaignPlan(
            key="sales",
            name=f"Collection {collection} {sales_start.year} — lancement",
            objective=Objective.sales,
            starts_at=sales_start,
            ends_at=local(today + timedelta(days=round(days * 0.22)), 23),
            platforms=(P.instagram, P.facebook, P.tiktok),
            active=True,
            utm=("meta", "paid_social", f"collection_{tag.lower()}"),
            targets={"roas": "4", "cpa": "25.00", "ctr": "0.012"},
            pacing=Decimal("1.08"),
        ),
        CampaignPlan(
            key="leads",
            name="B2B — architectes et hôteliers, génération de leads",
            objective=Objective.leads,
            starts_at=leads_start,
            ends_at=local(today + timedelta(days=30), 23),
            platforms=(P.linkedin,),
            active=True,
            utm=("linkedin", "paid_social", f"b2b_prescripteurs_{year}"),
            targets={"cpl": "45.00"},
            pacing=Decimal("0.86"),
        ),
        CampaignPlan(
            key="lyon",
            name="Ouverture de la boutique de Lyon",
            objective=Objective.awareness,
            starts_at=lyon_start,
            ends_at=lyon_start + timedelta(days=30),
            platforms=(P.instagram, P.facebook, P.tiktok),
            active=False,
            utm=("meta", "paid_social", f"boutique_lyon_{year}"),
            budget=Decimal("8000.00"),
        ),
    )
    items: list[ItemPlan] = []
    slot_turn = 0

    def next_slot() -> tuple[int, int, float]:
        nonlocal slot_turn
        slot = SLOTS[slot_turn % len(SLOTS)]
        slot_turn += 1
        return slot

    def published_at(target: date, earliest: date, slot: tuple[int, int, float]) -> datetime:
        weekday, hour, _ = slot
        day = _slot_day(target, weekday, earliest, yesterday)
        return local(day, hour, rng.choice((0, 0, 15, 30)))

    def luck(low: float = 0.85, high: float = 1.15) -> float:
        return rng.uniform(low, high)

    # The sales campaign: paid posts on Meta and TikTok, one every two or three days.
    ideas = (
        (P.instagram, F.reel, "Coulisses : la {product} prend forme", True),
        (P.instagram, F.carousel, "Trois ambiances avec la {product}", True),
        (P.facebook, F.carousel, "La {product} : une lampe, trois pièces", True),
        (P.tiktok, F.short_video, "Avant/après : la {product} change tout", True),
        (P.instagram, F.post, "Nouveau : la {product}, fabriquée à Lyon", True),
        (P.facebook, F.post, "Livraison offerte dès 80 € sur la collection {season}", True),
        (P.instagram, F.story, "Cette semaine : -10 % sur la {product}", True),
        (P.tiktok, F.short_video, "Le geste de l'artisan : la {product}", False),
    )
    sales_days = (yesterday - sales_start.date()).days
    count = max(6, sales_days * 2 // 5)
    for i in range(count):
        platform, fmt, title, paid = ideas[i % len(ideas)]
        product, price = PRODUCTS[(i * 5) % len(PRODUCTS)]
        slot = next_slot()
        target = sales_start.date() + timedelta(days=2 + i * (sales_days - 3) // max(count - 1, 1))
        at = published_at(target, sales_start.date(), slot)
        name = title.format(product=product, season=collection.lower())
        story = fmt == F.story
        items.append(
            ItemPlan(
                key=f"sales-{i}",
                campaign="sales",
                platform=platform,
                format=fmt,
                title=name,
                caption=f"{name} ✨ #MaisonLumiere #{tag}",
                paid=paid,
                production_cost=Decimal(rng.choice(("350.00", "600.00", "900.00", "1200.00"))),
                status=S.published,
                at=at,
                profile=Profile(
                    impressions=int((rng.uniform(7_000, 12_000) if paid else 9_000) * luck()),
                    life_days=1 if story else rng.randint(14, 21) if paid else 10,
                    decay=1.0 if paid else 0.62,
                    engagement_rate=FORMAT_ENGAGEMENT[fmt] * SLOT_LIFT[slot[:2]] * luck(),
                    ctr=0.013 * luck(0.8, 1.2),
                    conversion_rate=0.028 * luck(0.8, 1.2),
                    lead_rate=None,
                    order_value=price * Decimal("0.55"),
                    cpm=Decimal(str(round(rng.uniform(8.0, 12.5), 2))) if paid else None,
                ),
            )
        )
    # The launch's hero reel, A/B tested: B's caption converts clearly better.
    hero_day = sales_start.date() + timedelta(days=3)
    hero_at = published_at(hero_day + timedelta(days=6), sales_start.date(), SLOTS[0])
    for variant, caption, conversion in (
        ("A", f"La collection {collection} est là ✨", 0.021),
        ("B", f"{collection} : la lumière entre chez vous, livraison offerte ✨", 0.034),
    ):
        items.append(
            ItemPlan(
                key=f"hero-{variant}",
                campaign="sales",
                platform=P.instagram,
                format=F.reel,
                title=f"Reel de lancement — variante {variant}",
                caption=f"{caption} #MaisonLumiere",
                paid=True,
                production_cost=Decimal("1800.00"),
                status=S.published,
                at=hero_at,
                ab=(AB_DECIDED, variant),
                profile=Profile(
                    impressions=12_500,
                    life_days=21,
                    decay=1.0,
                    engagement_rate=0.047,
                    ctr=0.013,
                    conversion_rate=conversion,
                    lead_rate=None,
                    order_value=Decimal("96.00"),
                    cpm=Decimal("9.80"),
                    noisy_rates=False,
                ),
            )
        )
    # The viral one: an organic TikTok everyone shared, few of whom bought.
    viral_at = published_at(
        today - timedelta(days=round(days * 0.38)), sales_start.date(), SLOTS[1]
    )
    items.append(
        ItemPlan(
            key="viral",
            campaign="sales",
            platform=P.tiktok,
            format=F.short_video,
            title="La lampe Aurore passe du jour à la nuit",
            caption="Jour 🌞 / nuit 🌙 : la lampe Aurore en un geste #MaisonLumiere #homedecor",
            paid=False,
            production_cost=Decimal("300.00"),
            status=S.published,
            at=viral_at,
            profile=Profile(
                impressions=210_000,
                life_days=12,
                decay=0.7,
                engagement_rate=0.112,
                ctr=0.0065,
                conversion_rate=0.005,
                lead_rate=None,
                order_value=Decimal("92.00"),
                cpm=None,
            ),
        )
    )
    # The star: a carousel that people save, click and buy from.
    star_at = published_at(today - timedelta(days=round(days * 0.2)), sales_start.date(), SLOTS[2])
    items.append(
        ItemPlan(
            key="star",
            campaign="sales",
            platform=P.instagram,
            format=F.carousel,
            title="Guide : bien éclairer son salon en 5 étapes",
            caption="Le guide pour éclairer son salon, pièce par pièce 💡 #MaisonLumiere",
            paid=True,
            production_cost=Decimal("650.00"),
            status=S.published,
            at=star_at,
            profile=Profile(
                impressions=14_000,
                life_days=18,
                decay=1.0,
                engagement_rate=0.071,
                ctr=0.021,
                conversion_rate=0.066,
                lead_rate=None,
                order_value=Decimal("139.00"),
                cpm=Decimal("10.40"),
            ),
        )
    )
    # B2B on LinkedIn: clicks come, the lead form loses them (the funnel's leak).
    b2b = (
        (F.article, "Éclairage hôtelier : 5 tendances pour {year}"),
        (F.post, "Étude de cas : 120 chambres éclairées par Maison Lumière"),
        (F.carousel, "Catalogue pro : la gamme {product}"),
        (F.post, "Webinaire : éclairer un restaurant sans éblouir"),
    )
    leads_days = (yesterday - leads_start.date()).days
    count = max(4, leads_days // 7)
    for i in range(count):
        fmt, title = b2b[i % len(b2b)]
        product, _ = PRODUCTS[i % len(PRODUCTS)]
        slot = next_slot()
        target = leads_start.date() + timedelta(days=1 + i * (leads_days - 2) // max(count - 1, 1))
        name = title.format(product=product, year=year)
        items.append(
            ItemPlan(
                key=f"leads-{i}",
                campaign="leads",
                platform=P.linkedin,
                format=fmt,
                title=name,
                caption=name,
                paid=i % 5 != 4,
                production_cost=Decimal(rng.choice(("250.00", "400.00", "900.00"))),
                status=S.published,
                at=published_at(target, leads_start.date(), slot),
                profile=Profile(
                    impressions=int(rng.uniform(2_500, 4_200)),
                    life_days=rng.randint(21, 28),
                    decay=1.0,
                    engagement_rate=FORMAT_ENGAGEMENT[fmt] * SLOT_LIFT[slot[:2]] * luck(0.9, 1.1),
                    ctr=0.0105 * luck(0.85, 1.15),
                    conversion_rate=None,
                    lead_rate=0.011 * luck(0.85, 1.15),
                    order_value=None,
                    cpm=Decimal(str(round(rng.uniform(12.0, 14.5), 2))),
                ),
            )
        )
    ab_at = published_at(today - timedelta(days=30), leads_start.date(), SLOTS[4])
    for variant, title in (("A", "Visuel A : le hall d'hôtel"), ("B", "Visuel B : la chambre")):
        items.append(
            ItemPlan(
                key=f"b2b-{variant}",
                campaign="leads",
                platform=P.linkedin,
                format=F.post,
                title=f"Test visuel B2B — {title}",
                caption="Nos luminaires pour l'hôtellerie : demandez le catalogue pro",
                paid=True,
                production_cost=Decimal("300.00"),
                status=S.published,
                at=ab_at,
                ab=(AB_UNDECIDED, variant),
                profile=Profile(
                    impressions=5_200,
                    life_days=26,
                    decay=1.0,
                    engagement_rate=0.029,
                    ctr=0.011,
                    conversion_rate=None,
                    lead_rate=0.0118 if variant == "A" else 0.0132,
                    order_value=None,
                    cpm=Decimal("13.20"),
                    noisy_rates=False,
                ),
            )
        )
    # The brand's own channel, outside campaigns.
    brand = (
        (P.youtube, F.short_video, "Atelier : comment naît une {product}"),
        (P.instagram, F.post, "Chez vous : la {product} vue par nos clients"),
        (P.facebook, F.live, "Live déco : vos questions à notre designer"),
        (P.tiktok, F.short_video, "Trois erreurs d'éclairage à éviter"),
        (P.instagram, F.ugc, "Vos intérieurs #MaisonLumiere : la {product}"),
    )
    count = max(3, days // 8)
    for i in range(count):
        platform, fmt, title = brand[i % len(brand)]
        product, price = PRODUCTS[(i * 3 + 1) % len(PRODUCTS)]
        slot = next_slot()
        target = leads_start.date() + timedelta(days=3 + i * (days - 5) // max(count - 1, 1))
        name = title.format(product=product)
        items.append(
            ItemPlan(
                key=f"brand-{i}",
                campaign=None,
                platform=platform,
                format=fmt,
                title=name,
                caption=f"{name} #MaisonLumiere",
                paid=False,
                production_cost=Decimal("2400.00") if platform == P.youtube else None,
                status=S.published,
                at=published_at(target, leads_start.date(), slot),
                profile=Profile(
                    impressions=int(rng.uniform(5_000, 11_000)),
                    life_days=10,
                    decay=0.6,
                    engagement_rate=FORMAT_ENGAGEMENT[fmt] * SLOT_LIFT[slot[:2]] * luck(),
                    ctr=0.008 * luck(),
                    conversion_rate=0.018 * luck(),
                    lead_rate=None,
                    order_value=price,
                    cpm=None,
                ),
            )
        )
    items += _upcoming(today, collection, lyon_start)
    return Plan(now=now, days=days, campaigns=campaigns, items=tuple(items))


def _upcoming(today: date, collection: str, lyon_start: datetime) -> list[ItemPlan]:
    """The editorial calendar ahead: every workflow status, at daytime hours."""

    def item(
        key: str,
        campaign: str | None,
        platform: P,
        fmt: F,
        title: str,
        status: S,
        at: datetime,
        cost: str | None,
        paid: bool = True,
    ) -> ItemPlan:
        return ItemPlan(
            key=key,
            campaign=campaign,
            platform=platform,
            format=fmt,
            title=title,
            caption=f"{title} #MaisonLumiere",
            paid=paid,
            production_cost=None if cost is None else Decimal(cost),
            status=status,
            at=at,
        )

    return [
        item(
            "next-story",
            "sales",
            P.instagram,
            F.story,
            f"Dernières heures : -15 % sur la collection {collection}",
            S.scheduled,
            local(today + timedelta(days=2), 18),
            "120.00",
        ),
        item(
            "next-article",
            "leads",
            P.linkedin,
            F.article,
            "Ce que les acheteurs de l'hôtellerie demandent cette année",
            S.scheduled,
            local(today + timedelta(days=3), 12),
            "900.00",
        ),
        item(
            "next-post",
            "leads",
            P.linkedin,
            F.post,
            "Rencontrons-nous : prise de rendez-vous avec notre équipe pro",
            S.draft,
            local(today + timedelta(days=9), 12),
            "250.00",
        ),
        item(
            "lyon-story",
            "lyon",
            P.instagram,
            F.story,
            "J-1 : la boutique de Lyon ouvre demain, 12 rue Mercière",
            S.scheduled,
            lyon_start - timedelta(days=1) + timedelta(hours=8),
            "150.00",
        ),
        item(
            "lyon-live",
            "lyon",
            P.facebook,
            F.live,
            "Live depuis la boutique de Lyon avec notre designer",
            S.in_review,
            lyon_start + timedelta(hours=9),
            "200.00",
            paid=False,
        ),
        item(
            "lyon-ugc",
            "lyon",
            P.instagram,
            F.ugc,
            "Vos photos de la boutique de Lyon",
            S.approved,
            lyon_start + timedelta(days=3, hours=2),
            None,
            paid=False,
        ),
        item(
            "lyon-tiktok",
            "lyon",
            P.tiktok,
            F.short_video,
            "Visite de la boutique de Lyon en 30 secondes",
            S.draft,
            lyon_start + timedelta(days=1, hours=8),
            "300.00",
        ),
    ]
