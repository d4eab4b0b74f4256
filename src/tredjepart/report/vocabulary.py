"""The report's closed vocabularies in Danish and English: bases, states, parties, severities, kinds, rules and
categories, each ``code -> (da, en)``, and the plural forms of counted words. ``i18n.Catalog`` picks one
language; an unknown code is shown as it is.
"""

from __future__ import annotations

from tredjepart.rules import RULES as ALL_RULES

BASES = {
    "technically_necessary": ("teknisk nødvendig", "technically necessary"),
    "written_agreement": ("skriftlig aftale", "written agreement"),
    "opt_out": ("fravalg i indstillinger", "opt-out in settings"),
    None: ("intet erklæret grundlag", "no declared basis"),
}

STATES = {
    "covered": ("dækket", "covered"),
    "warning": ("dækket, med advarsler", "covered, with warnings"),
    "uncovered": ("Ikke dækket af politikken", "Not covered by the policy"),
    "background": ("enhedens baggrundstrafik", "the device's background traffic"),
}

PARTIES = {"first": ("førstepart", "first party"), "third": ("tredjepart", "third party"),
           "background": ("baggrund", "background")}

SEVERITIES = {"error": ("fejl", "error"), "warning": ("advarsel", "warning"), "info": ("info", "info")}

KINDS = {
    "document": ("side", "page"), "script": ("script", "script"), "stylesheet": ("stylesheet", "stylesheet"),
    "image": ("billede", "image"), "xhr": ("dataforespørgsel (XHR/fetch)", "data request (XHR/fetch)"),
    "beacon": ("beacon", "beacon"), "ping": ("ping", "ping"), "websocket": ("websocket", "websocket"),
    "font": ("skrifttype", "font"), "media": ("medie", "media"), "other": ("andet", "other"),
    "tcp": ("rå TCP-forbindelse", "raw TCP connection"), "udp": ("rå UDP-forbindelse", "raw UDP connection"),
    "dns": ("DNS-opslag", "DNS lookup"),
    "cookie_set": ("satte cookies", "set cookies"), "cookie_sent": ("fik cookies sendt", "was sent cookies"),
    "js_cookie": ("cookie sat af script", "cookie set by script"), "pixel": ("sporingspixel", "tracking pixel"),
    "sdk": ("app-SDK-kald", "app SDK call"),
    "storage": ("data gemt på enheden af script", "data stored on the device by script"),
    "stale_cookie": ("cookie fra et tidligere besøg", "cookie from an earlier visit"),
    "identifier_cookie": ("identifikator-cookie", "identifier cookie"),
    "id_sync": ("ID-synkronisering", "ID syncing"), "fingerprinting": ("fingerprinting", "fingerprinting"),
    "etag": ("ETag-sporing", "ETag tracking"), "bounce": ("bounce-sporing", "bounce tracking"),
}

RULES = {r.id: (r.title_da, r.title_en) for r in ALL_RULES.values()}  # the titles live with the rules

# tredjepart.entities.CATEGORIES: what an owner or a service is for.
CATEGORIES = {
    "analytics": ("statistik og analyse", "analytics"), "advertising": ("annoncering", "advertising"),
    "social": ("sociale medier", "social media"), "consent": ("samtykkehåndtering", "consent management"),
    "login": ("login", "log-in"), "video": ("video", "video"), "maps": ("kort", "maps"),
    "fonts-cdn": ("skrifttyper og CDN", "fonts and CDN"), "crash-reporting": ("fejlrapportering", "crash reporting"),
    "push": ("push-beskeder", "push messages"), "customer-support": ("kundeservice", "customer support"),
    "security": ("sikkerhed", "security"), "hosting": ("hosting", "hosting"), "other": ("andet", "other"),
}

PLURALS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {  # key -> ((da one, da many), (en one, en many))
    "party": (("tredjepart", "tredjeparter"), ("third party", "third parties")),
    "session": (("session", "sessioner"), ("session", "sessions")),
    "error": (("fejl", "fejl"), ("error", "errors")),
    "warning": (("advarsel", "advarsler"), ("warning", "warnings")),
    "host": (("vært", "værter"), ("host", "hosts")),
    "second": (("sekund", "sekunder"), ("second", "seconds")),
    "minute": (("minut", "minutter"), ("minute", "minutes")),
    "hour": (("time", "timer"), ("hour", "hours")),
    "day": (("dag", "dage"), ("day", "days")),
    "month": (("måned", "måneder"), ("month", "months")),
    "year": (("år", "år"), ("year", "years")),
}

# tredjepart.entities.PURPOSES: what one service or host is for (docs/entities.md, "Purposes").
PURPOSES = {
    "advertising": ("annoncering", "advertising"),
    "content-recommendation": ("indholdsanbefalinger", "content recommendation"),
    "marketing": ("markedsføring", "marketing"), "analytics": ("statistik og analyse", "analytics"),
    "tag-manager": ("tag manager", "tag manager"),
    "ab-testing": ("A/B-test og personalisering", "A/B testing and personalisation"),
    "session-recording": ("optagelse af brugerens session", "session recording"),
    "consent": ("samtykkehåndtering", "consent management"), "social": ("sociale medier", "social media"),
    "comments": ("kommentarer", "comments"), "login": ("login", "log-in"), "video": ("video", "video"),
    "maps": ("kort", "maps"), "fonts": ("skrifttyper", "fonts"), "cdn": ("CDN", "CDN"),
    "hosting": ("hosting", "hosting"), "chat": ("chat", "chat"),
    "customer-support": ("kundeservice", "customer support"),
    "surveys": ("spørgeskemaer", "surveys"), "crash-reporting": ("fejlrapportering", "crash reporting"),
    "monitoring": ("driftsovervågning", "monitoring"), "push": ("push-beskeder", "push messages"),
    "security": ("sikkerhed", "security"), "payments": ("betaling", "payments"),
    "accessibility": ("tilgængelighed", "accessibility"), "search": ("søgning", "search"),
    "reviews": ("anmeldelser", "reviews"), "content": ("indhold", "content"), "other": ("andet", "other"),
}
