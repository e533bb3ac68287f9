"""One validated settings model for the whole pipeline.

Every knob lives here so that a run is described by a single object; invalid values are rejected
with a message naming the bad value and what would be accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from qa import plugins
from qa.errors import UsageError

EncoderName = Literal["minilm", "hashing"]
FusionName = Literal["zscore", "rrf", "dense", "lexical"]


MINILM_MIN_SIMILARITY = 0.395


def default_cache_dir() -> Path:
    """Folder under which indexes are kept when no index folder is given.

    ``QA_CACHE_DIR`` wins; otherwise the XDG cache folder, so a read-only corpus still gets an
    index and the corpus folder is never written to.

    Example:
        >>> os.environ["QA_CACHE_DIR"] = "/srv/qa-cache"
        >>> default_cache_dir()
        PosixPath('/srv/qa-cache')
        >>> del os.environ["QA_CACHE_DIR"]
        >>> default_cache_dir().name
        'news-qa'
    """
    explicit = os.environ.get("QA_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "news-qa"


class Settings(BaseModel):
    """Configuration of the assistant.

    Attributes:
        encoder: ``"minilm"`` (all-MiniLM-L6-v2, the real model) or ``"hashing"`` (a fast,
            deterministic stand-in for tests).
        model_path: Folder of a sentence-transformers model; None uses the packaged MiniLM.
        reader: ``"neural"`` (the fine-tuned MiniLM span model judged together with the typed
            reader; the default), ``"typed"`` (the answer-type reader built on spaCy alone),
            ``"transformers"`` (a local extractive-QA model folder given by ``reader_model``),
            or one registered with :func:`qa.components.register_reader`.
        reader_model: Folder of a Hugging Face question-answering model, for the
            ``transformers`` reader.
        index_dir: Where the index of a corpus is kept; None derives one under the cache folder.
        top_k: Passages returned by a search and shown with an answer.
        read_k: Passages the reader reads for an answer.
        fusion: How dense and lexical results are combined.
        dense_weight: Share of the dense score in ``zscore`` fusion.
        rrf_k: The constant of reciprocal rank fusion; larger flattens the rank weights.
        candidates_k: How many results each retriever contributes before fusion.
        abstain_threshold: Below this confidence the assistant says the articles do not answer.
        check_floor: The neural reader's best answer is declined when the answer check
            (:mod:`qa.read.check`: its sentence read beside the question, with the confidence)
            is below this; 0 turns the check off.
        min_similarity: When no read passage has a cosine similarity with the question at least
            this high, the question is about something the articles do not discuss and the
            assistant abstains whatever the reader proposes. None picks the value measured
            for the packaged MiniLM (0.395), or 0 (no check) for any other encoder; 0 turns the
            check off.
        focus_words: The neural reader's span model reads a passage longer than this many
            words only in its run of sentences most about the question, which makes reading
            long paragraphs about twice as fast; None reads every passage whole.
        max_question_chars: Longer questions are refused rather than silently cut.
        window_tokens: Longest passage in encoder word pieces; longer paragraphs are split.
        window_overlap: Word pieces shared by consecutive windows of a split paragraph.
        max_file_bytes: Larger corpus files are skipped with a warning.
        batch_size: Passages encoded per batch while indexing.
        show_progress: Show a progress bar while indexing.
        threads: Threads torch and FAISS may use; None uses one for questions (more only
            contend with other processes on a busy machine) and every core for index builds.
        vector_backend: The vector index: ``"auto"`` (the default: exact FAISS search below
            100,000 vectors, some 25,000 to 40,000 passages, and an IVF index over 8-bit
            vectors from there on; see :func:`qa.index.vectors.registry.choose_vector_backend`),
            ``"faiss-flat"`` (exact search with FAISS), ``"faiss-ivf-sq8"`` or
            ``"faiss-hnsw"`` (approximate), ``"numpy-flat"`` (exact, NumPy only), or one
            registered with
            :func:`qa.index.vectors.registry.register_vector_backend`.
        encoder_precision: What MiniLM computes in: ``"auto"`` (bfloat16 on a CPU that has
            it natively, else float32), ``"float32"`` or ``"bfloat16"``.
        rate_limit_per_minute: Questions one client may put to ``POST /api/ask`` a minute, on
            average, when ``qa serve`` is shared (a token is set or the address is not
            loopback; see :class:`AccessSettings`); 0 turns the limit off. A client is its
            token and its address, so one script cannot starve the others. Over the limit
            the API answers 429 with ``Retry-After``.
        rate_limit_burst: Questions a client may ask at once before the per-minute rate
            applies (the size of its token bucket).
        max_waiting_questions: Questions ``POST /api/ask`` takes in at once, answering or
            waiting for a core; one more is refused at once with 503 and ``Retry-After``
            rather than left to wait without bound. 0 turns the bound off.
        workers: Worker processes ``qa serve`` answers questions in, side by side, each with
            the models loaded and the index opened read-only (see
            :meth:`qa.pipeline.Assistant.start_workers`); None starts one per core on a
            machine with more than one, 0 answers in the server's own process.

    Example:
        >>> Settings(top_k=3).top_k
        3
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    encoder: EncoderName = "minilm"
    model_path: Path | None = None
    reader: str = "neural"
    reader_model: Path | None = None
    index_dir: Path | None = None
    top_k: int = Field(default=5, ge=1, le=100)
    read_k: int = Field(default=3, ge=1, le=50)
    fusion: FusionName = "zscore"
    dense_weight: float = Field(default=0.65, ge=0.0, le=1.0)
    rrf_k: int = Field(default=60, ge=1, le=10_000)
    candidates_k: int = Field(default=50, ge=1, le=10_000)
    # The highest confidence floor that still answers 95% of the answerable fitting questions,
    # scored held out (scripts/fit_neural.py writes it to qa/read/neural_weights.json; a test
    # checks the two agree). Off-topic questions are mostly turned away by min_similarity.
    # The combiner's probabilities run low: most fitting questions have dozens of proposals,
    # of which one at most is right.
    abstain_threshold: float = Field(default=0.0124, ge=0.0, le=1.0)
    # The check that keeps 99% of the right answers to the fitting questions
    # (scripts/fit_check.py).
    check_floor: float = Field(default=0.1352, ge=0.0, le=1.0)
    # The highest similarity that loses at most 1% of the answerable fitting questions asked
    # of a corpus holding their article (scripts/fit_neural.py).
    # None takes MINILM_MIN_SIMILARITY for the packaged MiniLM and 0 (no check) for other
    # encoders, whose similarities live on other scales.
    min_similarity: float | None = Field(default=None, ge=0.0, le=1.0)
    # On the SQuAD sample a 60-word run holds the answer for 94% of the answerable questions
    # whose passage is longer, and end-to-end F1 is unchanged (0.385 whole, 0.385 at 60
    # words, 0.387 at 80) while the reader takes about half the time (bench_focus.py).
    focus_words: int | None = Field(default=60, ge=20, le=10_000)
    max_question_chars: int = Field(default=1000, ge=10, le=100_000)
    window_tokens: int = Field(default=254, ge=16, le=510)
    window_overlap: int = Field(default=64, ge=0, le=256)
    max_file_bytes: int = Field(default=20_000_000, ge=1)
    batch_size: int = Field(default=32, ge=1, le=1024)
    show_progress: bool = True
    vector_backend: str = "auto"
    threads: int | None = Field(default=None, ge=1, le=256)
    # bfloat16 where the CPU has it: index builds encode about twice as fast
    # (benchmarks/bench_build.py), vectors within 3e-5 of float32 in cosine.
    encoder_precision: Literal["auto", "float32", "bfloat16"] = "auto"
    # A warm answer takes 40 to 80 ms of a core, so a client at 60 a minute with bursts of 10
    # leaves two cores free for everyone else, while a person asking never meets the limit.
    rate_limit_per_minute: int = Field(default=60, ge=0, le=100_000)
    rate_limit_burst: int = Field(default=10, ge=1, le=10_000)
    # Two workers on two cores answer about 85 seed-corpus questions a second, a server in one
    # process about 42 (docs/scaling.md), so 32 waiting is under a second of work: past that a
    # client is better told to come back than kept waiting.
    max_waiting_questions: int = Field(default=32, ge=0, le=10_000)
    # One process answers one question at a time: a server on two cores answered 0.90 of one
    # core's worth of questions under 16 clients until it answered in one worker per core
    # (docs/scaling.md).
    workers: int | None = Field(default=None, ge=0, le=64)

    @field_validator("reader", "vector_backend")
    @classmethod
    def _registered_name(cls, value: str, info: ValidationInfo) -> str:
        # Readers and vector backends can be registered by plugins, so the choice is checked
        # against the registries rather than a fixed list.
        if value not in _registered(info.field_name or ""):
            raise ValueError(f"unknown {(info.field_name or '').replace('_', ' ')}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.window_overlap >= self.window_tokens:
            raise ValueError(
                f"window_overlap={self.window_overlap} must be smaller than "
                f"window_tokens={self.window_tokens}"
            )
        if self.reader == "transformers" and self.reader_model is None:
            raise ValueError("reader='transformers' needs reader_model, a local model folder")
        return self

    @classmethod
    def make(cls, **values: Any) -> Settings:
        """Build settings, turning validation errors into one readable :class:`UsageError`.

        ``None`` values are dropped so callers can pass optional CLI flags straight through.

        Example:
            >>> Settings.make(top_k=None, read_k=2).read_k
            2
        """
        given = {k: v for k, v in values.items() if v is not None}
        try:
            return cls(**given)
        except ValidationError as exc:
            raise UsageError(describe_validation_error(exc)) from None

    @property
    def answer_threads(self) -> int:
        """Threads a question runs on.

        Example:
            >>> Settings().answer_threads, Settings(threads=4).answer_threads
            (1, 4)
        """
        return self.threads if self.threads is not None else 1

    @property
    def serving_workers(self) -> int:
        """Worker processes a server answers in (0: its own process).

        Example:
            >>> Settings(workers=0).serving_workers, Settings(workers=3).serving_workers
            (0, 3)
        """
        from qa.threads import cores

        if self.workers is not None:
            return self.workers
        count = cores()
        return count if count > 1 else 0

    @property
    def index_threads(self) -> int:
        """Threads an index build runs on.

        Example:
            >>> Settings(threads=3).index_threads
            3
        """
        from qa.threads import cores

        return self.threads if self.threads is not None else cores()

    @property
    def similarity_floor(self) -> float:
        """The ``min_similarity`` in force: the set value, or the encoder's default.

        Example:
            >>> Settings().similarity_floor, Settings(encoder="hashing").similarity_floor
            (0.395, 0.0)
        """
        if self.min_similarity is not None:
            return self.min_similarity
        if self.encoder == "minilm" and self.model_path is None:
            return MINILM_MIN_SIMILARITY
        return 0.0

    def index_dir_for(self, corpus: Path) -> Path:
        """The folder holding the index of ``corpus`` under these settings.

        Example:
            >>> Settings(index_dir=Path("/tmp/ix")).index_dir_for(Path("seeds"))
            PosixPath('/tmp/ix')
        """
        if self.index_dir is not None:
            return self.index_dir
        resolved = str(corpus.resolve())
        digest = hashlib.sha256(f"{resolved}|{self.encoder}".encode()).hexdigest()[:16]
        return default_cache_dir() / "indexes" / f"{corpus.resolve().name}-{digest}"


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad field: the field, the value given, and what is accepted."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "settings"
        given = error.get("input")
        choices = _choices(where)
        msg = error["msg"]
        if choices:
            msg = f"expected one of {', '.join(repr(c) for c in choices)}"
        if error["type"] == "extra_forbidden":
            known = ", ".join(sorted(Settings.model_fields))
            msg = f"unknown setting; known settings are: {known}"
        parts.append(f"{where}={given!r}: {msg}")
    return "invalid settings: " + "; ".join(parts)


def _registered(field: str) -> tuple[str, ...]:
    return plugins.names(field)


def _choices(field: str) -> tuple[Any, ...]:
    if _registered(field):
        return _registered(field)
    info = Settings.model_fields.get(field)
    if info is None or info.annotation is None:
        return ()
    return get_args(info.annotation) if get_origin(info.annotation) is Literal else ()


def setting_default(name: str) -> Any:
    """The default of one setting, for a stage's own keyword defaults.

    Stages built without a ``Settings`` (tests, tools) take the same defaults as the settings
    model, from this one place, without validating a whole model.

    Example:
        >>> setting_default("max_file_bytes")
        20000000
    """
    return Settings.model_fields[name].default


# What a token may hold: RFC 6750's characters for a bearer token, so it travels in a header as
# it is. `python3 -c "import secrets; print(secrets.token_urlsafe(32))"` makes a good one.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
MIN_TOKEN_CHARS = 16
MAX_TOKEN_CHARS = 512
MAKE_TOKEN = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def is_loopback(host: str) -> bool:
    """Whether an address to listen on is reachable from this machine only.

    ``localhost``, 127.0.0.0/8 and ``::1`` are; every other name or address, ``0.0.0.0`` and
    ``""`` (all interfaces) included, is taken as reachable from other machines.

    Example:
        >>> [is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost")]
        [True, True, True, True, True]
        >>> [is_loopback(h) for h in ("0.0.0.0", "", "::", "10.0.0.5", "example.org")]
        [False, False, False, False, False]
    """
    name = host.strip().removeprefix("[").removesuffix("]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


class AccessSettings(BaseModel):
    """Who may use a served chat and JSON API (``qa serve``), kept apart from :class:`Settings`.

    Tokens are secrets: they are held as ``SecretStr`` (shown as ``'**********'``), never
    written into an error message, and never part of the pipeline's settings (which reports
    record).

    Attributes:
        token: The reader token (``QA_TOKEN``, ``--token``). When set, the JSON API needs
            ``Authorization: Bearer TOKEN`` and the chat a login with it as the password.
            16 to 512 characters of letters, digits and ``-._~+/`` (then any ``=``).
        editor_token: The editor token (``QA_EDITOR_TOKEN``, ``--editor-token``): it may also
            add and remove articles. Needs ``token`` (readers need a way in too) and must
            differ from it. Without it, uploads are off on a shared server.
        uploads: False turns uploads off for everyone (``--no-uploads``).
        open: Serve an address other machines can reach without a token (``--open``): anyone
            who reaches it may ask; nobody may upload.
        trusted_proxies: Addresses or networks of reverse proxies whose ``X-Forwarded-For``
            names the client (for the rate limit); empty ignores that header.

    Example:
        >>> access = AccessSettings.make(token="reader-token-0123456789")
        >>> access.token, access.required
        (SecretStr('**********'), True)
        >>> AccessSettings().check_host("0.0.0.0")  # no token, not loopback
        Traceback (most recent call last):
        ...
        qa.errors.UsageError: serving on 0.0.0.0 lets anyone who can reach it ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    token: SecretStr | None = None
    editor_token: SecretStr | None = None
    uploads: bool = True
    open: bool = False
    trusted_proxies: tuple[str, ...] = ()

    @field_validator("token", "editor_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never quotes the value: it is a secret.
        if value is None:
            return None
        secret = value.get_secret_value()
        if not MIN_TOKEN_CHARS <= len(secret) <= MAX_TOKEN_CHARS or not _TOKEN.fullmatch(secret):
            raise ValueError(
                f"must be {MIN_TOKEN_CHARS} to {MAX_TOKEN_CHARS} characters of letters, digits "
                f"and -._~+/ (make one with: {MAKE_TOKEN})"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        networks = []
        for entry in value:
            try:
                networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (such as 10.0.0.2 or 10.0.0.0/8)"
                ) from None
        return tuple(networks)

    @model_validator(mode="after")
    def _roles(self) -> AccessSettings:
        if self.editor_token is not None:
            if self.token is None:
                raise ValueError(
                    "an editor token needs a reader token as well (QA_TOKEN or --token): "
                    "readers log in with that one"
                )
            editor = self.editor_token.get_secret_value().encode()
            if hmac.compare_digest(editor, self.token.get_secret_value().encode()):
                raise ValueError("the editor token must differ from the reader token")
        return self

    @classmethod
    def make(cls, **values: Any) -> AccessSettings:
        """Build access settings, turning errors into one :class:`UsageError` line.

        ``None`` and empty values are dropped (an unset ``QA_TOKEN`` reads as ``""``), and
        the message names the bad field without ever quoting a token.

        Example:
            >>> AccessSettings.make(token="", open=None).required
            False
            >>> AccessSettings.make(token="short")
            Traceback (most recent call last):
            ...
            qa.errors.UsageError: invalid access settings: token: must be 16 to 512 characters ...
        """
        given = {k: v for k, v in values.items() if v is not None and v != ""}
        try:
            return cls(**given)
        except ValidationError as exc:
            parts = []
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
                message = str(error["msg"]).removeprefix("Value error, ")
                parts.append(f"{where}: {message}" if where else message)
            raise UsageError("invalid access settings: " + "; ".join(parts)) from None

    @property
    def required(self) -> bool:
        """Whether a token is needed to ask (a reader token is set)."""
        return self.token is not None

    def exposed(self, host: str) -> bool:
        """Whether serving ``host`` is shared: a token is set or others can reach it.

        A shared server limits each client's questions (:attr:`Settings.rate_limit_per_minute`)
        and takes uploads only from editors.

        Example:
            >>> AccessSettings().exposed("127.0.0.1"), AccessSettings(open=True).exposed("::")
            (False, True)
        """
        return self.required or not is_loopback(host)

    def uploads_enabled(self, host: str) -> bool:
        """Whether anyone may add or remove articles when serving ``host``.

        Editors may when there is an editor token; with no token at all, whoever reaches a
        loopback address may (as ``qa serve`` always allowed); ``uploads=False`` stops both.

        Example:
            >>> AccessSettings().uploads_enabled("127.0.0.1")
            True
            >>> AccessSettings(token="reader-token-0123456789").uploads_enabled("127.0.0.1")
            False
        """
        if not self.uploads:
            return False
        return self.editor_token is not None or not self.exposed(host)

    def check_host(self, host: str) -> None:
        """Refuse to serve an address others can reach with no token, unless ``open`` is set.

        Raises:
            UsageError: One line saying how to set a token (or that ``--open`` serves anyway).

        Example:
            >>> AccessSettings().check_host("127.0.0.1")  # loopback: as it always was
            >>> AccessSettings(open=True).check_host("0.0.0.0")  # anyone may ask
        """
        if self.required or self.open or is_loopback(host):
            return
        shown = host or '""'
        raise UsageError(
            f"serving on {shown} lets anyone who can reach it use the chat and the API; set a "
            f'token first (export QA_TOKEN="$({MAKE_TOKEN})", or --token), or pass --open '
            "to serve without one"
        )
