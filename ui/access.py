"""Who may use a served assistant: tokens and roles, the chat's login, a rate limit per client.

One :class:`AccessPolicy` serves both faces of ``qa serve``. The JSON API asks it about each
request under ``/api/`` (:meth:`AccessPolicy.check`), the chat's login and upload handlers ask
it about a user. Without a token it lets everything through, as a loopback server always has.

* Roles: a reader may ask; an editor may also add and remove articles. The reader token is the
  password of any user name in the chat; the editor logs in as ``editor`` with the editor
  token (with another name, the editor token gives a reader's login).
* Tokens are compared in constant time, as SHA-256 digests (so neither the length nor the
  content of a token leaks through timing, and the policy holds no token at all), never
  logged, and never taken from a URL: a request that carries one in its query is refused.
* The rate limit is a token bucket per client, a client being its token and its address.

Settings are validated in :mod:`qa.settings` (:class:`~qa.settings.AccessSettings`, the
``rate_limit_*`` fields of :class:`~qa.settings.Settings`); this module only applies them.

Example:
    >>> policy = AccessPolicy(token="reader-token-0123456789")
    >>> policy.check("Bearer reader-token-0123456789", b"", "10.0.0.7") is None
    True
    >>> policy.check(None, b"", "10.0.0.7").status
    401
    >>> policy.check("Bearer reader-token-0123456789", b"", "10.0.0.7", editing=True).message
    'adding and removing articles is turned off on this server'
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from qa.settings import AccessSettings, Settings

#: The user name that logs in to the chat with the editor token as an editor.
EDITOR_USER = "editor"

#: Query parameters that look like a credential; refused under ``/api/`` when tokens are on.
TOKEN_PARAMETERS = frozenset(
    {"token", "access_token", "api_key", "apikey", "key", "auth", "authorization", "password"}
)

#: The ``realm`` the ``WWW-Authenticate`` challenge names.
REALM = "news-qa"

#: How many clients the rate limiter remembers before it forgets those with full buckets.
MAX_CLIENTS = 10_000


class Role(enum.IntEnum):
    """What a user may do; a higher role may do everything a lower one may."""

    READER = 1
    EDITOR = 2


@dataclass(frozen=True)
class Refusal:
    """Why a request is turned away: the HTTP status, a one-line message, headers to send.

    Example:
        >>> Refusal(403, "adding and removing articles needs the editor token").status
        403
    """

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    field: str | None = None


class RateLimiter:
    """A token bucket per client: ``burst`` requests at once, then ``per_minute`` a minute.

    Thread-safe; it remembers at most :data:`MAX_CLIENTS` clients, forgetting first those
    whose bucket has filled up again (they lose nothing by it).

    Args:
        per_minute: Average requests a minute each client may make (more than 0).
        burst: Requests a client may make at once, its bucket's size (at least 1).
        clock: Seconds from a monotonic clock (a test passes its own).

    Example:
        >>> now = [0.0]
        >>> limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
        >>> [limiter.take("a") for _ in range(3)]  # the third waits one second
        [0.0, 0.0, 1.0]
        >>> limiter.take("b")  # another client has its own bucket
        0.0
        >>> now[0] = 1.0
        >>> limiter.take("a")
        0.0
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a rate limit needs per_minute > 0 and burst >= 1")
        self.per_minute = per_minute
        self.burst = burst
        self._rate = per_minute / 60.0  # requests a second
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Spend one request of ``client``'s allowance.

        Returns:
            0.0 when the request may go ahead; otherwise the seconds until it may (nothing
            is spent then).
        """
        with self._lock:
            now = self._clock()
            tokens, when = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self._rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > self._max_clients:
                    self._forget(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self._rate

    def _forget(self, now: float) -> None:
        refill = self.burst / self._rate
        for client in [c for c, (_, when) in self._buckets.items() if now - when >= refill]:
            del self._buckets[client]
        # Still too many busy clients: forget the longest idle, as a full bucket would.
        if len(self._buckets) > self._max_clients:
            by_age = sorted(self._buckets, key=lambda c: self._buckets[c][1])
            for client in by_age[: len(self._buckets) - self._max_clients]:
                del self._buckets[client]


class AccessPolicy:
    """Who may ask and who may change the corpus, for one running server.

    Built with no arguments it lets everyone do everything (a loopback server without a
    token); :meth:`serving` builds the policy ``qa serve`` runs with.

    Args:
        token: The reader token; None lets anyone ask.
        editor_token: The editor token (only with ``token``).
        uploads: Whether articles may be added and removed at all: by editors when there are
            tokens (so never without an editor token), else by anyone.
        limiter: The rate limit of ``/api/ask``, or None for none.

    Example:
        >>> policy = AccessPolicy(token="reader-token-0123456789",
        ...                       editor_token="editor-token-0123456789")
        >>> policy.role_of("editor-token-0123456789"), policy.role_of("guess")
        (<Role.EDITOR: 2>, None)
        >>> AccessPolicy().role_of(None)  # no tokens: anyone may do anything
        <Role.EDITOR: 2>
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        editor_token: str | None = None,
        uploads: bool = True,
        limiter: RateLimiter | None = None,
    ) -> None:
        if editor_token is not None and token is None:
            raise ValueError("an editor token needs a reader token")
        # Digests only: the policy never holds a token, so no repr or dump can show one.
        self._reader = _digest(token) if token is not None else None
        self._editor = _digest(editor_token) if editor_token is not None else None
        # With tokens, only an editor token can change the corpus; without one, nobody can.
        self.uploads = uploads and (editor_token is not None or token is None)
        self.limiter = limiter

    @classmethod
    def serving(cls, access: AccessSettings, host: str, settings: Settings) -> AccessPolicy:
        """The policy of a server on ``host`` with these access and pipeline settings.

        The rate limit applies once the server is shared (a token, or an address others can
        reach) and ``settings.rate_limit_per_minute`` is not 0.

        Raises:
            UsageError: When ``host`` is reachable by others with no token and no ``open``.

        Example:
            >>> from qa.settings import AccessSettings, Settings
            >>> local = AccessPolicy.serving(AccessSettings(), "127.0.0.1", Settings())
            >>> local.required, local.uploads, local.limiter is None
            (False, True, True)
            >>> shared = AccessPolicy.serving(
            ...     AccessSettings(token="reader-token-0123456789"), "0.0.0.0", Settings())
            >>> shared.required, shared.uploads, shared.limiter.per_minute
            (True, False, 60)
        """
        access.check_host(host)
        limiter = None
        if access.exposed(host) and settings.rate_limit_per_minute > 0:
            limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        return cls(
            token=access.token.get_secret_value() if access.token else None,
            editor_token=access.editor_token.get_secret_value() if access.editor_token else None,
            uploads=access.uploads_enabled(host),
            limiter=limiter,
        )

    @property
    def required(self) -> bool:
        """Whether a token is needed at all."""
        return self._reader is not None

    def role_of(self, token: str | None) -> Role | None:
        """The role a token gives, or None when it gives none.

        Both tokens are compared, each in constant time, whichever matches.
        """
        if self._reader is None:
            return Role.EDITOR
        if token is None:
            return None
        given = _digest(token)
        editor = self._editor is not None and hmac.compare_digest(given, self._editor)
        reader = hmac.compare_digest(given, self._reader)
        return Role.EDITOR if editor else Role.READER if reader else None

    def may_edit(self, role: Role | None) -> bool:
        """Whether ``role`` may add and remove articles here.

        Example:
            >>> AccessPolicy().may_edit(Role.EDITOR)
            True
            >>> AccessPolicy(uploads=False).may_edit(Role.EDITOR)
            False
        """
        return self.uploads and role is not None and role >= Role.EDITOR

    def edit_refusal(self, role: Role | None) -> str:
        """Why ``role`` may not add or remove articles (for :meth:`may_edit` False).

        Example:
            >>> policy = AccessPolicy(token="reader-token-0123456789",
            ...                       editor_token="editor-token-0123456789")
            >>> policy.edit_refusal(Role.READER)
            'adding and removing articles needs the editor token'
        """
        if not self.uploads:
            return "adding and removing articles is turned off on this server"
        return "adding and removing articles needs the editor token"

    # -- the chat -----------------------------------------------------------------------------

    def chat_login(self, username: str, password: str) -> bool:
        """Gradio's password check: any user name with a token, ``editor`` with the editor's.

        Example:
            >>> policy = AccessPolicy(token="reader-token-0123456789",
            ...                       editor_token="editor-token-0123456789")
            >>> policy.chat_login("amira", "reader-token-0123456789")
            True
            >>> policy.chat_login("editor", "reader-token-0123456789")  # not the editor's
            False
            >>> policy.chat_login("editor", "editor-token-0123456789")
            True
        """
        role = self.role_of(password)
        if role is None:
            return False
        return role >= Role.EDITOR or not _is_editor_name(username)

    def chat_role(self, username: str | None) -> Role | None:
        """The role of a chat session logged in as ``username`` (None: not logged in).

        Only the editor token logs in as ``editor`` (:meth:`chat_login`), so the name alone
        says the role.

        Example:
            >>> policy = AccessPolicy(token="reader-token-0123456789",
            ...                       editor_token="editor-token-0123456789")
            >>> policy.chat_role("amira"), policy.chat_role("Editor"), policy.chat_role(None)
            (<Role.READER: 1>, <Role.EDITOR: 2>, None)
        """
        if not self.required:
            return Role.EDITOR
        if username is None:
            return None
        return Role.EDITOR if _is_editor_name(username) and self._editor else Role.READER

    def login_message(self) -> str:
        """What the chat's login page says."""
        text = "Log in with any user name and the team's token as the password."
        if self.uploads:
            text += f" To add or remove articles, log in as “{EDITOR_USER}” with the editor token."
        return text

    # -- the JSON API ---------------------------------------------------------------------------

    def check(
        self,
        authorization: str | None,
        query: bytes | str,
        client: str,
        *,
        editing: bool = False,
        limited: bool = False,
    ) -> Refusal | None:
        """Whether a request under ``/api/`` may go ahead; None when it may.

        In order: a token in the query is refused (400), then a missing or wrong token
        (401, with ``WWW-Authenticate: Bearer``), an editor action without the editor's role
        or with uploads off (403), and a client over its rate limit (429, ``Retry-After``).

        Args:
            authorization: The ``Authorization`` header, if any.
            query: The raw query string.
            client: The client's address (what the rate limit keys on, with its token).
            editing: The request adds or removes articles.
            limited: The request counts against the rate limit.

        Example:
            >>> policy = AccessPolicy(token="reader-token-0123456789")
            >>> refused = policy.check(None, b"token=reader-token-0123456789", "10.0.0.7")
            >>> refused.status, refused.field
            (400, 'token')
            >>> policy.check("Bearer wrong-token-0123456789", b"", "10.0.0.7").headers
            {'WWW-Authenticate': 'Bearer realm="news-qa", error="invalid_token"'}
        """
        token: str | None = None
        role: Role | None = Role.EDITOR
        if self.required:
            offending = self.token_in_query(query)
            if offending is not None:
                return Refusal(
                    400,
                    f"a token must not be sent in the URL (query parameter '{offending}'), "
                    "where logs and browser history keep it: send it as "
                    "'Authorization: Bearer TOKEN', and change a token that was sent this way",
                    field=offending,
                )
            token = bearer_token(authorization)
            if token is None:
                return Refusal(
                    401,
                    "this server needs a token: send it as 'Authorization: Bearer TOKEN'",
                    {"WWW-Authenticate": f'Bearer realm="{REALM}"'},
                )
            role = self.role_of(token)
            if role is None:
                return Refusal(
                    401,
                    "the token is not valid for this server",
                    {"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'},
                )
        if editing and not self.may_edit(role):
            return Refusal(403, self.edit_refusal(role))
        if limited and self.limiter is not None:
            wait = self.limiter.take(client_key(token, client))
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                return Refusal(
                    429,
                    f"too many questions from this client: the limit is "
                    f"{self.limiter.per_minute} a minute (bursts of {self.limiter.burst}); "
                    f"try again in {seconds} s",
                    {"Retry-After": str(seconds)},
                )
        return None

    def token_in_query(self, query: bytes | str) -> str | None:
        """The first query parameter that carries a credential, by its name or its value.

        Example:
            >>> policy = AccessPolicy(token="reader-token-0123456789")
            >>> policy.token_in_query("q=1&access_token=x"), policy.token_in_query("q=1")
            ('access_token', None)
            >>> policy.token_in_query("q=reader-token-0123456789")
            'q'
        """
        text = query.decode("latin-1") if isinstance(query, bytes) else query
        for name, value in parse_qsl(text, keep_blank_values=True):
            if name.lower() in TOKEN_PARAMETERS or (value and self.role_of(value) is not None):
                return name
        return None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header (the scheme in any case).

    Example:
        >>> bearer_token("Bearer abc"), bearer_token("bearer  abc "), bearer_token("Basic abc")
        ('abc', 'abc', None)
    """
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def client_key(token: str | None, address: str) -> str:
    """What the rate limit counts a request against: its token's digest and its address.

    With one token shared by a team, each machine keeps an allowance of its own; behind a
    proxy that is not trusted (so every address is the proxy's) it comes down to the token.

    Example:
        >>> client_key(None, "10.0.0.7")
        '10.0.0.7'
        >>> client_key("reader-token-0123456789", "10.0.0.7").endswith("@10.0.0.7")
        True
    """
    if token is None:
        return address
    return f"{_digest(token).hex()[:16]}@{address}"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def _is_editor_name(username: str) -> bool:
    return username.strip().casefold() == EDITOR_USER
