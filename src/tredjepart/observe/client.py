"""Browser or app: which kind of client sent a request.

Browsers send Sec-Fetch-* headers (Chromium since 76, Firefox since 90, Safari since 16.4) and a User-Agent that
starts with ``Mozilla/5.0``. Native apps talk through HTTP stacks with User-Agents of their own (OkHttp, Dalvik,
CFNetwork/Darwin, SDK names) and send no Sec-Fetch headers. An in-app WebView is a browser engine inside an app:
Android marks it with ``; wv)``; we call it ``app``, as its traffic belongs to the app under audit.
"""

from __future__ import annotations

import functools
import re

_APP_UA = re.compile(
    r"okhttp|dalvik|cfnetwork|darwin/|alamofire|cronet|java/|ktor-client|dart[:/ ]|flutter|"
    r"react-native|expo/|unity|firebase|crashlytics|appsflyer|adjust|branch|facebook|fban|fbav|"
    r"instagram|com\.[a-z0-9_]+\.[a-z0-9_]+|"
    r"; wv\)|gsa/|grpc-|apache-httpclient|nsurlsession",
    re.IGNORECASE,
)
_BROWSER_UA = re.compile(r"^mozilla/5\.0 ", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def classify_client(user_agent: str | None, has_sec_fetch: bool, x_requested_with: str | None = None) -> str:
    """``browser``, ``app`` or ``unknown`` (records.CLIENTS)."""
    ua = user_agent or ""
    if x_requested_with and x_requested_with.lower() != "xmlhttprequest":
        return "app"  # Android WebViews put the app's package name here
    if ua and _APP_UA.search(ua):
        return "app"
    if has_sec_fetch:
        return "browser"
    if ua and _BROWSER_UA.match(ua):
        return "browser"
    if ua:
        return "app"  # a User-Agent that is no browser's: some HTTP library in an app or a tool
    return "unknown"
