"""The words of the finding sentences (``findingtext``), in Danish and English: key -> (da, en).

Each sentence says what the recorder's English message says (policy/judge.py, detect/*.py, cname.py,
transfers.py), from the finding's facts. Placeholders are filled with plain text that the renderer escapes; a
clause whose fact may be missing is a separate entry (``allowed``, ``paren``, ``days_before`` ...).
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "seen": ("observeret: {kinds} fra {hosts}", "seen: {kinds} from {hosts}"),
    "undeclared": (
        "Tredjeparten {site} er ikke erklæret i politikken for {solution} (hverken som teknisk nødvendig, med en "
        "skriftlig aftale eller med et fravalg); {seen}.",
        "Third party {site} is not declared in the policy of {solution} (no technically necessary purpose, "
        "written agreement or opt-out); {seen}."),
    "undeclared_no_policy": (
        "Tredjeparten {site} blev brugt, uden at nogen politik dækker denne session; {seen}.",
        "Third party {site} was used without any policy covering this session; {seen}."),
    "kind_not_allowed": (
        "{party} ({site}) gjorde noget, som dens post i politikken ikke tillader: {kind_word} (art '{kind}'"
        "{allowed}); først set på {host}.",
        "{party} ({site}) did something its policy entry does not allow: {kind_word} (kind '{kind}'{allowed}); "
        "first seen at {host}."),
    "allowed": ("; tilladt: {value}", "; allowed: {value}"),
    "paren": (" ({value})", " ({value})"),
    "agreement_expired": (
        "Den skriftlige aftale med {party}{reference} udløb {expires}, men {site} blev stadig brugt {day}.",
        "The written agreement with {party}{reference} expired on {expires}, but {site} was still used on {day}."),
    "opt_out_never": (
        "Fravalget i indstillingerne for {party}{setting} er aldrig blevet efterprøvet.",
        "The opt-out setting of {party}{setting} has never been verified."),
    "opt_out_stale": (
        "Fravalget i indstillingerne for {party}{setting} blev sidst efterprøvet {verified}{days} ({day}); "
        "efterprøv det mindst én gang om året.",
        "The opt-out setting of {party}{setting} was last verified on {verified}{days} ({day}); verify it at "
        "least once a year."),
    "days_before": (", {value} dage før denne trafik", ", {value} days before this traffic"),
    "necessary_cookie": (
        "{party} er erklæret teknisk nødvendig{purpose}, men {host} sætter cookien '{cookie}', der lever "
        "{lifetime}, mere end et år.",
        "{party} is declared technically necessary{purpose}, but {host} sets cookie '{cookie}' that lives "
        "{lifetime}, longer than a year."),
    "necessary_kind": (
        "{party} er erklæret teknisk nødvendig{purpose}, men {host} fik {kind_word}-forespørgsler (art '{kind}'), "
        "sådan som sporingstjenester melder tilbage.",
        "{party} is declared technically necessary{purpose}, but {host} was sent {kind_word} requests (kind "
        "'{kind}'), the way trackers report back."),
    "identifier_cookie": (
        "Tredjeparten {site} satte cookien '{cookie}', der ligner en identifikator for enheden: den lever "
        "{lifetime}{value}. Med den kan {site} genkende personen på alle sites, der indlejrer den.",
        "Third party {site} set cookie '{cookie}' that looks like an identifier of the device: it lives "
        "{lifetime}{value}. With it {site} can recognise the person on every site that includes it."),
    "identifier_storage": (
        "Et script fra tredjeparten {site} ({script}) gemte '{item}' i løsningens localStorage ({frame}), en værdi "
        "der ligner en identifikator for enheden{value}. localStorage udløber ikke.",
        "A script of third party {site} ({script}) stored '{item}' in the solution's localStorage ({frame}), a value "
        "that looks like an identifier of the device{value}. localStorage does not expire."),
    "identifier_value": (
        ", og dens værdi er {length} tegn ({shape}, {bits} bit entropi pr. tegn)",
        " and its value is {length} characters ({shape}, {bits} bits of entropy per character)"),
    "id_sync": (
        "Identifikatoren i cookien '{cookie}' fra {cookie_site} ({part}dens værdi) blev sendt til {site} i "
        "{shown} (ID-synkronisering): {site} kan koble det, den ved om personen, med det, {cookie_site} ved.",
        "The identifier in cookie '{cookie}' of {cookie_site} ({part}its value) was sent to {site} in the "
        "{shown} (ID syncing): {site} can link what it knows about the person with what {cookie_site} knows."),
    "part_of": ("en del af ", "a part of "),
    "fingerprinting": (
        "Scriptet {url} fra tredjeparten {site} indeholder kode til browser-fingerprinting ({signals}): det kan "
        "genkende enheden på dens egenskaber uden at gemme noget på den.",
        "The script {url} from third party {site} contains browser-fingerprinting code ({signals}): it can "
        "recognise the device from its properties without storing anything on it."),
    "uninspectable": (
        "Enheden ville ikke tale med {host} gennem proxyen: {reason}. Dens trafik til {host} kunne ikke "
        "inspiceres, så det, den sendte dertil (cookies, identifikatorer, statistik), er en blind vinkel i denne "
        "gennemgang. Undersøg appens certifikatfastlåsning (pinning), eller test {host} på en anden måde.",
        "The device would not talk to {host} through the proxy: {reason}. Its traffic to {host} could not be "
        "inspected, so whatever it sent there (cookies, identifiers, analytics) is a blind spot of this audit. "
        "Check the app's certificate pinning, or test {host} another way."),
    "uninspectable_raw": (
        "Enheden talte med {host} i en anden protokol end HTTP ({protocol}): tredjepart registrerer hvornår, hvor "
        "mange beskeder og hvor mange bytes, men kan ikke læse, hvad der blev sendt, så indholdet er en blind vinkel "
        "i denne gennemgang. Undersøg på en anden måde, hvad appen sender dertil.",
        "The device talked to {host} in another protocol than HTTP ({protocol}): tredjepart records when, how many "
        "messages and how many bytes, but cannot read what was sent, so its content is a blind spot of this audit. "
        "Check what the app sends there another way."),
    "connection": ("{kind}-forbindelse", "{kind} connection"),
    "etag": (
        "{host} (tredjeparten {site}) gav browseren et ETag, der ligner en identifikator{tag}, og fik det tilbage "
        "i If-None-Match: browserens cache virker som en cookie for den (ETag-sporing), også hvor cookies er "
        "blokeret eller slettet.",
        "{host} (third party {site}) gave the browser an ETag that looks like an identifier{tag} and got it back "
        "in If-None-Match: the browser cache works like a cookie for it (ETag tracking), even where cookies are "
        "blocked or cleared."),
    "etag_tag": (" ({length} tegn, {shape})", " ({length} characters, {shape})"),
    "bounce": (
        "En navigation fra {from_site} blev sendt gennem tredjeparten {site} ({host}), som satte cookie(s) "
        "{cookies} og sendte videre{to} uden at vise en side (bounce-sporing). Hvis {site} er den erklærede "
        "login-udbyder, kan det være single sign-on.",
        "A navigation from {from_site} was bounced through third party {site} ({host}), which set cookie(s) "
        "{cookies} and redirected on{to} without showing a page (bounce tracking). If {site} is the declared "
        "log-in provider, this may be single sign-on."),
    "bounce_to": (" til {value}", " to {value}"),
    "cname": (
        "{host} er et CNAME-alias for {cname}{owner}: en tredjepart bag et førstepartsnavn.",
        "{host} is a CNAME alias of {cname}{owner}: a third party behind a first-party name."),
    "transfer": (
        "{entity} har sæde i {country}, uden for EU/EØS ({sites}): undersøg grundlaget for overførslen (fx en "
        "tilstrækkelighedsafgørelse eller standardkontraktbestemmelser).",
        "{entity} is seated in {country}, outside the EU/EEA ({sites}): check the transfer basis (e.g. an "
        "adequacy decision or standard contractual clauses)."),
    "transfer_us": (
        "{entity} har sæde i {country}, uden for EU/EØS ({sites}): undersøg grundlaget for overførslen (fx EU-US "
        "Data Privacy Framework eller standardkontraktbestemmelser).",
        "{entity} is seated in {country}, outside the EU/EEA ({sites}): check the transfer basis (e.g. the EU-US "
        "Data Privacy Framework or standard contractual clauses)."),
}

# detect.blindspots.REASONS: why the device would not talk to a host through the proxy.
REASONS: dict[str, tuple[str, str]] = {
    "certificate-refused": (
        "enheden stoler ikke på proxyens certifikat for den (certifikatfastlåsning, eller appen stoler ikke på "
        "proxyens CA)",
        "the device does not trust the proxy's certificate for it (certificate pinning, or the proxy's CA is not "
        "trusted by this app)"),
    "disconnected-during-handshake": (
        "enheden lagde på under TLS-håndtrykket, sådan som apps med certifikatfastlåsning gør",
        "the device hung up during the TLS handshake, as apps that pin certificates do"),
    "tls-version": ("enheden og proxyen kunne ikke blive enige om en TLS-version",
                    "the device and the proxy could not agree on a TLS version"),
    "not-tls": ("enheden talte ikke TLS, som proxyen kunne læse", "the device did not speak TLS the proxy could read"),
    "handshake-failed": ("TLS-håndtrykket mislykkedes", "the TLS handshake failed"),
    "raw-stream": (
        "enheden talte en anden protokol end HTTP med den (rå TCP eller UDP), hvis indhold tredjepart kun "
        "registrerer som størrelser",
        "the device spoke another protocol than HTTP to it (raw TCP or UDP), whose content tredjepart records only "
        "as sizes"),
}

# shapes.value_shape and shapes.tag_format: what a value looks like.
SHAPES: dict[str, tuple[str, str]] = {
    "empty": ("tom", "empty"), "boolean": ("sandhedsværdi", "boolean"), "timestamp": ("tidsstempel", "timestamp"),
    "numeric": ("tal", "numeric"), "uuid": ("UUID", "UUID"), "hex": ("hex", "hex"), "base64": ("base64", "base64"),
    "word": ("ord", "word"), "structured": ("struktureret", "structured"), "url": ("URL", "URL"),
    "mixed": ("blandet", "mixed"), "content": ("indholdsmærke", "content tag"),
}

# Where an identifier travelled (detect.idsync).
WHERE: dict[str, tuple[str, str]] = {
    "query": ("forespørgselsparameteren", "query parameter"), "path": ("URL-stisegmentet", "URL path segment"),
    "body": ("feltet i forespørgslens krop", "request body field"),
}
