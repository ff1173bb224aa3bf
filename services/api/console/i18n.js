// The console's words in the workspace's language (French first: the first market),
// and numbers, money and dates in its locale.

const WORDS = {
  fr: {
    skip: "Aller au contenu",
    signIn: "Se connecter",
    signOut: "Se déconnecter",
    keyLabel: "Clé d'API",
    keyHint: "Collez une clé de l'espace de travail. Elle reste dans cet onglet (sessionStorage) et disparaît à sa fermeture.",
    keyRefused: "Clé refusée : {detail}",
    loading: "Chargement…",
    failed: "Échec : {detail}",
    overview: "Vue d'ensemble",
    alerts: "Alertes",
    role: "rôle {role}",
    roles: { viewer: "lecture", editor: "édition", admin: "admin" },
    openAlerts: "Alertes ouvertes",
    noOpenAlert: "Aucune alerte ouverte.",
    last30: "30 derniers jours",
    trend: "Tendance sur 30 jours",
    table: "Tableau des données",
    campaignsTargets: "Campagnes et objectifs",
    campaign: "Campagne",
    noCampaign: "(hors campagne)",
    missed: "Objectifs manqués",
    belowTarget: "{n} campagne(s) sous l'objectif",
    none: "aucun",
    day: "Jour",
    tiles: {
      impressions: "Impressions",
      engagement_rate: "Taux d'engagement",
      ctr: "CTR",
      conversions: "Conversions",
      spend: "Dépenses",
      roas: "ROAS",
    },
    kpi: {
      engagement_rate: "engagement", ctr: "CTR", conversion_rate: "conversion", cpm: "CPM",
      cpc: "CPC", cpa: "CPA", cpl: "CPL", roas: "ROAS", roi: "ROI", frequency: "fréquence",
    },
    level: "Niveau",
    status: "Statut",
    policy: "Politique",
    opened: "Ouverte",
    statuses: { open: "ouverte", acknowledged: "prise en compte", resolved: "résolue" },
    levels: { watch: "veille", alert: "alerte", crisis: "crise" },
    alert: "Alerte",
    timeline: "Chronologie",
    negativeShare: "Part négative",
    mentionsCount: "Mentions",
    escalatedTo: "escalade au niveau {level}",
    openedEvent: "ouverture",
    acknowledgedEvent: "prise en compte",
    resolvedEvent: "résolution",
    when: "Quand",
    what: "Quoi",
    explanation: "Explication",
    terms: "Termes",
    hashtags: "Hashtags",
    authors: "Auteurs",
    platforms: "Plateformes",
    languages: "Langues",
    key: "Clé",
    expected: "Attendu",
    followers: "Abonnés",
    negative: "Négatives",
    share: "Part",
    samples: "Mentions exemples",
    playbook: "Playbook",
    owner: "responsable : {role}",
    acknowledge: "Prendre en compte",
    resolve: "Résoudre",
    postmortem: "Post-mortem",
    save: "Enregistrer",
    saved: "Enregistré.",
    back: "Toutes les alertes",
    noAlert: "Aucune alerte.",
    listening: "Écoute",
    voiceOverTime: "Part de voix et sentiment net, semaine par semaine",
    shareOfVoice: "Part de voix",
    netSentiment: "Sentiment net",
    weekEnding: "Semaine finissant le",
    brandMentions: "Mentions de la marque",
    term: "Terme",
    kind: "Type",
    kinds: { brand: "marque", competitor: "concurrent" },
    responsivenessTitle: "Réactivité (30 jours)",
    responsiveness: {
      needing_response: "À traiter",
      responded: "Répondues",
      response_rate: "Taux de réponse",
      median_response: "Délai médian",
      p90_response: "Délai p90",
    },
    inbox: "Mentions à traiter",
    inboxEmpty: "Aucune mention n'attend de réponse.",
    assignee: "Assignée à",
    assign: "Assigner",
    markResponded: "Répondue",
    ignore: "Ignorer",
    mentionStatuses: { new: "nouvelle", assigned: "assignée", responded: "répondue", ignored: "ignorée", escalated: "escaladée" },
    operations: "Exploitation",
    deliveries: "Livraisons",
    deliveriesByStatus: "Livraisons récentes par statut",
    event: "Événement",
    attempts: "Tentatives",
    lastCode: "Dernier code",
    retry: "Renvoyer",
    deliveryStatuses: { pending: "en attente", sending: "en cours", succeeded: "réussie", failed: "échouée" },
    enabled: "active",
    disabled: "désactivée",
    failingSince: "en échec depuis {when}",
    successRate: "Taux de succès",
    lastError: "Dernière erreur",
    noError: "aucune",
    noEndpoint: "Aucun webhook.",
    needsRole: "Cette page demande une clé {role}.",
    content: "Contenus",
    calendar: "Calendrier éditorial",
    calendarView: "Vue du calendrier",
    views: { week: "Semaine", month: "Mois" },
    contentStatuses: {
      draft: "brouillon", in_review: "en relecture", approved: "approuvé", rejected: "refusé", scheduled: "programmé",
      on_hold: "en pause", publishing: "en publication", published: "publié", archived: "archivé",
    },
    matrix: "Matrice des contenus",
    engagementThreshold: "seuil d'engagement",
    conversionThreshold: "seuil de conversion",
    conversionRate: "Taux de conversion",
    quadrants: { viral: "viral", star: "star", targeted: "ciblé", generic: "générique" },
    quadrant: "Quadrant",
    item: "Contenu",
    bestTimes: "Meilleurs moments (engagement par jour et heure)",
    weekday: "Jour",
    hour: "Heure",
    items: "Contenus",
    campaigns: "Campagnes",
    budget: "Budget",
    period: "Période",
    campaignStatuses: { draft: "brouillon", scheduled: "programmée", active: "active", paused: "en pause", completed: "terminée", archived: "archivée" },
    byPlatform: "KPI par plateforme",
    byFormat: "KPI par format",
    platform: "Plateforme",
    format: "Format",
    clicks: "Clics",
    funnel: "Entonnoir, du like au lead",
    stage: "Étape",
    count: "Volume",
    passRate: "Taux de passage",
    reference: "Fourchette de référence",
    position: "Position",
    positions: { below: "en dessous", within: "dans la fourchette", above: "au-dessus" },
    leak: "fuite",
    pacing: "Rythme de dépense",
    cumulativeSpend: "Dépense cumulée",
    linearPace: "Rythme linéaire",
    reallocation: "Réallocation suggérée",
    noReallocation: "Aucune réallocation suggérée.",
    rankedBy: "Classé par {kpi}",
    currentShare: "Part actuelle",
    suggestedShare: "Part suggérée",
    suggestedSpend: "Dépense suggérée",
    attribution: "Attribution",
    modelsSideBySide: "Les modèles côte à côte, par canal",
    conversions: "conversions",
    channel: "Canal",
    models: {
      last_touch: "dernier contact", first_touch: "premier contact", linear: "linéaire", time_decay: "décroissance",
      position_based: "en U", markov: "Markov", shapley: "Shapley",
    },
    removalEffects: "Effets de retrait (Markov)",
    removalEffect: "Effet de retrait",
    noRun: "Aucun calcul d'attribution terminé.",
    runAgain: "Recalculer sur 30 jours",
    runStatus: "Calcul : {status}…",
    ingestBatches: "Lots d'ingestion",
    batchesByStatus: "Lots d'ingestion par statut",
    latestBatches: "Derniers lots",
    rows: "Lignes",
    inserted: "Insérées",
    jobs: "Tâches",
    jobsByStatus: "Tâches récentes par statut",
    failedJobs: "Tâches en échec",
    job: "Tâche",
    jobStatuses: { pending: "en attente", done: "faite", failed: "en échec" },
    updated: "Mises à jour",
    runs: "Calculs",
    paths: "parcours",
    lookback: "fenêtre (jours)",
    audiences: "Audiences",
    audience: "Audience",
    sizes: "Taille des audiences",
    size: "taille",
    computedAt: "calculée le",
    tiers: "Niveaux",
    tier: "Niveau",
    tierNames: { hot: "chaud", warm: "tiède", cold: "froid" },
    members: "Membres",
    refresh: "Recalculer",
    sizeOverRefreshes: "Taille au fil des recalculs",
    trigger: "Déclencheur",
    export: "Exporter (CSV)",
    refreshing: "Recalcul : {status}…",
    refreshed: "Recalcul {status} : {size} membres.",
    refreshStatuses: { queued: "en file", running: "en cours", succeeded: "terminé", failed: "en échec" },
    audienceKinds: { saved: "enregistrée", retargeting: "reciblage", lookalike: "similaire" },
  },
  en: {
    skip: "Skip to content",
    signIn: "Sign in",
    signOut: "Sign out",
    keyLabel: "API key",
    keyHint: "Paste a key of the workspace. It stays in this tab (sessionStorage) and is gone when the tab closes.",
    keyRefused: "Key refused: {detail}",
    loading: "Loading…",
    failed: "Failed: {detail}",
    overview: "Overview",
    alerts: "Alerts",
    role: "{role} role",
    roles: { viewer: "viewer", editor: "editor", admin: "admin" },
    openAlerts: "Open alerts",
    noOpenAlert: "No open alert.",
    last30: "Last 30 days",
    trend: "30-day trend",
    table: "Data table",
    campaignsTargets: "Campaigns and targets",
    campaign: "Campaign",
    noCampaign: "(no campaign)",
    missed: "Targets missed",
    belowTarget: "{n} campaign(s) below target",
    none: "none",
    day: "Day",
    tiles: {
      impressions: "Impressions",
      engagement_rate: "Engagement rate",
      ctr: "CTR",
      conversions: "Conversions",
      spend: "Spend",
      roas: "ROAS",
    },
    kpi: {
      engagement_rate: "engagement", ctr: "CTR", conversion_rate: "conversion", cpm: "CPM",
      cpc: "CPC", cpa: "CPA", cpl: "CPL", roas: "ROAS", roi: "ROI", frequency: "frequency",
    },
    level: "Level",
    status: "Status",
    policy: "Policy",
    opened: "Opened",
    statuses: { open: "open", acknowledged: "acknowledged", resolved: "resolved" },
    levels: { watch: "watch", alert: "alert", crisis: "crisis" },
    alert: "Alert",
    timeline: "Timeline",
    negativeShare: "Negative share",
    mentionsCount: "Mentions",
    escalatedTo: "escalated to level {level}",
    openedEvent: "opened",
    acknowledgedEvent: "acknowledged",
    resolvedEvent: "resolved",
    when: "When",
    what: "What",
    explanation: "Explanation",
    terms: "Terms",
    hashtags: "Hashtags",
    authors: "Authors",
    platforms: "Platforms",
    languages: "Languages",
    key: "Key",
    expected: "Expected",
    followers: "Followers",
    negative: "Negative",
    share: "Share",
    samples: "Sample mentions",
    playbook: "Playbook",
    owner: "owner: {role}",
    acknowledge: "Acknowledge",
    resolve: "Resolve",
    postmortem: "Postmortem",
    save: "Save",
    saved: "Saved.",
    back: "All alerts",
    noAlert: "No alert.",
    listening: "Listening",
    voiceOverTime: "Share of voice and net sentiment, week by week",
    shareOfVoice: "Share of voice",
    netSentiment: "Net sentiment",
    weekEnding: "Week ending",
    brandMentions: "Brand mentions",
    term: "Term",
    kind: "Kind",
    kinds: { brand: "brand", competitor: "competitor" },
    responsivenessTitle: "Responsiveness (30 days)",
    responsiveness: {
      needing_response: "Needing a response",
      responded: "Responded",
      response_rate: "Response rate",
      median_response: "Median time",
      p90_response: "p90 time",
    },
    inbox: "Mentions to handle",
    inboxEmpty: "No mention is waiting for a response.",
    assignee: "Assigned to",
    assign: "Assign",
    markResponded: "Responded",
    ignore: "Ignore",
    mentionStatuses: { new: "new", assigned: "assigned", responded: "responded", ignored: "ignored", escalated: "escalated" },
    operations: "Operations",
    deliveries: "Deliveries",
    deliveriesByStatus: "Recent deliveries by status",
    event: "Event",
    attempts: "Attempts",
    lastCode: "Last code",
    retry: "Retry",
    deliveryStatuses: { pending: "pending", sending: "sending", succeeded: "succeeded", failed: "failed" },
    enabled: "enabled",
    disabled: "disabled",
    failingSince: "failing since {when}",
    successRate: "Success rate",
    lastError: "Last error",
    noError: "none",
    noEndpoint: "No webhook endpoint.",
    needsRole: "This page needs an {role} key.",
    content: "Content",
    calendar: "Editorial calendar",
    calendarView: "Calendar view",
    views: { week: "Week", month: "Month" },
    contentStatuses: {
      draft: "draft", in_review: "in review", approved: "approved", rejected: "rejected", scheduled: "scheduled",
      on_hold: "on hold", publishing: "publishing", published: "published", archived: "archived",
    },
    matrix: "Content matrix",
    engagementThreshold: "engagement threshold",
    conversionThreshold: "conversion threshold",
    conversionRate: "Conversion rate",
    quadrants: { viral: "viral", star: "star", targeted: "targeted", generic: "generic" },
    quadrant: "Quadrant",
    item: "Item",
    bestTimes: "Best times (engagement by weekday and hour)",
    weekday: "Weekday",
    hour: "Hour",
    items: "Items",
    campaigns: "Campaigns",
    budget: "Budget",
    period: "Period",
    campaignStatuses: { draft: "draft", scheduled: "scheduled", active: "active", paused: "paused", completed: "completed", archived: "archived" },
    byPlatform: "KPIs by platform",
    byFormat: "KPIs by format",
    platform: "Platform",
    format: "Format",
    clicks: "Clicks",
    funnel: "Funnel, from like to lead",
    stage: "Stage",
    count: "Count",
    passRate: "Pass rate",
    reference: "Reference range",
    position: "Position",
    positions: { below: "below", within: "within", above: "above" },
    leak: "leak",
    pacing: "Budget pacing",
    cumulativeSpend: "Cumulative spend",
    linearPace: "Linear pace",
    reallocation: "Suggested reallocation",
    noReallocation: "No reallocation suggested.",
    rankedBy: "Ranked by {kpi}",
    currentShare: "Current share",
    suggestedShare: "Suggested share",
    suggestedSpend: "Suggested spend",
    attribution: "Attribution",
    modelsSideBySide: "The models side by side, per channel",
    conversions: "conversions",
    channel: "Channel",
    models: {
      last_touch: "last touch", first_touch: "first touch", linear: "linear", time_decay: "time decay",
      position_based: "position based", markov: "Markov", shapley: "Shapley",
    },
    removalEffects: "Removal effects (Markov)",
    removalEffect: "Removal effect",
    noRun: "No finished attribution run.",
    runAgain: "Run again over 30 days",
    runStatus: "Run: {status}…",
    ingestBatches: "Ingest batches",
    batchesByStatus: "Ingest batches by status",
    latestBatches: "Latest batches",
    rows: "Rows",
    inserted: "Inserted",
    jobs: "Jobs",
    jobsByStatus: "Recent jobs by status",
    failedJobs: "Failed jobs",
    job: "Job",
    jobStatuses: { pending: "pending", done: "done", failed: "failed" },
    updated: "Updated",
    runs: "Runs",
    paths: "paths",
    lookback: "lookback (days)",
    audiences: "Audiences",
    audience: "Audience",
    sizes: "Audience sizes",
    size: "size",
    computedAt: "computed",
    tiers: "Tiers",
    tier: "Tier",
    tierNames: { hot: "hot", warm: "warm", cold: "cold" },
    members: "Members",
    refresh: "Refresh",
    sizeOverRefreshes: "Size over refreshes",
    trigger: "Trigger",
    export: "Export (CSV)",
    refreshing: "Refresh: {status}…",
    refreshed: "Refresh {status}: {size} members.",
    refreshStatuses: { queued: "queued", running: "running", succeeded: "succeeded", failed: "failed" },
    audienceKinds: { saved: "saved", retargeting: "retargeting", lookalike: "lookalike" },
  },
};

let language = "fr";
let locale = "fr-FR";
let currency = "EUR";
let timeZone = "Europe/Paris";

/** Speak as the workspace does. */
export function configure(workspace) {
  language = WORDS[workspace.language] ? workspace.language : "fr";
  locale = workspace.locale || (language === "fr" ? "fr-FR" : "en-GB");
  currency = workspace.currency || "EUR";
  timeZone = workspace.timezone || "UTC";
  document.documentElement.lang = language;
}

export function lang() {
  return language;
}

/** The word for `path` ("tiles.ctr"), with `{name}`s filled from `values`. */
export function t(path, values = {}) {
  let found = path.split(".").reduce((node, part) => (node ? node[part] : undefined), WORDS[language]);
  if (typeof found !== "string") {
    found = path;
  }
  return found.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** A crisis level's name: the default levels' in the language, a workspace's own as is. */
export function level(name) {
  const word = t(`levels.${name}`);
  return word === `levels.${name}` ? name : word;
}

export function number(value, digits = 0) {
  if (value === null || value === undefined) {
    return "—";
  }
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

export function percent(value) {
  if (value === null || value === undefined) {
    return "—";
  }
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 }).format(value);
}

/** Money as the API writes it (a decimal string), in the workspace's currency. */
export function money(text, code = currency) {
  if (text === null || text === undefined) {
    return "—";
  }
  return new Intl.NumberFormat(locale, { style: "currency", currency: code }).format(Number(text));
}

export function dateTime(iso) {
  if (!iso) {
    return "—";
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
}

/** An instant's day in the workspace's time zone, as "YYYY-MM-DD". */
export function dayKey(iso) {
  return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(new Date(iso));
}

export function todayKey() {
  return dayKey(new Date().toISOString());
}

/** An instant's time of day in the workspace's time zone. */
export function timeOf(iso) {
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone }).format(new Date(iso));
}

/** A chart's time axis label: day and hour. */
export function moment(value) {
  return new Intl.DateTimeFormat(locale, { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", timeZone }).format(new Date(value));
}

/** A duration given in seconds, in its largest sensible unit. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) {
    return "—";
  }
  const [value, unit] = seconds >= 86_400 ? [seconds / 86_400, "day"] : seconds >= 3_600 ? [seconds / 3_600, "hour"] : [seconds / 60, "minute"];
  return new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
}

export function day(iso) {
  return new Intl.DateTimeFormat(locale, { day: "2-digit", month: "short", timeZone }).format(new Date(iso));
}
