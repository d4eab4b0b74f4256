"""The names and words that say a secret follows, for observe.tokens: parameter names whose values are session ids,
credentials or identifiers, path words after which a token comes, and the file extensions of static assets.

Names are compared lower-case with ``-`` and ``_`` removed (``JSESSIONID``, ``access_token``, ``partner-uid``).
Each list says where its names come from: the frameworks' and protocols' own documentation of what they put in
URLs, and the identifier parameters seen in the real captures of ../shared/data.
"""

from __future__ import annotations

# Session ids carried in the URL when cookies are off. Java servlets' URL rewriting appends ";jsessionid=" (Jakarta
# Servlet specification, "URL Rewriting": https://jakarta.ee/specifications/servlet/6.0/); PHP's trans-sid passes
# PHPSESSID (https://www.php.net/manual/en/session.idpassing.php); ColdFusion's URL token is CFID and CFTOKEN
# (https://helpx.adobe.com/coldfusion/cfml-reference/reserved-words-and-variables/scope-specific-built-in-variables/
# client-variables.html);
# ASP.NET's cookieless sessions are matched by their (S(...)) segment in observe.tokens
# (https://learn.microsoft.com/en-us/dotnet/api/system.web.sessionstate.httpsessionstate.iscookieless).
SESSION_NAMES = frozenset({
    "jsessionid", "phpsessid", "cfid", "cftoken", "sessionid", "sid", "sessid", "session", "sess", "sessiontoken",
    "sessionkey", "aspsessionid",
})
# Credentials: OAuth 2.0 (code, access_token, refresh_token: https://www.rfc-editor.org/rfc/rfc6749), OpenID
# Connect (id_token, nonce: https://openid.net/specs/openid-connect-core-1_0.html), SAML bindings (SAMLRequest,
# SAMLResponse: https://docs.oasis-open.org/security/saml/v2.0/saml-bindings-2.0-os.pdf), and the generic names of
# keys, passwords, signatures and anti-CSRF tokens.
TOKEN_NAMES = frozenset({
    "code", "accesstoken", "refreshtoken", "idtoken", "nonce", "samlrequest", "samlresponse", "token", "authtoken",
    "auth", "authorization", "bearer", "apikey", "key", "secret", "clientsecret", "password", "passwd", "pwd",
    "pass", "otp", "ticket", "signature", "sig", "hmac", "csrf", "csrftoken", "xsrf", "email", "mail",
})
# A person's or device's identifier. Click ids: gclid and dclid (Google Ads auto-tagging,
# https://support.google.com/google-ads/answer/3095550), fbclid, fbp and fbc (Meta,
# https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc); advertising ids
# (idfa, gaid, aaid); and the names that carry user and partner ids in the ID-sync requests of the shared captures
# (dpuuid, fpa, partner_uid, partner_user_id, partner_device_id, kuid, bk_uuid, google_gid, userId).
ID_NAMES = frozenset({
    "gclid", "dclid", "fbclid", "fbp", "fbc", "idfa", "gaid", "aaid", "dpuuid", "fpa", "partneruid",
    "partneruserid", "partnerdeviceid", "kuid", "bkuuid", "googlegid", "userid", "uid", "uuid", "puid",
    "visitorid", "deviceid", "clientid", "anonymousid", "cookieid",
})
# Path words after which a token comes: password reset, e-mail confirmation, account activation, magic links,
# invitations, unsubscribe and share links, one-time downloads (the capability URLs of web applications).
TOKEN_WORDS = frozenset({
    "reset", "resetpassword", "passwordreset", "forgot", "forgotpassword", "recover", "recovery", "confirm",
    "confirmation", "confirmemail", "verify", "verification", "verifyemail", "validate", "validation", "activate",
    "activation", "token", "tokens", "magic", "magiclink", "login", "signin", "auth", "sso", "invite",
    "invitation", "unsubscribe", "optout", "share", "shared", "download", "key", "apikey", "session", "sessions",
    "ticket", "otp", "secret", "password", "onetime", "passwordless", "approve", "accept", "claim", "redeem",
})
# Static assets: a path to one of these is a file, and its hex and base64 runs are content hashes and ids.
ASSET_EXTENSIONS = frozenset({
    "js", "mjs", "cjs", "css", "map", "png", "gif", "jpg", "jpeg", "webp", "svg", "ico", "avif", "bmp", "woff",
    "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "m4a", "ogg", "wav", "m3u8", "ts", "m4s", "mpd", "vtt",
    "wasm", "swf", "flv", "tif", "tiff", "heic", "jxl",
})
# What an e-mail's top-level domain never is: a file extension (``logo@2x.png`` is a retina image).
FILE_EXTENSIONS = ASSET_EXTENSIONS | {"html", "htm", "php", "asp", "aspx", "jsp", "json", "xml", "txt", "pdf", "gz"}
