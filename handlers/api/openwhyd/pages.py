"""The small HTML pages Openwhyd's non-ajax login and sign-up forms answer with (all escaped),
and the page a non-ajax success answers: 200, sending the browser on with
`window.location.href = '<url>'`, as Openwhyd's own clients read it."""

from __future__ import annotations

import json
from html import escape

from aiohttp import web

__all__ = ["login_page", "register_page", "redirect_page"]


def _page(title: str, body: str) -> web.Response:
    html = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="robots" content="noindex">'
            f"<title>{escape(title)} - Openwhyd</title></head>\n<body>\n{body}\n</body></html>\n")
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def _notice(error: str | None, ok: str | None) -> str:
    parts = []
    if error:
        parts.append(f'<p class="error" role="alert">{escape(error)}</p>')
    if ok:
        parts.append(f'<p class="ok" role="status">{escape(ok)}</p>')
    return "\n".join(parts)


def _hidden_redirect(redirect: str) -> str:
    return f'<input type="hidden" name="redirect" value="{escape(redirect)}">' if redirect else ""


def login_page(*, error: str | None = None, ok: str | None = None, email: str = "",
               redirect: str = "") -> web.Response:
    """The sign-in form (with the forgot-password form), showing `error` or `ok`."""
    return _page("Sign in", f"""<h1>Sign in</h1>
{_notice(error, ok)}
<form method="post" action="/login">
<input type="hidden" name="action" value="login">{_hidden_redirect(redirect)}
<label>Email or username <input type="text" name="email" value="{escape(email)}" required></label>
<label>Password <input type="password" name="password" required></label>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/login">
<input type="hidden" name="action" value="forgot">
<label>Forgot your password? <input type="text" name="email" value="{escape(email)}"></label>
<button type="submit">Send me a reset link</button>
</form>
<p><a href="/register">Create an account</a></p>""")


def register_page(*, error: str | None = None, name: str = "", email: str = "",
                  redirect: str = "") -> web.Response:
    """The sign-up form, showing `error`."""
    return _page("Sign up", f"""<h1>Sign up</h1>
{_notice(error, None)}
<form method="post" action="/register">{_hidden_redirect(redirect)}
<label>Name <input type="text" name="name" value="{escape(name)}" required></label>
<label>Email <input type="email" name="email" value="{escape(email)}" required></label>
<label>Password <input type="password" name="password" required></label>
<button type="submit">Sign up</button>
</form>
<p><a href="/login">Sign in</a></p>""")


def _js_string(value: str) -> str:
    """`value` as a single-quoted JavaScript string that is also safe inside a <script>."""
    inner = json.dumps(value)[1:-1].replace("'", "\\u0027")
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        inner = inner.replace(char, code)
    return f"'{inner}'"


def redirect_page(url: str) -> web.Response:
    """A non-ajax success: 200 with a page that sends the browser to `url` (an already
    checked absolute URL on this site), with a link for browsers without script."""
    return _page("Redirecting", f"""<p>You are being redirected to:
<a href="{escape(url)}">{escape(url)}</a>...</p>
<script>
window.location.href = {_js_string(url)};
</script>""")
