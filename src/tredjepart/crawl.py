"""An unattended walkthrough of public pages: Playwright drives the system Chromium through the in-process proxy,
visits the given URLs and up to N same-site links, and optionally answers the consent banner.

Steps recorded: "before consent" from the start; after a click on the banner, "consent: accept" or
"consent: reject" (everything after it is "after consent"). The logged-in parts remain a manual walkthrough.
Chromium comes from Debian's ``chromium`` package (found on PATH, or ``--chromium``); nothing is downloaded.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from tredjepart.proxy.inproc import InProcessProxy
from tredjepart.sites import site_of

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--ignore-certificate-errors"]

# Buttons of common consent platforms (Cookiebot, Cookie Information, OneTrust, Usercentrics, Didomi, CookieYes,
# Cookie Consent by Osano, CookieFirst, Quantcast Choice, TrustArc), most specific first.
CONSENT_BUTTONS = {
    "accept": [
        "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll", "#CybotCookiebotDialogBodyButtonAccept",
        "#coiPage-1 .coi-banner__accept", "button.coi-banner__accept", "#onetrust-accept-btn-handler",
        "button[data-testid='uc-accept-all-button']", "#didomi-notice-agree-button", ".cky-btn-accept",
        ".cc-allow", "[data-cookiefirst-action='accept']", ".qc-cmp2-summary-buttons button[mode='primary']",
        "#truste-consent-button",
    ],
    "reject": [
        "#CybotCookiebotDialogBodyButtonDecline", "button.coi-banner__decline", "#declineButton",
        "#onetrust-reject-all-handler", "button[data-testid='uc-deny-all-button']",
        "#didomi-notice-disagree-button", ".cky-btn-reject", ".cc-deny", "[data-cookiefirst-action='reject']",
        "#truste-consent-required",
    ],
}
# Last resort: a visible button or link whose text says it (Danish and English).
CONSENT_TEXT = {
    "accept": re.compile(r"^\s*(accepter( alle)?|tillad alle|ok, accepter|accept( all)?( cookies)?|allow all|agree)"
                         r"\s*$", re.I),
    "reject": re.compile(r"^\s*(afvis( alle)?|kun nødvendige( cookies)?|reject( all)?|decline|only necessary|deny)"
                         r"\s*$", re.I),
}


@dataclass(slots=True)
class CrawlResult:
    session_id: str | None = None
    pages: list[str] = field(default_factory=list)
    consent_clicked: str | None = None  # the selector that was clicked, or None
    errors: list[str] = field(default_factory=list)


def find_chromium(path: str | None = None) -> str:
    found = path or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise ValueError("no Chromium found: install Debian's 'chromium' package or pass --chromium PATH")
    return found


def same_site_links(base: str, hrefs: list[str], limit: int) -> list[str]:
    """Up to ``limit`` distinct http(s) links on the same site as ``base``, without fragments, in page order."""
    site = site_of(urlsplit(base).hostname or "")
    out: list[str] = []
    for href in hrefs:
        url = urljoin(base, href).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname and site_of(parts.hostname) == site:
            if url not in out and url.rstrip("/") != base.rstrip("/"):
                out.append(url)
        if len(out) >= limit:
            break
    return out


def crawl(urls: list[str], *, db: str, policy: str | None = None, pages: int = 5, consent: str = "none",
          chromium: str | None = None, session: str | None = None, resolve: dict | None = None,
          timeout_ms: int = 15000, entities: tuple[str, ...] = (), identity: str | None = None,
          instrument: bool = False) -> CrawlResult:
    """Crawl ``urls`` (and up to ``pages`` same-site links of the first) as one recorded session."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    exe = find_chromium(chromium)
    result = CrawlResult()
    with tempfile.TemporaryDirectory(prefix="tredjepart-crawl-") as tmp, \
            InProcessProxy(db=db, policy=policy, entities=entities, resolve=resolve, confdir=tmp,
                           options={**({"tredjepart_identity": identity} if identity else {}),
                                    **({"tredjepart_instrument": True} if instrument else {})}) as proxy:
        rec = proxy.auditor.recorder
        result.session_id = proxy.call(rec.start_session, session or f"crawl {urls[0]}")
        proxy.call(rec.mark_step, "before consent")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS,
                                        proxy={"server": f"http://127.0.0.1:{proxy.port}"})
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.set_default_timeout(timeout_ms)
            queue = list(urls)
            first = True
            while queue:
                url = queue.pop(0)
                try:
                    _visit(page, url, timeout_ms)
                    result.pages.append(url)
                except PlaywrightError as e:
                    result.errors.append(f"{url}: {str(e).splitlines()[0]}")
                    continue
                if first:
                    first = False
                    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
                    queue.extend(same_site_links(page.url, hrefs, pages))
                    if consent != "none":
                        result.consent_clicked = _answer_consent(
                            page, consent, timeout_ms, before_click=lambda: proxy.call(rec.mark_step,
                                                                                       f"consent: {consent}"))
                        if result.consent_clicked:
                            _visit(page, page.url, timeout_ms)  # what a returning visitor gets after choosing
                        else:
                            result.errors.append(f"{url}: no consent banner button for '{consent}' found")
            browser.close()
        proxy.call(rec.end_session)
    return result


def _visit(page, url: str, timeout_ms: int) -> None:
    page.goto(url, wait_until="load", timeout=timeout_ms)
    try:
        page.wait_for_load_state("networkidle", timeout=min(timeout_ms, 5000))
    except Exception:  # noqa: BLE001 - long-polling pages never go idle; what loaded is recorded
        pass


def _answer_consent(page, choice: str, timeout_ms: int, before_click) -> str | None:
    """Click the banner's accept or reject button; the selector used, or None when there was none.

    ``before_click`` runs just before the click (it marks the step), so everything the click causes is recorded
    as after consent.
    """
    candidates = [(frame.locator(sel).first, sel) for frame in [page.main_frame, *page.main_frame.child_frames]
                  for sel in CONSENT_BUTTONS[choice]]
    candidates.append((page.locator("button, a[role=button], [role=button]").filter(has_text=CONSENT_TEXT[choice])
                       .first, f"text /{CONSENT_TEXT[choice].pattern}/"))
    for button, how in candidates:
        if button.count() and button.is_visible():
            before_click()
            button.click(timeout=timeout_ms)
            _settle(page)
            return how
    return None


def _settle(page) -> None:
    try:
        page.wait_for_load_state("networkidle", timeout=5000)
    except Exception:  # noqa: BLE001
        pass
