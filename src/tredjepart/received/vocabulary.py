"""The names of the kinds of data a third party receives, with their English and Danish labels.

Tracker data types use the names TrackHAR and ReportHAR share (``advertisingId``, ``viewedPage``, ...; see
TrackHAR's ``i18n/en.json``), so a report from tredjepart and one from those tools speak of the same things. The
English labels are written here in our own words; the Danish ones are ours too. ``PERSONAL`` adds the kinds of
personal data a declared test identity or a pattern finds (a CPR number, an e-mail address, ...), which that
vocabulary does not name.

A decoder (received/decoders.py) may only name a type listed here: a typo in a user's decoder file is an error,
not a new kind of data.
"""

from __future__ import annotations

# type -> (English label, Danish label)
TRACKER_TYPES: dict[str, tuple[str, str]] = {
    "advertisingId": ("Device advertising ID (GAID/IDFA)", "Enhedens reklame-id (GAID/IDFA)"),
    "appId": ("App ID", "App-id"),
    "appName": ("App name", "Appens navn"),
    "appVersion": ("App version", "Appens version"),
    "architecture": ("CPU architecture", "Processorarkitektur"),
    "browserId": ("Unique ID of the browser", "Unikt id for browseren"),
    "browserWindowHeight": ("Browser window height", "Browservinduets højde"),
    "browserWindowWidth": ("Browser window width", "Browservinduets bredde"),
    "carrier": ("Mobile carrier", "Mobiloperatør"),
    "consentState": ("Consent state", "Samtykkestatus"),
    "country": ("Country", "Land"),
    "developerScopedId": ("Developer-scoped device ID (IDFV/ASID/ANDROID_ID)",
                          "Udviklerspecifikt enheds-id (IDFV/ASID/ANDROID_ID)"),
    "deviceId": ("Unique device ID", "Unikt enheds-id"),
    "deviceName": ("Device name", "Enhedens navn"),
    "errorInformation": ("Error information", "Fejloplysninger"),
    "hashedAdvertisingId": ("Hashed device advertising ID", "Hashet reklame-id"),
    "installationId": ("Unique installation ID", "Unikt installations-id"),
    "interactedElement": ("Element the user interacted with", "Element brugeren brugte"),
    "isEmulator": ("Is the device an emulator?", "Er enheden en emulator?"),
    "isRooted": ("Is the device rooted/jailbroken?", "Er enheden rootet/jailbroken?"),
    "language": ("Language", "Sprog"),
    "latitude": ("Latitude", "Breddegrad"),
    "longitude": ("Longitude", "Længdegrad"),
    "manufacturer": ("Manufacturer", "Producent"),
    "model": ("Device model", "Enhedsmodel"),
    "networkConnectionType": ("Network connection type", "Netværksforbindelse"),
    "orientation": ("Screen orientation", "Skærmretning"),
    "osName": ("OS name", "Styresystem"),
    "osVersion": ("OS version", "Styresystemets version"),
    "otherIdentifiers": ("Other unique identifier", "Andet unikt id"),
    "propertyId": ("ID of the website or app in the tracker's account", "Id for webstedet/appen hos tredjeparten"),
    "publicIp": ("Public IP address", "Offentlig IP-adresse"),
    "pushNotificationToken": ("Push notification token", "Token til push-beskeder"),
    "referer": ("Referring page (URL)", "Henvisende side (URL)"),
    "screenColorDepth": ("Screen colour depth", "Skærmens farvedybde"),
    "screenHeight": ("Screen height", "Skærmhøjde"),
    "screenWidth": ("Screen width", "Skærmbredde"),
    "sessionId": ("Unique session ID", "Unikt sessions-id"),
    "timezone": ("Time zone", "Tidszone"),
    "trackerSdkVersion": ("Tracker SDK version", "Version af tredjepartens SDK"),
    "userAction": ("Action performed by the user", "Handling brugeren udførte"),
    "userAgent": ("User agent", "User agent"),
    "userId": ("Unique user ID", "Unikt bruger-id"),
    "viewedPage": ("Viewed page (URL or title)", "Besøgt side (URL eller titel)"),
}

# Personal data found by a declared test identity or a pattern (tredjepart's additions to the vocabulary).
PERSONAL_TYPES: dict[str, tuple[str, str]] = {
    "cprNumber": ("CPR number", "CPR-nummer"),
    "emailAddress": ("E-mail address", "E-mailadresse"),
    "phoneNumber": ("Phone number", "Telefonnummer"),
    "name": ("Name", "Navn"),
    "address": ("Postal address", "Adresse"),
    "postcode": ("Postcode", "Postnummer"),
    "birthDate": ("Date of birth", "Fødselsdato"),
    "declaredValue": ("Other declared value", "Anden erklæret værdi"),
}

TYPES: dict[str, tuple[str, str]] = {**TRACKER_TYPES, **PERSONAL_TYPES}

# Types whose value is a page address or title: what ``page-url-to-third-party`` reads.
PAGE_TYPES = frozenset({"viewedPage", "referer"})


def label(data_type: str, language: str = "en") -> str:
    """The label of ``data_type`` in "en" or "da"; the type itself when it is unknown."""
    labels = TYPES.get(data_type)
    if labels is None:
        return data_type
    return labels[1] if language == "da" else labels[0]


def is_known(data_type: str) -> bool:
    return data_type in TYPES
