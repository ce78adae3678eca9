"""Pure attribution rules: the channel table of design.md, caller keys, multi-touch weights.

No Dagster here. The channel rule is a DuckDB macro so the engine classifies millions of sessions
in one vectorized pass; tests call the very same macro with a parametrized table of cases.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

# Search engines and social sites of design.md ("Channel"). Matched against the referrer's host
# label-wise: `(^|.)google.` matches www.google.com and google.co.uk but not notgoogle.com.
SEARCH_ENGINES = ("google", "bing", "yahoo", "duckduckgo", "baidu", "yandex")
SOCIAL_SITES = ("facebook", "instagram", "twitter", "linkedin", "reddit", "youtube", "tiktok")
# Two-label social hosts that the label rule cannot express (t.co, x.com).
SOCIAL_HOSTS = ("t.co", "x.com")
PAID_SEARCH_MEDIUMS = ("cpc", "ppc", "paid_search", "paidsearch")
PAID_SOCIAL_MEDIUMS = ("paid_social", "paidsocial")
DISPLAY_MEDIUMS = ("display", "banner")
# utm_source values that make `cpm` paid social ("cpm with a social source").
SOCIAL_SOURCES = SOCIAL_SITES + ("fb", "ig", "meta", "x", "t.co")

# Multi-touch models (attribution.touches.model) and their constants.
TOUCH_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
TIME_DECAY_HALF_LIFE_DAYS = 7.0
POSITION_BASED_ENDS = 0.4  # first and last touch each; the middle shares the remaining 0.2


def _in_list(values: tuple[str, ...]) -> str:
    # Constants written here, never data: safe to inline as SQL literals.
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _alternation(values: tuple[str, ...]) -> str:
    return "|".join(v.replace(".", r"\.") for v in values)


def channel_macro_sql() -> str:
    """CREATE MACRO statements for `ct_referrer_host(referrer)` and
    `ct_channel(gclid, msclkid, fbclid, utm_source, utm_medium, referrer)`.

    First rule that matches wins, in design.md's order. Mediums and sources compare trimmed and
    lower-cased (producers write `CPC`, `Email `); an empty string counts as absent.
    """
    search = _alternation(SEARCH_ENGINES)
    social = _alternation(SOCIAL_SITES)
    social_hosts = _alternation(SOCIAL_HOSTS)
    social_sources = _alternation(SOCIAL_SOURCES)
    return f"""
create or replace temp macro ct_referrer_host(referrer) as
    nullif(regexp_extract(lower(trim(referrer)), '^(?:[a-z][a-z0-9+.-]*://)?([^/:?#@]+)', 1), '');
create or replace temp macro ct_channel(gclid, msclkid, fbclid, utm_source, utm_medium, referrer) as
    case
        when nullif(gclid, '') is not null or nullif(msclkid, '') is not null
            or lower(trim(utm_medium)) in ({_in_list(PAID_SEARCH_MEDIUMS)}) then 'Paid Search'
        when nullif(fbclid, '') is not null
            or lower(trim(utm_medium)) in ({_in_list(PAID_SOCIAL_MEDIUMS)})
            or (lower(trim(utm_medium)) = 'cpm'
                and regexp_full_match(lower(trim(utm_source)), '({social_sources})(\\.com)?'))
            then 'Paid Social'
        when lower(trim(utm_medium)) = 'email' then 'Email'
        when lower(trim(utm_medium)) in ({_in_list(DISPLAY_MEDIUMS)}) then 'Display'
        when regexp_matches(ct_referrer_host(referrer), '(^|\\.)({search})\\.')
            then 'Organic Search'
        when regexp_matches(ct_referrer_host(referrer), '(^|\\.)({social})\\.')
            or regexp_matches(ct_referrer_host(referrer), '(^|\\.)({social_hosts})$')
            then 'Organic Social'
        when ct_referrer_host(referrer) is not null then 'Referral'
        else 'Direct'
    end;
"""


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the rule macros on this connection (temp: they live as long as the connection)."""
    for stmt in channel_macro_sql().split(";"):
        if stmt.strip():
            con.execute(stmt)


def channel_of(
    con: duckdb.DuckDBPyConnection,
    *,
    gclid: str | None = None,
    msclkid: str | None = None,
    fbclid: str | None = None,
    utm_source: str | None = None,
    utm_medium: str | None = None,
    referrer: str | None = None,
) -> str:
    """The channel of one session's landing fields (the macro, evaluated once; for tests/tools)."""
    install_macros(con)
    row = con.execute(
        "select ct_channel($1::varchar, $2::varchar, $3::varchar, $4::varchar, $5::varchar, "
        "$6::varchar)",
        [gclid, msclkid, fbclid, utm_source, utm_medium, referrer],
    ).fetchone()
    assert row is not None
    return str(row[0])


# --- caller keys -----------------------------------------------------------------------------

_BLOCK = 64  # SHA-256 block size (RFC 2104's B)


def hmac_pads(secret: str) -> tuple[bytes, bytes]:
    """(K xor ipad, K xor opad) of RFC 2104 for SHA-256.

    HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)). Handing DuckDB the two padded keys lets it
    compute the HMAC of millions of numbers with its vectorized sha256 instead of a Python loop;
    the pads go in as query parameters, so the secret never appears in SQL text.
    """
    key = secret.encode()
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def caller_key_py(secret: str, number: str) -> str:
    """Reference HMAC-SHA256 (hex) of one caller number: the SQL version must equal it."""
    return hmac.new(secret.encode(), number.encode(), hashlib.sha256).hexdigest()


# SQL of the keyed hash given a table `k(ipad blob, opad blob)` in scope.
CALLER_KEY_SQL = "sha256(k.opad || unhex(sha256(k.ipad || encode({col}))))"


def install_caller_key(con: duckdb.DuckDBPyConnection, secret: str) -> None:
    """A one-row temp table `ct_hmac_key(ipad, opad)` the engine cross-joins as `k`."""
    ipad, opad = hmac_pads(secret)
    con.execute(
        "create or replace temp table ct_hmac_key as select $1::blob as ipad, $2::blob as opad",
        [ipad, opad],
    )


def caller_keys_sql(con: duckdb.DuckDBPyConnection, secret: str, numbers: list[str | None]) -> list:
    """Keys of `numbers` computed by the engine's SQL (for tests and tools)."""
    install_caller_key(con, secret)
    return [
        r[0]
        for r in con.execute(
            "select case when n is null then null else "
            + CALLER_KEY_SQL.format(col="n")
            + " end from (select unnest($1::varchar[]) as n, generate_subscripts($1::varchar[], 1)"
            " as i) cross join ct_hmac_key k order by i",
            [numbers],
        ).fetchall()
    ]


# --- multi-touch -----------------------------------------------------------------------------


def touch_weights(model: str, ages_days: list[float]) -> list[float]:
    """Weights of one call's path (oldest first; the last touch is the matched session).

    `ages_days[i]` = days between session i's start and the call. Documents and tests the rule
    the engine's SQL implements (the engine is checked against this in tests):
    - position_based: 1 session -> [1.0]; 2 sessions -> [0.5, 0.5] (no middle to give the 20%
      to, so the ends split evenly); n >= 3 -> 0.4 first, 0.4 last, 0.2 / (n - 2) each middle.
    - time_decay: weight proportional to 0.5 ** (age / 7 days), normalised to sum 1.
    """
    n = len(ages_days)
    if n == 0:
        return []
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "linear":
        return [1.0 / n] * n
    if model == "time_decay":
        raw = [0.5 ** (a / TIME_DECAY_HALF_LIFE_DAYS) for a in ages_days]
        total = sum(raw)
        return [r / total for r in raw]
    if model == "position_based":
        if n == 1:
            return [1.0]
        if n == 2:
            return [0.5, 0.5]
        middle = (1.0 - 2 * POSITION_BASED_ENDS) / (n - 2)
        return [POSITION_BASED_ENDS] + [middle] * (n - 2) + [POSITION_BASED_ENDS]
    raise ValueError(f"unknown touch model {model!r}; models are {', '.join(TOUCH_MODELS)}")
