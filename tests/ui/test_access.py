"""Access settings and the access policy on their own: tokens, roles, the rate limit."""

from __future__ import annotations

import threading

import pytest

from qa import Settings, UsageError
from qa.settings import AccessSettings, is_loopback
from ui.access import AccessPolicy, RateLimiter, Role, bearer_token, client_key

READER = "reader-token-0123456789abcdef"
EDITOR = "editor-token-0123456789abcdef"


def test_tokens_are_validated_and_never_quoted() -> None:
    for bad in ("short", "has spaces in it 0123456789", "x" * 600, "tøken-0123456789abcdef"):
        with pytest.raises(UsageError) as raised:
            AccessSettings.make(token=bad)
        message = str(raised.value)
        assert message.startswith("invalid access settings: token: must be 16 to 512")
        assert bad not in message and "\n" not in message
    with pytest.raises(UsageError, match="needs a reader token"):
        AccessSettings.make(editor_token=EDITOR)
    with pytest.raises(UsageError, match="must differ"):
        AccessSettings.make(token=READER, editor_token=READER)
    with pytest.raises(UsageError, match="not an IP address or network"):
        AccessSettings.make(trusted_proxies=("proxy.example",))
    # Even a validation error raised directly (not through make) hides the value.
    with pytest.raises(Exception) as direct:
        AccessSettings(token="short-secret")
    assert "short-secret" not in str(direct.value)


def test_a_token_is_never_shown_by_the_settings_or_the_policy() -> None:
    access = AccessSettings.make(token=READER, editor_token=EDITOR)
    shown = repr(access) + str(access) + access.model_dump_json()
    assert READER not in shown and EDITOR not in shown
    policy = AccessPolicy.serving(access, "0.0.0.0", Settings(encoder="hashing"))
    assert READER not in repr(vars(policy)) and EDITOR not in repr(vars(policy))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("", False),
        ("::", False),
        ("192.168.1.20", False),
        ("myhost", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_reachable_address_needs_a_token_or_open() -> None:
    with pytest.raises(UsageError) as raised:
        AccessSettings().check_host("0.0.0.0")
    message = str(raised.value)
    assert "\n" not in message and "QA_TOKEN" in message and "--open" in message
    AccessSettings(open=True).check_host("0.0.0.0")
    AccessSettings.make(token=READER).check_host("0.0.0.0")
    AccessSettings().check_host("127.0.0.1")


def test_loopback_without_a_token_is_as_before() -> None:
    policy = AccessPolicy.serving(AccessSettings(), "127.0.0.1", Settings(encoder="hashing"))
    assert not policy.required and policy.uploads and policy.limiter is None
    assert policy.check(None, b"token=anything", "127.0.0.1", editing=True, limited=True) is None
    assert policy.chat_role(None) is Role.EDITOR


def test_uploads_need_an_editor_token_once_shared() -> None:
    settings = Settings(encoder="hashing")
    reader_only = AccessPolicy.serving(AccessSettings.make(token=READER), "127.0.0.1", settings)
    assert not reader_only.uploads
    both = AccessSettings.make(token=READER, editor_token=EDITOR)
    assert AccessPolicy.serving(both, "0.0.0.0", settings).uploads
    no_uploads = AccessSettings.make(token=READER, editor_token=EDITOR, uploads=False)
    assert not AccessPolicy.serving(no_uploads, "0.0.0.0", settings).uploads
    assert not AccessPolicy.serving(AccessSettings(open=True), "0.0.0.0", settings).uploads
    assert not AccessPolicy.serving(AccessSettings(uploads=False), "::1", settings).uploads


def test_the_rate_limit_applies_once_shared_and_can_be_turned_off() -> None:
    tight = Settings(encoder="hashing", rate_limit_per_minute=30, rate_limit_burst=4)
    shared = AccessPolicy.serving(AccessSettings(open=True), "0.0.0.0", tight)
    assert shared.limiter is not None
    assert (shared.limiter.per_minute, shared.limiter.burst) == (30, 4)
    off = tight.model_copy(update={"rate_limit_per_minute": 0})
    assert AccessPolicy.serving(AccessSettings(open=True), "0.0.0.0", off).limiter is None
    with pytest.raises(UsageError, match="rate_limit_burst"):
        Settings.make(rate_limit_burst=0)
    with pytest.raises(UsageError, match="rate_limit_per_minute"):
        Settings.make(rate_limit_per_minute=-1)


def test_roles_and_the_chat_login() -> None:
    policy = AccessPolicy(token=READER, editor_token=EDITOR)
    assert policy.role_of(READER) is Role.READER and policy.role_of(EDITOR) is Role.EDITOR
    assert policy.role_of(None) is None and policy.role_of(READER + "x") is None
    assert policy.chat_login("amira", READER) and policy.chat_login("amira", EDITOR)
    assert policy.chat_login(" Editor ", EDITOR)
    assert not policy.chat_login("editor", READER) and not policy.chat_login("amira", "nope")
    assert policy.chat_role("amira") is Role.READER and policy.chat_role("editor") is Role.EDITOR
    assert policy.may_edit(Role.EDITOR) and not policy.may_edit(Role.READER)
    # Without an editor token nobody logs in as the editor, and nobody may upload.
    readers = AccessPolicy(token=READER)
    assert not readers.chat_login("editor", READER) and not readers.may_edit(Role.EDITOR)


def test_the_api_check_in_order() -> None:
    policy = AccessPolicy(token=READER, editor_token=EDITOR)
    missing = policy.check(None, b"", "10.0.0.1")
    assert missing is not None and missing.status == 401
    assert missing.headers == {"WWW-Authenticate": 'Bearer realm="news-qa"'}
    wrong = policy.check(f"Bearer {EDITOR}x", b"", "10.0.0.1")
    assert wrong is not None and wrong.status == 401 and "invalid_token" in str(wrong.headers)
    basic = policy.check(f"Basic {READER}", b"", "10.0.0.1")
    assert basic is not None and basic.status == 401
    assert policy.check(f"Bearer {READER}", b"", "10.0.0.1") is None
    assert policy.check(f"bearer {EDITOR}", b"", "10.0.0.1", editing=True) is None
    reader_edit = policy.check(f"Bearer {READER}", b"", "10.0.0.1", editing=True)
    assert reader_edit is not None and reader_edit.status == 403
    # A token in the URL is refused even beside a good header, by its name or its value.
    for query in (f"token={READER}", "access_token=x", f"q={READER}", f"API_KEY={EDITOR}"):
        refused = policy.check(f"Bearer {READER}", query.encode(), "10.0.0.1")
        assert refused is not None and refused.status == 400, query
        assert READER not in refused.message and EDITOR not in refused.message
    assert policy.check(f"Bearer {READER}", b"top_k=3", "10.0.0.1") is None


def test_bearer_header_parsing() -> None:
    assert bearer_token(f"Bearer {READER}") == READER
    assert bearer_token(f"  BEARER   {READER}  ") == READER
    assert bearer_token("Bearer") is None and bearer_token("") is None
    assert bearer_token(None) is None and bearer_token(f"Token {READER}") is None


def test_rate_limit_refills_per_client_and_says_when() -> None:
    now = [100.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    policy = AccessPolicy(token=READER, limiter=limiter)
    header = f"Bearer {READER}"
    assert policy.check(header, b"", "10.0.0.1", limited=True) is None
    assert policy.check(header, b"", "10.0.0.1", limited=True) is None
    over = policy.check(header, b"", "10.0.0.1", limited=True)
    assert over is not None and over.status == 429 and over.headers == {"Retry-After": "10"}
    assert "6 a minute" in over.message
    # Another machine with the same token has its own allowance; a refusal spends nothing.
    assert policy.check(header, b"", "10.0.0.2", limited=True) is None
    now[0] += 4.0
    refused = policy.check(header, b"", "10.0.0.1", limited=True)
    assert refused is not None and refused.headers == {"Retry-After": "6"}
    now[0] += 6.0
    assert policy.check(header, b"", "10.0.0.1", limited=True) is None
    # Requests that are not limited never count.
    assert all(policy.check(header, b"", "10.0.0.1") is None for _ in range(20))


def test_rate_limit_is_thread_safe() -> None:
    limiter = RateLimiter(per_minute=1, burst=50, clock=lambda: 0.0)
    allowed: list[float] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(100):
            wait = limiter.take("one client")
            with lock:
                allowed.append(wait)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for wait in allowed if wait == 0.0) == 50


def test_rate_limit_memory_is_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0], max_clients=100)
    for number in range(1000):
        now[0] += 0.001
        limiter.take(f"10.0.{number // 256}.{number % 256}")
    assert len(limiter._buckets) <= 100


def test_the_rate_limit_keys_on_a_digest_of_the_token_and_the_address() -> None:
    key = client_key(READER, "10.0.0.1")
    assert READER not in key and key.endswith("@10.0.0.1")
    assert key != client_key(EDITOR, "10.0.0.1") and key != client_key(READER, "10.0.0.2")
