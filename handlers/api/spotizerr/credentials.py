"""Spotizerr's credential routes: /api/credentials/... (names for signed-in users, masked values
and every write for admins), spotify_api_config and markets."""

from __future__ import annotations

from aiohttp import web

from handlers.api._auth import require_principal
from handlers.api._input import read_json
from handlers.api.dialect import Handler, json_response
from handlers.api.keys import context
from handlers.api.spotizerr.base import spotizerr
from handlers.downloads import credentials

__all__ = ["setup_credentials_routes", "MARKETS"]

# Spotify's market codes (ISO 3166-1 alpha-2) as its Web API lists them
MARKETS = tuple(
    "AD AE AG AL AM AO AR AT AU AZ BA BB BD BE BF BG BH BI BJ BN BO BR BS BT BW BY BZ CA CD CG "
    "CH CI CL CM CO CR CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ES ET FI FJ FM FR GA GB GD GE GH "
    "GM GN GQ GR GT GW GY HK HN HR HT HU ID IE IL IN IQ IS IT JM JO JP KE KG KH KI KM KN KR KW "
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MN MO MR MT MU MV MW MX MY MZ "
    "NA NE NG NI NL NO NP NR NZ OM PA PE PG PH PK PL PR PS PT PW PY QA RO RS RW SA SB SC SE SG "
    "SI SK SL SM SN SR ST SV SZ TD TG TH TJ TL TN TO TR TT TV TW TZ UA UG US UY UZ VC VE VN VU "
    "WS XK ZA ZM ZW".split())
_API = credentials.API_CONFIG_SERVICE


def _service_name(request: web.Request) -> tuple[str, str]:
    return request.match_info["service"], request.match_info["name"]


async def list_names(request: web.Request) -> web.Response:
    await require_principal(request)
    return json_response(await credentials.list_names(context(request),
                                                      request.match_info["service"]))


async def list_all(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await credentials.all_credentials(
        context(request), principal, request.match_info["service"]))


async def get_one(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await credentials.get_credential(context(request), principal,
                                                          *_service_name(request)))


async def create(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    saved = await credentials.save_credential(context(request), principal,
                                              *_service_name(request), await read_json(request),
                                              create=True)
    return json_response(saved, status=201)


async def update(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    return json_response(await credentials.save_credential(
        context(request), principal, *_service_name(request), await read_json(request),
        create=False))


async def delete(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    service, name = _service_name(request)
    await credentials.delete_credential(context(request), principal, service, name)
    return json_response({"message": f"Credential '{name}' deleted", "service": service})


async def get_api_config(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    found = await credentials.all_credentials(context(request), principal, _API)
    return json_response(found[0] if found else {"client_id": "", "client_secret": ""})


async def put_api_config(request: web.Request) -> web.Response:
    principal = await require_principal(request)
    ctx = context(request)
    body = await read_json(request)
    exists = bool(await credentials.list_names(ctx, _API))
    return json_response(await credentials.save_credential(ctx, principal, _API, "default", body,
                                                           create=not exists))


async def markets(request: web.Request) -> web.Response:
    await require_principal(request)
    return json_response({"markets": list(MARKETS)})


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/api/credentials/spotify_api_config", get_api_config),
    ("PUT", "/api/credentials/spotify_api_config", put_api_config),
    ("GET", "/api/credentials/markets", markets),
    ("GET", "/api/credentials/all/{service}", list_all),
    ("GET", "/api/credentials/{service}", list_names),
    ("GET", "/api/credentials/{service}/{name}", get_one),
    ("POST", "/api/credentials/{service}/{name}", create),
    ("PUT", "/api/credentials/{service}/{name}", update),
    ("DELETE", "/api/credentials/{service}/{name}", delete),
)


def setup_credentials_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        spotizerr.add(app.router, method, path, handler)
