"""`GET|POST /consent`: Openwhyd's privacy notice (GDPR) and the signed-in user's consent to it.

GET shows the notice with its form; POST (`lang` en or fr, `redirect`) records the consent
(privacy.add_consent: type `openwhyd_gdpr`, version the notice's language, the client address)
and answers 302 to `redirect` (default `/`). A redirect off this site is 403 and records
nothing, as Openwhyd answers; signed out is 401 "Please login first".
"""

from __future__ import annotations

from html import escape

import msgspec
from aiohttp import web

from handlers.api._auth import client_address, require_principal
from handlers.api.keys import context
from handlers.api.openwhyd.common import LOGIN_FIRST, openwhyd, read_request, redirect_target
from handlers.api.openwhyd.export import html_errors, render_html
from handlers.errors import Forbidden, Invalid
from handlers.identity import privacy

__all__ = ["setup_routes", "CONSENT_TYPE"]

CONSENT_TYPE = "openwhyd_gdpr"
LANGUAGES = ("en", "fr")
NOTICE = """<h1>Your privacy</h1>
<p>This site keeps the tracks, playlists, likes and subscriptions you post, your profile and
your email address, to show them as you choose and to let you sign in. It does not sell them.
You can download everything it holds about you, or delete your account, at any time.</p>"""


class ConsentParams(msgspec.Struct):
    lang: str | None = None
    redirect: str | None = None


@html_errors
async def consent_page(request: web.Request) -> web.Response:
    """The notice and its form (signed in only)."""
    await require_principal(request, LOGIN_FIRST)
    params = await read_request(request, ConsentParams)
    target = redirect_target(request, params.redirect)
    form = f"""<form method="post" action="/consent">
<input type="hidden" name="redirect" value="{escape(target)}">
<label><input type="radio" name="lang" value="en" checked> English</label>
<label><input type="radio" name="lang" value="fr"> Fran&ccedil;ais</label>
<label><input type="checkbox" required> I have read and I accept this notice</label>
<button type="submit">Continue</button>
</form>"""
    return render_html("Privacy", f"{NOTICE}\n{form}", noindex=True)


async def give_consent(request: web.Request) -> web.Response:
    """Record the consent, then 302 to `redirect`."""
    principal = await require_principal(request, LOGIN_FIRST)
    params = await read_request(request, ConsentParams)
    try:
        target = redirect_target(request, params.redirect)
    except Invalid as err:
        raise Forbidden("FORBIDDEN", code="unsafe_redirect") from err
    lang = (params.lang or "en").strip().lower()
    if lang not in LANGUAGES:
        raise Invalid("invalid parameter: lang", code="invalid_parameter")
    await privacy.add_consent(context(request), principal, CONSENT_TYPE, lang,
                              client_address(request))
    return web.Response(status=302, headers={"Location": target})


def setup_routes(app: web.Application) -> None:
    openwhyd.add(app.router, "GET", "/consent", consent_page)
    openwhyd.add(app.router, "POST", "/consent", give_consent)
