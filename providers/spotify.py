"""Spotify Web API client over httpx: app tokens, user tokens, retries, paging, a call log.

- Catalog calls use a client-credentials token, fetched once and cached until shortly before
  it expires (one fetch at a time, however many calls wait for it).
- User calls take a `UserAuth`: a callback returning the user's access token, asked again
  with `refresh=True` once when Spotify answers 401. The client never sees refresh tokens
  or the store; the caller (handlers.catalog.factory) decrypts and refreshes them.
- 429 is retried after its Retry-After when that is at most `max_wait` seconds (else the
  call fails at once with `retry_after` set, so the caller can pass it on); 5xx and network
  errors are retried with a short backoff; MAX_RETRIES retries in all.
- Paging: `iter_items` follows the `next` URLs of paging objects (offset and cursor paging
  alike), or steps the offset when a page has no `next` field; a `next` URL is followed only
  when it is under the configured API URL, so a token is never sent elsewhere.
- Every HTTP attempt, token requests included, is handed to the injected `log_call` (the
  API log behind EchoStats' api-logs) with its URL stripped of secrets.

Answers are Spotify's own JSON; mapping them to Chorus's shapes is handlers' job.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import msgspec

__all__ = ["SpotifyConfig", "SpotifyClient", "SpotifyError", "UserAuth", "CallRecord",
           "CallLogger", "TokenSource", "redact_url", "DEFAULT_API_URL", "DEFAULT_ACCOUNTS_URL",
           "MAX_RETRIES", "MAX_RETRY_WAIT", "PAGE_LIMIT", "next_page_url"]

log = logging.getLogger("chorus.spotify")

DEFAULT_API_URL = "https://api.spotify.com/v1"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"
MAX_RETRIES = 3
MAX_RETRY_WAIT = 10.0
TOKEN_MARGIN = 60.0  # an app token this close to expiry is renewed first
REQUEST_TIMEOUT = 10.0
PAGE_LIMIT = 50
MAX_ITEMS = 10_000
UNSAFE_METHODS = frozenset({"POST"})  # API calls retried only when Spotify surely did nothing
SECRET_PARAMS = frozenset({"access_token", "refresh_token", "client_secret",
                           "code", "token", "key", "api_key", "apikey", "password", "secret",
                           "code_verifier", "id_token"})


class SpotifyConfig(msgspec.Struct, frozen=True):
    """The Spotify app used for catalog calls, and where the API lives."""

    client_id: str = ""
    client_secret: str = ""
    api_url: str = DEFAULT_API_URL
    accounts_url: str = DEFAULT_ACCOUNTS_URL

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.client_secret)


class CallRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One outbound HTTP attempt, as the API log stores it; `status` None: no answer."""

    provider: str
    method: str
    url: str
    status: int | None
    duration_ms: float
    error: str | None = None
    user_id: int | None = None


CallLogger = Callable[[CallRecord], Awaitable[None]]
TokenSource = Callable[[bool], Awaitable[str]]


@dataclass(frozen=True)
class UserAuth:
    """Whose call this is: `token(refresh)` gives their access token, a fresh one when
    `refresh` is true (after Spotify refused the last one)."""

    token: TokenSource
    user_id: int | None = None


class SpotifyError(Exception):
    """A call failed. `reason`: not_found, bad_request, unauthorized, forbidden, rate_limited,
    unavailable, network, invalid_response or not_configured; `status` 0 when no answer."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "unavailable",
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


def redact_url(url: str) -> str:
    """`url` without credentials: user:password@ dropped, secret query values replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = [(k, "REDACTED" if k.lower() in SECRET_PARAMS else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))


def _reason(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            429: "rate_limited"}.get(status, "unavailable" if status >= 500 else "bad_request")


def _error_message(response: httpx.Response) -> str:
    """Spotify's `{"error": {"status", "message"}}`, or the accounts service's
    `{"error", "error_description"}`, as one line."""
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return f"Spotify answered HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str):
        return str(body.get("error_description") or error)
    return f"Spotify answered HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> float | None:
    header = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError as exc:
        raise SpotifyError("Spotify sent an unreadable answer", status=response.status_code,
                           reason="invalid_response") from exc


def _with_offset(href: str, offset: int) -> str:
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "offset"]
    query.append(("offset", str(offset)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def next_page_url(paging: dict[str, Any]) -> str | None:
    """The URL of the page after `paging`: its `next`, or its `href` at the next offset when
    it has no `next` field but says there are more items."""
    if "next" in paging:
        return paging["next"] or None
    items, total, href = paging.get("items") or [], paging.get("total"), paging.get("href")
    offset = int(paging.get("offset") or 0)
    if href and items and isinstance(total, int) and offset + len(items) < total:
        return _with_offset(href, offset + len(items))
    return None


class SpotifyClient:
    """One Spotify app's client; share one instance so its app token is reused."""

    provider = "spotify"

    def __init__(self, config: SpotifyConfig, http: httpx.AsyncClient, *,
                 log_call: CallLogger | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic, max_retries: int = MAX_RETRIES,
                 max_wait: float = MAX_RETRY_WAIT, timeout: float = REQUEST_TIMEOUT) -> None:
        self.config = config
        self.http = http
        self.log_call = log_call
        self.sleep = sleep
        self.clock = clock
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.timeout = timeout
        self.api_url = config.api_url.rstrip("/")
        self._app_token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()

    # -- tokens -----------------------------------------------------------------------------

    async def app_token(self, *, renew: bool = False) -> str:
        """The client-credentials access token, from the cache unless expiring or `renew`."""
        async with self._token_lock:
            cached = self._app_token
            if cached is not None and not renew and cached[1] > self.clock():
                return cached[0]
            self._app_token = None
            token, expires_in = await self._request_app_token()
            self._app_token = (token, self.clock() + max(0.0, expires_in - TOKEN_MARGIN))
            return token

    async def _request_app_token(self) -> tuple[str, float]:
        if not self.config.enabled:
            raise SpotifyError("Spotify credentials are not configured", reason="not_configured")
        secret = f"{self.config.client_id}:{self.config.client_secret}".encode()
        url = self.config.accounts_url.rstrip("/") + "/api/token"
        response = await self._send("POST", url, data={"grant_type": "client_credentials"},
                                    headers={"Authorization": "Basic "
                                             + base64.b64encode(secret).decode("ascii")})
        if response.status_code != 200:
            error = self._failure(response)
            if response.status_code in (400, 401):
                raise SpotifyError(f"Spotify refused the app credentials: {error.message}",
                                   status=error.status, reason="unauthorized")
            raise error
        body = _decode(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise SpotifyError("Spotify's token answer has no access_token", status=200,
                               reason="invalid_response")
        return str(body["access_token"]), float(body.get("expires_in") or 3600)

    # -- requests ---------------------------------------------------------------------------

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            if not path_or_url.startswith(self.api_url + "/"):
                raise SpotifyError(f"refusing to follow a URL outside {self.api_url}",
                                   reason="invalid_response")
            return path_or_url
        return f"{self.api_url}/{path_or_url.lstrip('/')}"

    async def get(self, path_or_url: str, params: dict[str, Any] | None = None, *,
                  user: UserAuth | None = None) -> Any:
        """GET a path under the API URL (or a `next` URL) with the app's token, or the user's
        when `user` is given; the decoded JSON ({} for an empty answer, as a 204).

        Raises:
            SpotifyError: every failure, with the status and a reason.
        """
        return await self.request("GET", path_or_url, params, user=user)

    async def request(self, method: str, path_or_url: str, params: dict[str, Any] | None = None,
                      *, json: Any = None, user: UserAuth | None = None) -> Any:
        """One call of any method (a JSON body when `json` is not None); a refused token is
        renewed once (the user's through `user.token(True)`). See `get`."""
        url = self._url(path_or_url)
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response: httpx.Response | None = None
        for attempt in range(2):  # a second try only after a refused token
            renew = attempt > 0
            token = await (user.token(renew) if user else self.app_token(renew=renew))
            response = await self._send(method, url, params=query, json=json,
                                        headers={"Authorization": f"Bearer {token}"},
                                        user_id=user.user_id if user else None,
                                        idempotent=method not in UNSAFE_METHODS)
            if response.status_code != 401:
                break
        assert response is not None
        if 200 <= response.status_code < 300:
            return _decode(response)
        raise self._failure(response)

    def _failure(self, response: httpx.Response) -> SpotifyError:
        status = response.status_code
        message = _error_message(response)
        reason = _reason(status)
        if status == 400 and "invalid" in message.lower() and "id" in message.lower():
            reason = "not_found"  # Spotify answers 400 "invalid id" for an id it cannot parse
        wait = _retry_after(response)
        return SpotifyError(message, status=status, reason=reason,
                            retry_after=int(wait + 0.999) if wait is not None else None)

    async def _send(self, method: str, url: str, *, params: dict[str, Any] | None = None,
                    data: dict[str, str] | None = None, json: Any = None,
                    headers: dict[str, str], user_id: int | None = None,
                    idempotent: bool = True) -> httpx.Response:
        """One request, retried on 429 (bounded Retry-After), 5xx and network errors; each
        attempt logged. The last answer is returned; the last network error raised.
        A call that is not `idempotent` ("skip to next" twice skips two tracks) is retried
        only when Spotify surely did nothing: a 429, or a connection that never opened."""
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            started = time.perf_counter()
            # params merged here: httpx replaces a URL's own query (a `next` URL's) with them
            target = str(httpx.URL(url).copy_merge_params(params)) if params else url
            request = self.http.build_request(method, target, data=data, json=json,
                                              headers=headers, timeout=self.timeout)
            try:
                response = await self.http.send(request)
            except httpx.HTTPError as exc:
                await self._log(request, None, started, f"{type(exc).__name__}: {exc}", user_id)
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if last or not (idempotent or unsent):
                    raise SpotifyError(f"Spotify unreachable: {exc!r}", reason="network") from exc
                await self.sleep(self._backoff(attempt))
                continue
            error = None if response.status_code < 400 else _error_message(response)
            await self._log(request, response.status_code, started, error, user_id)
            wait = self._retry_wait(response, attempt)
            if not idempotent and response.status_code != 429:
                wait = None
            if wait is None or last:
                return response
            await self.sleep(wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return min(0.25 * 2**attempt, self.max_wait)

    def _retry_wait(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when this answer is final."""
        status = response.status_code
        if status != 429 and status < 500:
            return None
        wait = _retry_after(response)
        if status == 429:
            if wait is None:
                wait = self._backoff(attempt)
            return wait if wait <= self.max_wait else None  # too long: the caller decides
        return min(wait, self.max_wait) if wait is not None else self._backoff(attempt)

    async def _log(self, request: httpx.Request, status: int | None, started: float,
                   error: str | None, user_id: int | None) -> None:
        if self.log_call is None:
            return
        record = CallRecord(provider=self.provider, method=request.method,
                            url=redact_url(str(request.url)), status=status,
                            duration_ms=round((time.perf_counter() - started) * 1000, 3),
                            error=error[:500] if error else None, user_id=user_id)
        try:
            await self.log_call(record)
        except Exception:  # the log must never break the call it describes
            log.warning("could not log a Spotify call", exc_info=True)

    # -- paging -----------------------------------------------------------------------------

    async def iter_items(self, path_or_url: str, params: dict[str, Any] | None = None, *,
                         key: str | None = None, user: UserAuth | None = None,
                         max_items: int = MAX_ITEMS) -> AsyncIterator[Any]:
        """Every item of a paged list, page after page (`key` names the paging object inside
        each answer, as "tracks" in a search), at most `max_items`; null items skipped."""
        page = await self.get(path_or_url, params, user=user)
        paging = page.get(key) if key and isinstance(page, dict) else page
        async for item in self.follow(paging, key=key, user=user, max_items=max_items):
            yield item

    async def follow(self, paging: Any, *, key: str | None = None, user: UserAuth | None = None,
                     max_items: int = MAX_ITEMS) -> AsyncIterator[Any]:
        """The items of a paging object already in hand (an album's first page of tracks),
        then of the pages after it."""
        count = 0
        while isinstance(paging, dict) and count < max_items:
            for item in paging.get("items") or []:
                if item is None:
                    continue
                yield item
                count += 1
                if count >= max_items:
                    return
            url = next_page_url(paging)
            if url is None:
                return
            page = await self.get(url, user=user)
            paging = page.get(key) if key and isinstance(page, dict) else page

    async def collect(self, path_or_url: str, params: dict[str, Any] | None = None, *,
                      key: str | None = None, user: UserAuth | None = None,
                      max_items: int = MAX_ITEMS) -> list[Any]:
        """iter_items as a list."""
        return [item async for item in self.iter_items(path_or_url, params, key=key,
                                                       user=user, max_items=max_items)]

    # -- catalog (Spotify ids; `get` with params covers anything else, a market included) ---

    async def search(self, query: str, types: Sequence[str], *, limit: int = 20,
                     offset: int = 0, market: str | None = None) -> dict[str, Any]:
        """GET /search: one paging object per type ("tracks", "albums", ...)."""
        return await self.get("search", {"q": query, "type": ",".join(types), "limit": limit,
                                         "offset": offset, "market": market})

    async def track(self, track_id: str) -> dict[str, Any]:
        return await self.get(f"tracks/{track_id}")

    async def album(self, album_id: str) -> dict[str, Any]:
        """The album, with the first page of its tracks."""
        return await self.get(f"albums/{album_id}")

    async def album_tracks(self, album_id: str, *, limit: int = PAGE_LIMIT, offset: int = 0
                           ) -> dict[str, Any]:
        return await self.get(f"albums/{album_id}/tracks", {"limit": limit, "offset": offset})

    async def playlist(self, playlist_id: str) -> dict[str, Any]:
        """The playlist, with the first page of its tracks."""
        return await self.get(f"playlists/{playlist_id}")

    async def playlist_tracks(self, playlist_id: str, *, limit: int = 100, offset: int = 0
                              ) -> dict[str, Any]:
        return await self.get(f"playlists/{playlist_id}/tracks",
                              {"limit": limit, "offset": offset})

    async def artist(self, artist_id: str) -> dict[str, Any]:
        return await self.get(f"artists/{artist_id}")

    async def artist_albums(self, artist_id: str, *, include_groups: Sequence[str] = (),
                            limit: int = 20, offset: int = 0) -> dict[str, Any]:
        return await self.get(f"artists/{artist_id}/albums", {
            "include_groups": ",".join(include_groups) or None, "limit": limit,
            "offset": offset})

    # -- the user's own (a UserAuth) -----------------------------------------------------------

    async def me(self, user: UserAuth) -> dict[str, Any]:
        return await self.get("me", user=user)

    async def recently_played(self, user: UserAuth, *, limit: int = PAGE_LIMIT,
                              after: int | None = None, before: int | None = None
                              ) -> dict[str, Any]:
        """GET /me/player/recently-played (cursor paging: `after`/`before` in Unix ms)."""
        return await self.get("me/player/recently-played",
                              {"limit": limit, "after": after, "before": before}, user=user)

    async def my_playlists(self, user: UserAuth, *, limit: int = PAGE_LIMIT, offset: int = 0
                           ) -> dict[str, Any]:
        """GET /me/playlists: a paging object of simplified playlists (limit at most 50)."""
        return await self.get("me/playlists", {"limit": limit, "offset": offset}, user=user)

    async def playback_state(self, user: UserAuth) -> dict[str, Any]:
        """GET /me/player: {} when nothing is playing (Spotify answers 204 No Content)."""
        return await self.get("me/player", user=user)

    async def devices(self, user: UserAuth) -> dict[str, Any]:
        """GET /me/player/devices: `{"devices": [...]}`."""
        return await self.get("me/player/devices", user=user)

    async def queue(self, user: UserAuth) -> dict[str, Any]:
        """GET /me/player/queue: `{"currently_playing": track | null, "queue": [...]}`."""
        return await self.get("me/player/queue", user=user)

    async def play(self, user: UserAuth, *, device_id: str | None = None,
                   context_uri: str | None = None, uris: Sequence[str] | None = None) -> None:
        """PUT /me/player/play: start `context_uri` or `uris`, or resume when neither."""
        body: dict[str, Any] = {}
        if context_uri:
            body["context_uri"] = context_uri
        if uris:
            body["uris"] = list(uris)
        await self.request("PUT", "me/player/play", {"device_id": device_id},
                           json=body or None, user=user)

    async def pause(self, user: UserAuth, *, device_id: str | None = None) -> None:
        await self.request("PUT", "me/player/pause", {"device_id": device_id}, user=user)

    async def skip_next(self, user: UserAuth, *, device_id: str | None = None) -> None:
        await self.request("POST", "me/player/next", {"device_id": device_id}, user=user)

    async def skip_previous(self, user: UserAuth, *, device_id: str | None = None) -> None:
        await self.request("POST", "me/player/previous", {"device_id": device_id}, user=user)

    async def new_releases(self, user: UserAuth | None = None, *, limit: int = 20,
                           offset: int = 0) -> dict[str, Any]:
        """GET /browse/new-releases: `{"albums": paging of simplified albums}`."""
        return await self.get("browse/new-releases", {"limit": limit, "offset": offset},
                              user=user)

    async def featured_playlists(self, user: UserAuth | None = None, *, limit: int = 20,
                                 offset: int = 0) -> dict[str, Any]:
        """GET /browse/featured-playlists: `{"message", "playlists": paging}`."""
        return await self.get("browse/featured-playlists", {"limit": limit, "offset": offset},
                              user=user)

    async def categories(self, user: UserAuth | None = None, *, limit: int = 20,
                         offset: int = 0) -> dict[str, Any]:
        """GET /browse/categories: `{"categories": paging of {id, name, icons, href}}`."""
        return await self.get("browse/categories", {"limit": limit, "offset": offset},
                              user=user)

    async def followed_artists(self, user: UserAuth, *, limit: int = PAGE_LIMIT,
                               after: str | None = None) -> dict[str, Any]:
        """GET /me/following?type=artist: `{"artists": cursor paging with a total}`."""
        return await self.get("me/following", {"type": "artist", "limit": limit,
                                               "after": after}, user=user)

    async def saved_albums(self, user: UserAuth, *, limit: int = PAGE_LIMIT, offset: int = 0
                           ) -> dict[str, Any]:
        """GET /me/albums: a paging object of `{"added_at", "album"}`."""
        return await self.get("me/albums", {"limit": limit, "offset": offset}, user=user)
