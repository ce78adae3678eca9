"""The simulation engine: one UTC day at a time, every account, vectorized with numpy.

Per account-day: sessions arrive by a local-time hourly profile with weekly seasonality; each
session expands into beacons; a DNI pool hands out numbers (the only per-session Python loop: a
heap per pool, O(log pool) per session); some sessions call, offline placements ring their static
numbers, a few calls hit numbers nobody published; calls are answered by local staffing hours,
last log-normal times, get an intent, sometimes a recording, and convert in the CRM later.

Instants are int64 microseconds since the epoch (UTC) throughout; Arrow columns are built from
them at the end. Randomness comes from one numpy Generator per (seed, day, account), so a day's
output does not depend on how much was drawn on other days.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest import contract
from ingest.simulate.profiles import AccountSpec, Placement, Scale, Template, templates_for
from ingest.simulate.recordings import ClipRef

SEC = 1_000_000
MINUTE = 60 * SEC
HOUR = 60 * MINUTE
DAY = 24 * HOUR
UTC = dt.UTC

# Local-hour traffic profile (relative): quiet nights, a morning ramp, a long working-day
# plateau and an evening browsing bump.
HOURLY = np.array(
    [0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.3, 0.6, 1.0, 1.3, 1.45, 1.5,
     1.4, 1.45, 1.4, 1.3, 1.2, 1.1, 1.0, 1.1, 1.15, 1.0, 0.7, 0.35]
)  # fmt: skip
WEEKLY = np.array([1.1, 1.05, 1.0, 1.0, 0.95, 0.7, 0.6])  # Monday first
WEEKLY_ALWAYS_ON = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 0.95, 0.9])

SESSION_MEDIAN_S = 150.0  # time on site, log-normal
SESSION_SIGMA = 1.1
SESSION_CAP_S = 2 * 3600  # a tab left open beyond this stops sending heartbeats
HEARTBEAT_S = 120

BEACON_TYPES = contract.BEACON_EVENT_TYPES  # started, viewed, assigned, heartbeat
B_STARTED, B_VIEWED, B_ASSIGNED, B_HEARTBEAT = (BEACON_TYPES.index(t) for t in BEACON_TYPES)
CALL_TYPES = contract.CALL_EVENT_TYPES  # started, answered, ended, recording_ready

INTENTS = ("booked", "price_inquiry", "complaint", "wrong_number", "spam", "voicemail")
ANSWERED_INTENT_P = np.array([0.40, 0.32, 0.10, 0.10, 0.08])
UNKNOWN_NUMBER_INTENT_P = np.array([0.05, 0.10, 0.0, 0.30, 0.55])
TALK_MEDIAN_S = np.array([210.0, 150.0, 260.0, 25.0, 18.0])
MISSED_STATUSES = ("no_answer", "voicemail", "abandoned", "busy", "failed")
MISSED_P = np.array([0.45, 0.30, 0.15, 0.07, 0.03])

# Call kinds (truth): how the caller found the number.
K_WEB, K_STATIC, K_UNKNOWN = 0, 1, 2
# Web call timing (truth): during the session, after its last beacon within the timeout, later.
M_DURING, M_WITHIN_TIMEOUT, M_AFTER_TIMEOUT = 0, 1, 2

USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)


@dataclass(frozen=True)
class Behaviour:
    """Knobs of visitor and caller behaviour (defaults are the product's realism targets)."""

    return_rate: float = 0.28  # share of sessions from a visitor seen in the last 14 days
    share_rate: float = 0.35  # exhausted pool: hand out a held number (else the default one)
    within_timeout_rate: float = 0.07  # web callers who call after leaving, within the timeout
    after_timeout_rate: float = 0.08  # web callers who call after their session timed out
    blocked_rate: float = 0.04  # callers with caller id blocked
    offline_repeat_rate: float = 0.25  # static-number callers who called before
    missing_click_rate: float = 0.06  # gclids deliberately absent from the click view
    with_call_id_rate: float = 0.7  # CRM conversions that carry the call_id
    orphan_conversions_per_day: float = 0.3  # conversions of people who never called


@dataclass
class NumberInfo:
    number: str
    kind: str  # static | pool | default | unknown (not published)
    pool: int = -1
    placement: int = -1
    location: int = 0


@dataclass
class Pool:
    pool_id: str
    location: int
    numbers: list[int]
    default: int
    heap: list[tuple[int, int]] = field(default_factory=list)


def _take(values: list[Any] | tuple[Any, ...], idx: np.ndarray, typ: pa.DataType) -> pa.Array:
    """values[idx] as an Arrow array; idx < 0 gives null."""
    idx = np.asarray(idx)
    mask = idx < 0
    return pc.take(pa.array(list(values), typ), pa.array(np.where(mask, 0, idx), mask=mask))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _pad(ints: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(ints, pa.int64()), pa.string()), width=width, padding="0")


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(us, np.int64), pa.int64()).cast(contract.INSTANT)


class AccountSim:
    """One account's catalog, numbers, pools and running state across days."""

    def __init__(
        self,
        idx: int,
        spec: AccountSpec,
        scale: Scale,
        behaviour: Behaviour,
        start_us: int,
        end_us: int,
        plain_names: bool,
    ) -> None:
        self.idx = idx
        self.spec = spec
        self.scale = scale
        self.b = behaviour
        self.start_us = start_us
        self.end_us = end_us
        self.templates: list[Template] = templates_for(spec, plain_names)
        self.plain_names = plain_names
        t = self.templates
        self.w_new = np.array([x.weight for x in t]) / sum(x.weight for x in t)
        self.w_ret = np.array([x.return_weight for x in t]) / sum(x.return_weight for x in t)
        self.call_rate = np.minimum(np.array([x.call_rate for x in t]) * scale.web_call_boost, 0.9)
        self.click_kind = np.array([{None: 0, "gclid": 1, "msclkid": 2, "fbclid": 3}[x.click_id]
                                    for x in t])  # fmt: skip
        self.is_paid = np.array([x.ad_key is not None for x in t])
        self.timeout_us = (spec.session_timeout_minutes or 30) * MINUTE
        self.qualified = spec.qualified_call_seconds or 90
        self._tz_table()
        self._numbers()
        # running state
        self.next_visitor = 0
        self.next_session = 0
        self.next_call = 0
        self.next_offline_caller = 0
        self.next_event = 0
        self.next_orphan = 0
        self.recent_visitors: list[np.ndarray] = []
        self.offline_callers: list[np.ndarray] = []
        n_local_days = (end_us - start_us) // DAY + 3
        self.paid_clicks = np.zeros((n_local_days, len(t)), np.int64)
        # for the truth: every session's number, assignment and last beacon
        self.sess_number: list[np.ndarray] = []
        self.sess_assigned: list[np.ndarray] = []
        self.sess_last: list[np.ndarray] = []

    # --- time -----------------------------------------------------------------------------

    def _tz_table(self) -> None:
        # UTC offset per UTC hour over the period (+ margins): DST changes fall inside a
        # month-long run (Europe late October, US early November, Australia early October).
        tz = ZoneInfo(self.spec.timezone)
        self.tz_base = self.start_us - 3 * DAY
        n = (self.end_us - self.tz_base) // HOUR + 40 * 24
        base = dt.datetime.fromtimestamp(self.tz_base / SEC, UTC)
        self.tz_offset = (
            np.array(
                [
                    int((base + dt.timedelta(hours=h)).astimezone(tz).utcoffset().total_seconds())
                    for h in range(n)
                ],
                np.int64,
            )
            * SEC
        )

    def local(self, us: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(local hour, local weekday 0 = Monday, local day as days since 1970-01-01)."""
        idx = np.clip((us - self.tz_base) // HOUR, 0, len(self.tz_offset) - 1)
        lus = us + self.tz_offset[idx]
        day = lus // DAY
        return (lus // HOUR) % 24, (day + 3) % 7, day

    def answer_probability(self, us: np.ndarray) -> np.ndarray:
        hour, wday, _ = self.local(us)
        if self.spec.always_on:
            return np.where((hour >= 7) & (hour < 21), 0.86, 0.62)
        opens = np.array([o for o, _ in self.spec.open_hours])[wday]
        closes = np.array([c for _, c in self.spec.open_hours])[wday]
        h = hour + 0.5
        p = np.where((h >= opens) & (h < closes), 0.9, 0.05)
        p = np.where(((h >= opens - 1) & (h < opens)) | ((h >= closes) & (h < closes + 1)),
                     0.3, p)  # fmt: skip
        if self.spec.lunch_gap:
            p = np.where((hour == 12) & (h >= opens) & (h < closes), 0.5, p)  # staffing gap
        return p

    # --- numbers --------------------------------------------------------------------------

    def _numbers(self) -> None:
        spec, scale = self.spec, self.scale
        self.numbers: list[NumberInfo] = []

        def add(kind: str, **kw: int) -> int:
            self.numbers.append(
                NumberInfo(f"{spec.number_prefix}{1001 + len(self.numbers):04d}", kind, **kw)
            )
            return len(self.numbers) - 1

        self.static_number = [
            add("static", placement=p, location=pl.location) for p, pl in enumerate(spec.placements)
        ]
        # Pool size from the expected peak concurrency (sessions per peak hour x hold time), so
        # busy hours exhaust the pool.
        mean_hold_h = (SESSION_MEDIAN_S * math.exp(SESSION_SIGMA**2 / 2)) / 3600 + (
            self.timeout_us / HOUR
        )
        loc_w = np.array([loc.weight for loc in spec.locations])
        self.loc_p = loc_w / loc_w.sum()
        peak_per_hour = (
            scale.sessions_per_day * spec.traffic_weight * HOURLY.max() / HOURLY.mean() / 24
            * WEEKLY.max()
        )  # fmt: skip
        self.pools: list[Pool] = []
        for li, loc in enumerate(spec.locations):
            size = max(3, round(scale.pool_fill * peak_per_hour * self.loc_p[li] * mean_hold_h))
            suffix = f"_{loc.slug.strip('/').replace('-', '_')}" if loc.slug else ""
            pool_id = f"pool_{spec.account_id.removeprefix('acct_')}{suffix}"
            default = add("default", pool=li, location=li)
            nums = [add("pool", pool=li, location=li) for _ in range(size)]
            self.pools.append(
                Pool(pool_id, li, nums, default, heap=[(self.start_us - DAY, n) for n in nums])
            )
            heapq.heapify(self.pools[-1].heap)
        self.unknown_numbers = [
            len(self.numbers) + i for i in range(3)
        ]  # dialled but never published (typos, old ads, a competitor's number)
        for i in range(3):
            self.numbers.append(NumberInfo(f"{spec.number_prefix}9{i + 1:03d}", "unknown"))
        # One static number is reassigned to another placement in the middle of the period.
        self.reassign_us: int | None = None
        self.reassigned_to: Placement | None = None
        if spec.reassign_number and spec.placements:
            days = (self.end_us - self.start_us) // DAY
            self.reassign_us = self.start_us + (days // 2) * DAY + 10 * HOUR + 17 * MINUTE
            self.reassigned_to = Placement(
                "Print", "valpak", "mailer", "Spring Mailer – Valpak", 700.0
            )

    def placement_at(self, placement: int, us: np.ndarray) -> np.ndarray:
        """Which placement a static number stands for at each instant (-2 = the reassigned)."""
        out = np.full(len(us), placement)
        if self.reassign_us is not None and placement == len(self.spec.placements) - 1:
            out = np.where(us >= self.reassign_us, -2, out)
        return out

    def tracking_rows(self, final: bool) -> list[dict[str, Any]]:
        """Rows of the tracking_numbers snapshot; `final` includes the reassignment."""
        spec = self.spec
        valid_from = dt.datetime.fromtimestamp(self.start_us / SEC, UTC) - dt.timedelta(days=90)
        rows = []
        for n in self.numbers:
            if n.kind == "unknown":
                continue
            loc = spec.locations[n.location]
            row = {
                "account_id": spec.account_id,
                "schema_version": contract.SCHEMA_VERSION,
                "tracking_number": n.number,
                "number_kind": n.kind,
                "pool_id": self.pools[n.pool].pool_id if n.pool >= 0 else None,
                "location_id": loc.location_id,
                "valid_from": valid_from,
                "valid_to": None,
            }
            if n.kind == "static":
                p = spec.placements[n.placement]
                row.update(channel=p.channel, source=p.source, medium=p.medium, campaign=p.campaign)
                reassigned = (
                    self.reassign_us is not None and n.placement == len(spec.placements) - 1
                )
                if reassigned and final:
                    switch = dt.datetime.fromtimestamp(self.reassign_us / SEC, UTC)
                    row["valid_to"] = switch
                    q = self.reassigned_to
                    assert q is not None
                    rows.append(row)
                    row = dict(
                        row,
                        channel=q.channel,
                        source=q.source,
                        medium=q.medium,
                        campaign=q.campaign,
                        valid_from=switch,
                        valid_to=None,
                    )
            elif n.kind == "pool":
                row.update(channel=None)
            rows.append(row)
        return rows

    # --- one day ----------------------------------------------------------------------------

    def day(
        self,
        d: int,
        rng: np.random.Generator,
        clips: list[ClipRef] | None,
        recording: RecordingBudget,
        out: Path,
    ) -> dict[str, Any]:
        spec, b = self.spec, self.b
        day_start = self.start_us + d * DAY
        hours = day_start + np.arange(24) * HOUR
        lh, lw, _ = self.local(hours + HOUR // 2)
        weekly = WEEKLY_ALWAYS_ON if spec.always_on else WEEKLY
        noise = rng.lognormal(0.0, 0.1)  # day-to-day variation
        lam = (
            self.scale.sessions_per_day * spec.traffic_weight * HOURLY[lh] / HOURLY.mean() / 24
            * weekly[lw] * noise
        )  # fmt: skip
        per_hour = rng.poisson(lam)
        n = int(per_hour.sum())
        start = np.sort(np.repeat(hours, per_hour) + rng.integers(0, HOUR, n))

        # visitors: returning ones come from the last two weeks, with their own channel mix
        recent = np.concatenate(self.recent_visitors) if self.recent_visitors else np.zeros(0, int)
        returning = (rng.random(n) < b.return_rate) & (len(recent) > 0)
        visitor = np.empty(n, np.int64)
        k_ret = int(returning.sum())
        if k_ret:
            visitor[returning] = recent[rng.integers(0, len(recent), k_ret)]
        k_new = n - k_ret
        visitor[~returning] = self.next_visitor + np.arange(k_new)
        self.next_visitor += k_new
        self.recent_visitors = (self.recent_visitors + [visitor[~returning]])[-14:]
        t_new = rng.choice(len(self.templates), n, p=self.w_new)
        t_ret = rng.choice(len(self.templates), n, p=self.w_ret)
        tmpl = np.where(returning, t_ret, t_new)
        loc = rng.choice(len(self.spec.locations), n, p=self.loc_p)

        # beacons
        dur_s = np.minimum(rng.lognormal(math.log(SESSION_MEDIAN_S), SESSION_SIGMA, n),
                           SESSION_CAP_S)  # fmt: skip
        n_pages = 1 + np.minimum(rng.poisson(1.4, n), 12)
        n_hb = (dur_s // HEARTBEAT_S).astype(np.int64)
        count = 2 + (n_pages - 1) + n_hb
        total = int(count.sum())
        first = np.cumsum(count) - count
        sidx = np.repeat(np.arange(n), count)
        pos = np.arange(total) - first[sidx]
        etype = np.full(total, B_HEARTBEAT)
        etype[pos == 0] = B_STARTED
        etype[pos == 1] = B_ASSIGNED
        etype[(pos >= 2) & (pos < 1 + n_pages[sidx])] = B_VIEWED
        u = rng.random(total)
        off = np.zeros(total, np.int64)
        m = etype == B_ASSIGNED
        off[m] = (200_000 + u[m] * 1_300_000).astype(np.int64)
        m = etype == B_VIEWED
        off[m] = (u[m] * dur_s[sidx[m]] * SEC).astype(np.int64)
        m = etype == B_HEARTBEAT
        k = pos[m] - (1 + n_pages[sidx[m]])
        off[m] = (k + 1) * HEARTBEAT_S * SEC + (u[m] * 2 * SEC).astype(np.int64)
        b_ts = start[sidx] + off
        last = start + (np.maximum.reduceat(off, first) if n else np.zeros(0, np.int64))
        assigned_at = start + off[first + 1] if n else np.zeros(0, np.int64)

        # DNI pools, in order of arrival
        number, shared, got_default = self._assign(start, last + self.timeout_us, loc, rng)
        session_gid = self.next_session + np.arange(n)
        self.next_session += n
        self.sess_number.append(np.where(got_default, -1, number))
        self.sess_assigned.append(assigned_at)
        self.sess_last.append(last)

        # --- calls ------------------------------------------------------------------------
        calls = self._web_calls(rng, start, last, tmpl, visitor, session_gid, number, loc)
        calls = _concat_calls(calls, self._static_calls(rng, hours, lh, lw, weekly),
                              self._unknown_calls(rng, day_start))  # fmt: skip
        keep = calls["t"] < self.end_us
        calls = {k: v[keep] for k, v in calls.items()}
        order = np.argsort(calls["t"], kind="stable")
        calls = {k: v[order] for k, v in calls.items()}
        call_out = self._call_outcomes(rng, calls, clips, recording, out)

        sessions = {
            "start": start,
            "last": last,
            "assigned_at": assigned_at,
            "gid": session_gid,
            "visitor": visitor,
            "tmpl": tmpl,
            "loc": loc,
            "number": number,
            "shared": shared,
            "default": got_default,
        }
        beacons = {"sidx": sidx, "etype": etype, "ts": b_ts, "pos": pos}

        # paid clicks per local day for spend, and the click view of gclids
        _, _, lday = self.local(start)
        lday_idx = lday - (self.start_us // DAY - 1)
        paid = self.is_paid[tmpl]
        np.add.at(self.paid_clicks, (np.clip(lday_idx[paid], 0, len(self.paid_clicks) - 1),
                                     tmpl[paid]), 1)  # fmt: skip
        return {
            "sessions": sessions,
            "beacons": beacons,
            "calls": calls,
            "call_out": call_out,
            "lday": lday,
            "day_start": day_start,
            "click_missing": rng.random(n) < b.missing_click_rate,
        }

    def _assign(
        self, start: np.ndarray, hold_until: np.ndarray, loc: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(start)
        number = np.empty(n, np.int64)
        shared = np.zeros(n, bool)
        default = np.zeros(n, bool)
        share = (rng.random(n) < self.b.share_rate).tolist()
        heappop, heappush = heapq.heappop, heapq.heappush
        pools = self.pools
        for i, (t, until, li) in enumerate(
            zip(start.tolist(), hold_until.tolist(), loc.tolist(), strict=False)
        ):
            pool = pools[li]
            heap = pool.heap
            if heap[0][0] <= t:  # a free number: the one released longest ago
                _, num = heappop(heap)
                heappush(heap, (until, num))
            elif share[i]:  # exhausted: hand out the number whose holder went quiet first
                free_at, num = heappop(heap)
                heappush(heap, (max(free_at, until), num))
                shared[i] = True
            else:  # exhausted: the default number
                num = pool.default
                default[i] = True
            number[i] = num
        return number, shared, default

    def _web_calls(
        self,
        rng: np.random.Generator,
        start: np.ndarray,
        last: np.ndarray,
        tmpl: np.ndarray,
        visitor: np.ndarray,
        gid: np.ndarray,
        number: np.ndarray,
        loc: np.ndarray,
    ) -> dict[str, np.ndarray]:
        b = self.b
        calling = np.flatnonzero(rng.random(len(start)) < self.call_rate[tmpl])
        k = len(calling)
        p_during = 1.0 - b.within_timeout_rate - b.after_timeout_rate
        mode = rng.choice(3, k, p=[p_during, b.within_timeout_rate, b.after_timeout_rate])
        u = rng.random(k)
        s, e = start[calling], last[calling]
        t = np.where(
            mode == M_DURING,
            s + 5 * SEC + (u * np.maximum(e - s, 0)).astype(np.int64),
            np.where(
                mode == M_WITHIN_TIMEOUT,
                e + SEC + (u * 0.95 * self.timeout_us).astype(np.int64),
                e + self.timeout_us + (2 * MINUTE + u * 238 * MINUTE).astype(np.int64),
            ),
        )
        return {
            "t": t,
            "kind": np.full(k, K_WEB),
            "number": number[calling],
            "session": gid[calling],
            "visitor": visitor[calling],
            "tmpl": tmpl[calling],
            "placement": np.full(k, -1),
            "loc": loc[calling],
            "mode": mode,
            "phone": 2 * visitor[calling],
        }

    def _static_calls(
        self,
        rng: np.random.Generator,
        hours: np.ndarray,
        lh: np.ndarray,
        lw: np.ndarray,
        weekly: np.ndarray,
    ) -> dict[str, np.ndarray]:
        parts = []
        for p, pl in enumerate(self.spec.placements):
            lam = (
                self.scale.static_calls_per_day * pl.weight * self.spec.traffic_weight
                * HOURLY[lh] / HOURLY.mean() / 24 * weekly[lw]
            )  # fmt: skip
            per_hour = rng.poisson(lam)
            k = int(per_hour.sum())
            t = np.repeat(hours, per_hour) + rng.integers(0, HOUR, k)
            parts.append(
                {
                    "t": t,
                    "kind": np.full(k, K_STATIC),
                    "number": np.full(k, self.static_number[p]),
                    "placement": self.placement_at(p, t),
                    "loc": np.full(k, pl.location),
                }
            )
        calls = _concat_calls(*parts) if parts else _empty_calls()
        k = len(calls["t"])
        calls["phone"] = 2 * self._offline_callers(rng, k) + 1
        fill = np.full(k, -1)
        calls.update(session=fill, visitor=fill, tmpl=fill, mode=fill)
        return calls

    def _offline_callers(self, rng: np.random.Generator, k: int) -> np.ndarray:
        history = np.concatenate(self.offline_callers) if self.offline_callers else np.zeros(0, int)
        repeat = (rng.random(k) < self.b.offline_repeat_rate) & (len(history) > 0)
        out = np.empty(k, np.int64)
        if repeat.any():
            out[repeat] = history[rng.integers(0, len(history), int(repeat.sum()))]
        k_new = int((~repeat).sum())
        out[~repeat] = self.next_offline_caller + np.arange(k_new)
        self.next_offline_caller += k_new
        self.offline_callers.append(out[~repeat])
        return out

    def _unknown_calls(self, rng: np.random.Generator, day_start: int) -> dict[str, np.ndarray]:
        k = int(rng.poisson(self.scale.unknown_calls_per_day * self.spec.traffic_weight))
        t = day_start + rng.integers(0, DAY, k)
        fill = np.full(k, -1)
        return {
            "t": t,
            "kind": np.full(k, K_UNKNOWN),
            "number": np.array(self.unknown_numbers)[rng.integers(0, 3, k)],
            "session": fill,
            "visitor": fill,
            "tmpl": fill,
            "placement": fill,
            "loc": np.zeros(k, np.int64),
            "mode": fill,
            "phone": 2 * self._offline_callers(rng, k) + 1,
        }

    def _call_outcomes(
        self,
        rng: np.random.Generator,
        calls: dict[str, np.ndarray],
        clips: list[ClipRef] | None,
        recording: RecordingBudget,
        out: Path,
    ) -> dict[str, np.ndarray]:
        k = len(calls["t"])
        answered = rng.random(k) < self.answer_probability(calls["t"])
        missed_status = rng.choice(len(MISSED_STATUSES), k, p=MISSED_P)
        status = np.where(answered, -1, missed_status)  # -1 = completed
        intent = np.full(k, -1)
        p_known = ANSWERED_INTENT_P / ANSWERED_INTENT_P.sum()
        p_unknown = UNKNOWN_NUMBER_INTENT_P / UNKNOWN_NUMBER_INTENT_P.sum()
        intent_known = rng.choice(5, k, p=p_known)
        intent_unknown = rng.choice(5, k, p=p_unknown)
        intent = np.where(calls["kind"] == K_UNKNOWN, intent_unknown, intent_known)
        voicemail = status == MISSED_STATUSES.index("voicemail")
        intent = np.where(answered, intent, np.where(voicemail, INTENTS.index("voicemail"), -1))
        ring = np.where(
            answered,
            rng.integers(3, 25, k),
            np.select(
                [status == i for i in range(5)],
                [rng.integers(25, 45, k), rng.integers(15, 25, k), rng.integers(2, 15, k),
                 rng.integers(0, 3, k), rng.integers(0, 2, k)],
            ),
        )  # fmt: skip
        talk = np.where(
            answered,
            np.maximum(
                1,
                rng.lognormal(np.log(TALK_MEDIAN_S[np.clip(intent, 0, 4)]), 0.6).astype(np.int64),
            ),
            0,
        )
        message = np.where(voicemail, np.maximum(3, rng.lognormal(np.log(25), 0.5, k)), 0)
        message = message.astype(np.int64)

        # recordings: a share of answered calls and voicemails, capped per run
        clip = np.full(k, -1)
        want = (answered | voicemail) & (rng.random(k) < recording.rate)
        clip_pick = rng.random(k)
        if clips is not None and want.any():
            by_intent = {i: [c for c, x in enumerate(clips) if x.intent == name]
                         for i, name in enumerate(INTENTS)}  # fmt: skip
            for i in np.flatnonzero(want):
                choices = by_intent.get(int(intent[i])) or []
                if not choices or not recording.take():
                    continue
                c = choices[int(clip_pick[i] * len(choices))]
                # The clip stands for what was said, not for the whole call: talk and message
                # times keep their own distributions, so recording calls leaves duration metrics
                # (qualified calls) as they would be without recordings.
                clip[i] = c
        duration = ring + talk + message
        call_num = self.next_call + np.arange(k)
        self.next_call += k
        return {
            "answered": answered,
            "status": status,
            "intent": intent,
            "ring": ring,
            "talk": talk,
            "duration": duration,
            "clip": clip,
            "call_num": call_num,
            "recording_delay": rng.integers(20, 180, k) * SEC,
            "conv_u": rng.random((k, 4)),
            "conv_delay": rng.lognormal(np.log(6 * 3600), 1.2, (k, 2)),
        }

    def call_ids(self, call_num: np.ndarray) -> pa.Array:
        return _join(f"CA{self.idx:02d}", _pad(call_num, 10))

    def caller_numbers(
        self, phone: np.ndarray, allow_blocked: bool = True
    ) -> tuple[pa.Array, np.ndarray]:
        """E.164 caller numbers, unique per caller id; null where caller id is blocked."""
        prefixes = self.spec.caller_prefixes
        n = len(prefixes)
        local = 2_000_000 + (phone // n * 7919 + 104_729 * (self.idx + 1)) % 8_000_000
        blocked = (phone * 2_654_435_761 % 1000) < self.b.blocked_rate * 1000
        blocked &= allow_blocked
        nums = _join(_take(prefixes, phone % n, pa.string()), pc.cast(pa.array(local), pa.string()))
        return pc.if_else(pa.array(blocked), pa.nulls(len(phone), pa.string()), nums), blocked

    def event_ids(self, prefix: str, k: int) -> pa.Array:
        ids = _join(f"{prefix}{self.idx:02d}-", _pad(self.next_event + np.arange(k), 10))
        self.next_event += k
        return ids


class RecordingBudget:
    """How many recordings may still be written in this run (the cap of the scale)."""

    def __init__(self, rate: float, cap: int) -> None:
        self.rate = rate
        self.left = cap

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


def _empty_calls() -> dict[str, np.ndarray]:
    z = np.zeros(0, np.int64)
    return {k: z for k in ("t", "kind", "number", "placement", "loc")}


def _concat_calls(*parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    keys = parts[0].keys()
    return {k: np.concatenate([p[k] for p in parts]).astype(np.int64) for k in keys}


def copy_recording(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def money(values: np.ndarray) -> pa.Array:
    """decimal128(18, 2) from floats, rounded half-even to cents exactly."""
    return pa.array(
        [None if v is None or np.isnan(v) else Decimal(int(round(v * 100))) / 100 for v in values],
        contract.MONEY,
    )
