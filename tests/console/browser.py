"""Headless Chromium for the console's browser tests (and scripts/console_screenshots.py): launch Debian's
chromium through Playwright, open pages that record what went wrong (JS errors, console errors, failed or
4xx/5xx requests under /console), and the checks the tests share (h1, charts drawn, horizontal overflow).

Needs Debian's `chromium` package (/usr/bin/chromium, or TASTEMAKER_CHROMIUM naming another binary) and the
`playwright` Python package; `playwright install` is never needed (nor possible offline): the system browser is
used. Without either, `require()` skips the test saying what to install."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
INSTALL = ("install Debian's `chromium` package (apt-get install chromium) and the `playwright` Python package "
           "(pip install playwright; no `playwright install` needed)")


def chromium_path() -> str | None:
    """The Chromium binary: $TASTEMAKER_CHROMIUM, /usr/bin/chromium, or `chromium` on the PATH."""
    for candidate in (os.environ.get("TASTEMAKER_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"the playwright Python package is not installed: {INSTALL}"
    if chromium_path() is None:
        return f"no Chromium binary (/usr/bin/chromium): {INSTALL}"
    return None


def require() -> None:
    """Skip the calling test (or fixture) when playwright or chromium is absent."""
    import pytest

    reason = missing()
    if reason:
        pytest.skip(reason)


@contextmanager
def launch(headless: bool = True) -> Iterator[Any]:
    """A Playwright Chromium browser (the system's binary), closed on exit."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError(f"no Chromium binary: {INSTALL}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=headless)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, base_url: str, **options: Any) -> Any:
    """A page in a new context at base_url (options: Playwright's new_context ones, e.g. DESKTOP or PHONE).
    `page.problems` lists, as text, every JS error, console error, failed request and response >= 400 for a
    /console URL of base_url; navigations that abort in-flight requests (the console reloading itself when a job
    ends, the test moving on) are not problems."""
    context = browser.new_context(base_url=base_url, **(options or DESKTOP))
    page = context.new_page()
    page.problems = []
    watch(page, base_url, page.problems)
    return page


def watch(page: Any, base_url: str, problems: list[str]) -> None:
    console = base_url.rstrip("/") + "/console"

    def mine(url: str) -> bool:
        return url == console or url.startswith((console + "/", console + "?"))

    def on_console(msg: Any) -> None:
        where = msg.location or {}
        # a resource outside /console failing to load (the browser's own /favicon.ico) is not the console's
        elsewhere = msg.text.startswith("Failed to load resource") and not mine(where.get("url", ""))
        if msg.type == "error" and not elsewhere:
            problems.append(f"console error on {page.url}: {msg.text} ({where.get('url', '')}:"
                            f"{where.get('lineNumber', '')})")

    def on_failed(request: Any) -> None:
        failure = request.failure or ""
        if mine(request.url) and "ERR_ABORTED" not in failure:
            problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def on_response(response: Any) -> None:
        if mine(response.url) and response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"JS error on {page.url}: {exc}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)


def charts(page: Any) -> list[dict[str, Any]]:
    """Each `[data-chart]` holder: {id, canvases, width, height, drawn} (drawn: Chart.js made a chart of it)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('[data-chart]')).map(h => {
        const c = h.querySelector('canvas');
        return {id: h.dataset.chart, canvases: h.querySelectorAll('canvas').length,
                width: c ? c.getBoundingClientRect().width : 0, height: c ? c.getBoundingClientRect().height : 0,
                drawn: !!h.chart};
    })""")


def undrawn_charts(page: Any) -> list[dict[str, Any]]:
    """The charts of the page without a drawn canvas of non-zero size."""
    return [c for c in charts(page) if not (c["canvases"] == 1 and c["drawn"] and c["width"] > 0 and c["height"] > 0)]


def overflow(page: Any) -> dict[str, Any] | None:
    """None when the document does not scroll sideways; else the widths and the widest elements sticking out of
    the viewport outside a `.scroll` container (what to fix). The width compared is the layout viewport's
    (documentElement.clientWidth) as well as window.innerWidth: on a phone (is_mobile) Chromium zooms out to fit
    wide content, and innerWidth grows with it, hiding the overflow."""
    return page.evaluate("""() => {
        const doc = document.documentElement, vw = Math.min(window.innerWidth, doc.clientWidth);
        if (doc.scrollWidth <= vw + 1) return null;
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right <= vw + 1 || el.closest('.scroll') && el.closest('.scroll') !== el) continue;
            if (el.parentElement && el.parentElement.getBoundingClientRect().right > vw + 1
                && !el.parentElement.matches('body, main')) continue;  // report the outermost offender
            const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
            out.push({element: name(el), inside: el.parentElement ? name(el.parentElement) : '',
                      right: Math.round(r.right), text: (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60)});
        }
        return {scrollWidth: doc.scrollWidth, viewportWidth: vw, offenders: out.slice(0, 8)};
    }""")
