"""The FICTIONAL example audit's data (``example.build_example`` writes it into a database): one walkthrough of
Eksempelportalen, its flows, cookies, scripts, findings and owners. Not captured traffic.
"""

from __future__ import annotations

T0 = 1762160400.0  # 2025-11-03 09:00:00 UTC (10:00 in Copenhagen)
SESSION_ID = "5e55a0e1c0de4d0b8a11f00dbeefcafe"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:144.0) Gecko/20100101 Firefox/144.0"
STEPS = [(0, "forside"), (40, "samtykke: afvis"), (95, "login med MitID"), (180, "ansøgning"), (300, "hjælp: video")]
END = 420.0

# site -> (policy entry, basis, owner, country, categories); fictional except MitID/NemLog-in.
PARTIES = {
    "cookieconsent-demo.dk": ("CookieConsent Demo", "technically_necessary", "CookieConsent Demo ApS", "DK",
                              ("consent",)),
    "stats-demo.dk": ("Stats Demo", "written_agreement", "Stats Demo A/S", "DK", ("analytics",)),
    "video-demo.dk": ("Video Demo", "opt_out", "Video Demo Inc.", "US", ("video",)),
    "mitid.dk": ("MitID and NemLog-in", "technically_necessary", "Digitaliseringsstyrelsen", "DK", ("login",)),
    "nemlog-in.dk": ("MitID and NemLog-in", "technically_necessary", "Digitaliseringsstyrelsen", "DK", ("login",)),
    "sporing-demo.com": (None, None, "Sporing Demo Ltd.", "GB", ("advertising", "analytics")),
}

# (seconds after T0, method, URL, kind, status, content type); the step is the one current at that time.
FLOWS = [
    (1.0, "GET", "https://www.example-portal.dk/", "document", 200, "text/html"),
    (1.3, "GET", "https://www.example-portal.dk/static/app.js", "script", 200, "text/javascript"),
    (1.4, "GET", "https://www.example-portal.dk/static/site.css", "stylesheet", 200, "text/css"),
    (1.6, "GET", "https://cdn.cookieconsent-demo.dk/uc.js?cbid=", "script", 200, "text/javascript"),
    (1.9, "GET", "https://cdn.stats-demo.dk/analytics.js?site=", "script", 200, "text/javascript"),
    (2.2, "GET", "https://px.sporing-demo.com/p.gif?uid=&ref=", "image", 200, "image/gif"),
    (2.5, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (3.0, "GET", "https://detectportal.firefox.com/canonical.html", "other", 200, "text/html"),
    (12.0, "GET", "https://api.example-portal.dk/v1/news", "xhr", 200, "application/json"),
    (41.0, "POST", "https://consent.cookieconsent-demo.dk/api/consent", "xhr", 200, "application/json"),
    (42.0, "GET", "https://px.sporing-demo.com/p.gif?uid=&ev=", "image", 200, "image/gif"),
    (43.0, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (96.0, "GET", "https://www.example-portal.dk/login", "document", 302, "text/html"),
    (97.0, "GET", "https://login.nemlog-in.dk/login?SAMLRequest=", "document", 200, "text/html"),
    (97.5, "GET", "https://login.nemlog-in.dk/js/login.js", "script", 200, "text/javascript"),
    (110.0, "POST", "https://mitid.dk/api/authenticate", "xhr", 200, "application/json"),
    (150.0, "POST", "https://login.nemlog-in.dk/sso/response", "document", 302, "text/html"),
    (151.0, "GET", "https://www.example-portal.dk/min-side", "document", 200, "text/html"),
    (151.5, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (181.0, "GET", "https://www.example-portal.dk/ansoeg", "document", 200, "text/html"),
    (182.0, "POST", "https://api.example-portal.dk/v1/ansoegning", "xhr", 201, "application/json"),
    (183.0, "GET", "https://sync.sporing-demo.com/match?partner=&uid=", "xhr", 200, "application/json"),
    (240.0, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (301.0, "GET", "https://www.example-portal.dk/hjaelp", "document", 200, "text/html"),
    (302.0, "GET", "https://www.video-demo.dk/embed/intro-2025", "document", 200, "text/html"),
    (302.4, "GET", "https://static.video-demo.dk/player.js", "script", 200, "text/javascript"),
    (303.0, "GET", "https://media.video-demo.dk/v/intro-2025.mp4", "media", 206, "video/mp4"),
    (330.0, "POST", "https://www.video-demo.dk/api/stats?vid=", "xhr", 204, None),
    (360.0, "GET", "https://push.services.mozilla.com/", "websocket", 101, None),
]

# (flow's URL prefix, direction, name, lifetime, value); each is attached to the first flow whose URL starts so.
COOKIES = [
    ("https://www.example-portal.dk/", "set", "portal_session", None, "s3ss10n-abc"),
    ("https://api.example-portal.dk/v1/news", "sent", "portal_session", None, "s3ss10n-abc"),
    ("https://api.example-portal.dk/v1/news", "sent", "_sd_uid", None, "SD1.1.784512.1762160402"),
    ("https://px.sporing-demo.com/p.gif?uid=&ref=", "set", "_sp_id", 2 * 365 * 86400, "a8f3k2l9q0x7m1"),
    ("https://px.sporing-demo.com/p.gif?uid=&ev=", "sent", "_sp_id", None, "a8f3k2l9q0x7m1"),
    ("https://consent.cookieconsent-demo.dk/", "set", "CookieConsent", 400 * 86400, "{stamp:'-1',necessary:true}"),
    ("https://collect.stats-demo.dk/", "set", "sid_stats", 365 * 86400, "7f1c0e9a"),
    ("https://login.nemlog-in.dk/login", "set", "NemLoginSession", None, "nl-9d8c7b6a"),
    ("https://www.video-demo.dk/embed/", "set", "VISITOR_INFO1", 180 * 86400, "vX9-qq8Lm"),
]

SCRIPTS = {"/static/app.js": "app", "/uc.js": "consent v2.104", "/analytics.js": "stats 5.1",
           "/js/login.js": "nemlog-in 3", "/player.js": "player 12.0"}

FINDINGS = [
    ("undeclared-third-party", "error", "sporing-demo.com", None, "",
     "Third party sporing-demo.com is not declared in the policy of Eksempelportalen (no technically necessary "
     "purpose, written agreement or opt-out); first seen: an image from px.sporing-demo.com."),
    ("kind-not-allowed", "error", "video-demo.dk", None, "cookie_set",
     "Video Demo (video-demo.dk) was seen with a cookie it set (kind 'cookie_set'), which its policy entry does "
     "not allow (allowed: document, font, image, media, script, stylesheet, xhr); first seen at www.video-demo.dk."),
    ("necessary-but-tracking", "warning", "cookieconsent-demo.dk", None, "cookie:CookieConsent",
     "CookieConsent Demo is declared technically necessary (the cookie consent banner and storing the citizen's "
     "choice), but consent.cookieconsent-demo.dk sets cookie 'CookieConsent' that lives 400 days, longer than a "
     "year."),
]


# The facts beyond subject, hosts, kinds, party and basis that the recorder keeps with each finding.
DETAILS = {
    "undeclared-third-party": {"solution": "Eksempelportalen", "summary": "not declared"},
    "kind-not-allowed": {"allowed": ["document", "font", "image", "media", "script", "stylesheet", "xhr"],
                         "summary": "kind 'cookie_set' is not allowed for it"},
    "necessary-but-tracking": {"purpose": "the cookie consent banner and storing the citizen's choice",
                               "lifetime": 400 * 86400, "cookie_host": "consent.cookieconsent-demo.dk",
                               "summary": "cookie 'CookieConsent' lives 400 days"},
}


# site -> (purpose, service name) of the owners above: what the site's hosts are for (entities.PURPOSES).
SERVICES = {"cookieconsent-demo.dk": ("consent", None), "stats-demo.dk": ("analytics", "Stats Demo Analytics"),
            "video-demo.dk": ("video", "Video Demo Player"), "mitid.dk": ("login", "MitID"),
            "nemlog-in.dk": ("login", "NemLog-in"), "sporing-demo.com": ("advertising", None)}
PARENTS = {"Video Demo Inc.": "Demo Media Group Inc."}
