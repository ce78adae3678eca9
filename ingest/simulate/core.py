"""`simulate()`: the day loop, the landing-zone tables of each feed, and the ground truth."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest import contract
from ingest.simulate.engine import (
    B_ASSIGNED,
    B_STARTED,
    B_VIEWED,
    BEACON_TYPES,
    CALL_TYPES,
    DAY,
    INTENTS,
    K_UNKNOWN,
    K_WEB,
    M_AFTER_TIMEOUT,
    MISSED_STATUSES,
    SEC,
    USER_AGENTS,
    AccountSim,
    Behaviour,
    RecordingBudget,
    _join,
    _pad,
    _take,
    _ts,
    copy_recording,
    money,
)
from ingest.simulate.mess import EVENT_FEEDS, MessInjector, MessRates
from ingest.simulate.profiles import (
    ACCOUNT_SPECS,
    DEFAULT_RECORDING_RATE,
    PATHS,
    SCALES,
    Placement,
)
from ingest.simulate.recordings import ClipRef, load_clips
from ingest.simulate.writer import (
    WRITE_OPTIONS,
    LandingWriter,
    build_table,
    date_to_day,
    day_to_date,
    parquet_bytes,
)

TRUTH_DIR = "_truth"
RECORDINGS_DIR = "recordings"


@dataclass(frozen=True)
class SimulationSummary:
    out: Path
    days: int
    seed: int
    scale: str
    start: dt.date
    accounts: int
    sessions: int
    beacons: int
    calls: int
    conversions: int
    recordings: int
    rows: dict[str, int] = field(default_factory=dict)  # rows written per feed (incl. mess)
    files: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["out"] = str(self.out)
        d["start"] = self.start.isoformat()
        return d


def simulate(
    out: Path | str,
    *,
    days: int = 30,
    seed: int = 7,
    scale: str = "medium",
    start: dt.date = dt.date(2026, 10, 1),
    mess: MessRates | None = None,
    recordings: bool = True,
    recording_rate: float = DEFAULT_RECORDING_RATE,
    max_recordings: int | None = None,
    plain_names: bool = False,
    behaviour: Behaviour | None = None,
    clips_dir: Path | None = None,
) -> SimulationSummary:
    """Write a landing zone of `days` days from `start` into `out`, with ground truth.

    Deterministic: the same arguments give byte-identical files. `out` should be empty (files of
    an earlier run with other arguments would otherwise stay beside the new ones).
    """
    t0 = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {scale!r}")
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    sc = SCALES[scale]
    mess = mess if mess is not None else MessRates()
    behaviour = behaviour or Behaviour()
    out = Path(out)
    cap = sc.recording_cap if max_recordings is None else max_recordings
    clips: list[ClipRef] | None = None
    if recordings and cap > 0 and recording_rate > 0:
        clips = load_clips(clips_dir)  # raises ClipLibraryMissing with the fix in the message
    budget = RecordingBudget(recording_rate if clips else 0.0, cap if clips else 0)

    _prepare(out)
    start_us = int(dt.datetime.combine(start, dt.time(), dt.UTC).timestamp()) * SEC
    end_us = start_us + days * DAY
    specs = ACCOUNT_SPECS[: sc.accounts]
    sims = [
        AccountSim(i, s, sc, behaviour, start_us, end_us, plain_names) for i, s in enumerate(specs)
    ]
    writer = LandingWriter(out)
    injector = MessInjector(mess, np.random.default_rng([seed, 1_000_003]))
    truth = _Truth(out / TRUTH_DIR)
    start_day = date_to_day(start)
    counts = {"sessions": 0, "beacons": 0, "calls": 0, "conversions": 0, "recordings": 0}

    _write_reference(writer, sims, start_day, days)
    corrupt_day = days // 2
    for d in range(days):
        tables: dict[str, list[pa.Table]] = {f: [] for f in (*EVENT_FEEDS, "ad_clicks")}
        for sim in sims:
            rng = np.random.default_rng([seed, d, sim.idx])
            res = sim.day(d, rng, clips, budget, out)
            beacons, sess_truth = _beacon_table(sim, res)
            calls, call_truth, conv, conv_truth, n_rec = _call_tables(sim, res, clips, out, rng)
            tables["dni_beacons"].append(beacons)
            tables["call_events"].append(calls)
            tables["conversions"].append(conv)
            tables["ad_clicks"].append(_click_table(sim, res))
            truth.add_sessions(sess_truth)
            truth.calls.append(call_truth)
            truth.conversions.append(conv_truth)
            counts["sessions"] += len(res["sessions"]["start"])
            counts["beacons"] += beacons.num_rows
            counts["calls"] += call_truth.num_rows
            counts["conversions"] += conv.num_rows
            counts["recordings"] += n_rec
        name = f"part-{day_to_date(start_day + d):%Y%m%d}"
        for feed in EVENT_FEEDS:
            table = pa.concat_tables(tables[feed])
            if feed == "call_events" and d == corrupt_day and mess.corrupt_file:
                _corrupt_file(writer, injector, table, start_day + d)
            writer.write(feed, injector.apply(feed, table, d), name)
        writer.write("ad_clicks", pa.concat_tables(tables["ad_clicks"]), name)

    spend, spend_truth = _ad_spend(sims, start_day, days, seed)
    writer.write("ad_spend", injector.bad_ad_spend(spend), "spend")
    truth.finish(sims, spend_truth, injector, counts)
    summary = SimulationSummary(
        out=out,
        days=days,
        seed=seed,
        scale=scale,
        start=start,
        accounts=len(sims),
        rows=dict(writer.rows),
        files=dict(writer.files),
        seconds=time.perf_counter() - t0,
        **counts,
    )
    # no timings in the truth files: the same seed must give the same bytes
    stable = summary.as_dict()
    stable.pop("seconds")
    stable.pop("out")
    (out / TRUTH_DIR / "summary.json").write_text(json.dumps(stable, indent=2, sort_keys=True))
    return summary


def _prepare(out: Path) -> None:
    """Make `out` ready: rerunning into the folder of an earlier simulation replaces that
    simulation's files (no stale days left behind); anything else that looks like landing data
    is never touched."""
    ours = [out / f for f in contract.FEEDS] + [out / RECORDINGS_DIR, out / TRUTH_DIR]
    present = [p for p in ours if p.exists()]
    if not present:
        return
    if not (out / TRUTH_DIR / "summary.json").is_file():
        raise FileExistsError(
            f"{out} already holds {present[0].name}/ that the simulator did not write; "
            "simulate into an empty folder"
        )
    for p in present:
        shutil.rmtree(p)


# --- reference feeds -----------------------------------------------------------------------


def _reference_days(start_day: int, days: int) -> tuple[int, int]:
    """Arrival days of the first snapshot and of the resend (with the reassignment)."""
    return start_day, start_day + max(1, days // 2)


def _write_reference(
    writer: LandingWriter, sims: list[AccountSim], start_day: int, days: int
) -> None:
    first, second = _reference_days(start_day, days)
    for day, snapshot, final in ((first, "snapshot-1", False), (second, "snapshot-2", True)):
        accounts = [
            {
                "account_id": s.spec.account_id,
                "schema_version": contract.SCHEMA_VERSION,
                "name": s.spec.name,
                "timezone": s.spec.timezone,
                "currency": s.spec.currency,
                "qualified_call_seconds": s.spec.qualified_call_seconds,
                "session_timeout_minutes": s.spec.session_timeout_minutes,
                "attribution_lookback_days": s.spec.attribution_lookback_days,
            }
            for s in sims
        ]
        numbers = [r for s in sims for r in s.tracking_rows(final)]
        offline = [r for s in sims for r in _offline_rows(s, start_day, days)]
        for feed, rows in (
            ("accounts", accounts),
            ("tracking_numbers", numbers),
            ("offline_spend", offline),
        ):
            table = pa.Table.from_pylist(rows, schema=contract.feed(feed).schema)
            arrival = pa.array(np.full(len(rows), day), pa.int32())
            writer.write(
                feed,
                build_table(
                    feed, dict(zip(table.column_names, table.columns, strict=False)), arrival
                ),
                snapshot,
            )


def _offline_rows(sim: AccountSim, start_day: int, days: int) -> list[dict[str, Any]]:
    first = day_to_date(start_day)
    last = day_to_date(start_day + days - 1)
    months = []
    m = first.replace(day=1)
    while m <= last:
        months.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    rows = []
    switch = (
        dt.datetime.fromtimestamp(sim.reassign_us / SEC, dt.UTC).date().replace(day=1)
        if sim.reassign_us is not None
        else None
    )
    placements: list[tuple[Placement, dt.date | None, dt.date | None]] = []
    for i, p in enumerate(sim.spec.placements):
        reassigned = switch is not None and i == len(sim.spec.placements) - 1
        placements.append((p, None, switch if reassigned else None))
    if switch is not None and sim.reassigned_to is not None:
        placements.append((sim.reassigned_to, switch, None))
    for p, since, until in placements:
        for month in months:
            if (since and month < since) or (until and month > until):
                continue
            rows.append(
                {
                    "account_id": sim.spec.account_id,
                    "schema_version": contract.SCHEMA_VERSION,
                    "month": month,
                    "channel": p.channel,
                    "source": p.source,
                    "campaign": p.campaign,
                    "cost": money(np.array([p.monthly_cost]))[0].as_py(),
                }
            )
    return rows


# --- dni_beacons ---------------------------------------------------------------------------


def _template_arrays(sim: AccountSim) -> dict[str, pa.Array]:
    if hasattr(sim, "_tarrays"):
        return sim._tarrays  # type: ignore[attr-defined]
    t = sim.templates
    s = pa.string()
    arrays = {
        "channel": pa.array([x.channel for x in t], s),
        "source": pa.array([x.source for x in t], s),
        "medium": pa.array([x.medium for x in t], s),
        "campaign": pa.array([x.campaign for x in t], s),
        "ad_group": pa.array([x.ad_group for x in t], s),
        "keyword": pa.array([x.keyword for x in t], s),
        "referrer": pa.array([x.referrer for x in t], s),
        "base": pa.array([x.path + ("?" + x.query if x.query else "") for x in t], s),
        "click_sep": pa.array(
            [("&" if x.query else "?") + f"{x.click_id}=" if x.click_id else None for x in t], s
        ),
        "tagged": pa.array([x.keyword_tagged for x in t], pa.bool_()),
    }
    ids = [_ad_ids(sim, x.ad_key) if x.ad_key else (None, None, None) for x in t]
    for i, name in enumerate(("campaign_id", "ad_group_id", "keyword_id")):
        arrays[name] = pa.array([x[i] for x in ids], s)
    arrays["match_type"] = pa.array(
        [
            sim.spec.campaigns[x.ad_key[0]].ad_groups[x.ad_key[1]].keywords[x.ad_key[2]].match_type
            if x.ad_key and x.ad_key[2] >= 0
            else None
            for x in t
        ],
        s,
    )
    for k in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"):
        arrays[k] = pa.array([x.utm.get(k) for x in t], s)
    sim._tarrays = arrays  # type: ignore[attr-defined]
    return arrays


def _session_strings(sim: AccountSim, res: dict[str, Any]) -> dict[str, pa.Array]:
    """Per-session string columns (ids, landing URL, click ids, ...), built once per day."""
    if "strings" not in res:
        res["strings"] = _build_session_strings(sim, res)
    return res["strings"]


def _build_session_strings(sim: AccountSim, res: dict[str, Any]) -> dict[str, pa.Array]:
    s = res["sessions"]
    a = sim.idx
    tarr = _template_arrays(sim)
    tmpl = pa.array(s["tmpl"])
    kind = sim.click_kind[s["tmpl"]]
    gid = s["gid"]
    clid_prefix = np.array(["", "Cj0KCQjw", "c3f1a9", "IwAR0"])[kind]
    click = pc.if_else(
        pa.array(kind > 0),
        _join(pa.array(clid_prefix), f"{a:02d}x", _pad(gid, 9)),
        pa.nulls(len(gid), pa.string()),
    )
    landing = _join(
        f"https://{sim.spec.domain}",
        _take([loc.slug for loc in sim.spec.locations], s["loc"], pa.string()),
        pc.take(tarr["base"], tmpl),
        pc.fill_null(_join(pc.take(tarr["click_sep"], tmpl), click), ""),
    )
    v = s["visitor"]
    h = (v * 2_654_435_761 + a * 97) % (1 << 32)
    octets = [11 + h % 180, (h >> 8) % 256, (h >> 16) % 256, 1 + (h >> 24) % 254]
    ip = pc.binary_join_element_wise(*[pc.cast(pa.array(o), pa.string()) for o in octets], ".")
    number = s["number"]
    return {
        "session_id": _join(f"s{a:02d}-", _pad(gid, 9)),
        "visitor_id": _join(f"v{a:02d}-", _pad(v, 8)),
        "landing": landing,
        "gclid": pc.if_else(pa.array(kind == 1), click, pa.nulls(len(gid), pa.string())),
        "msclkid": pc.if_else(pa.array(kind == 2), click, pa.nulls(len(gid), pa.string())),
        "fbclid": pc.if_else(pa.array(kind == 3), click, pa.nulls(len(gid), pa.string())),
        "user_agent": _take(USER_AGENTS, v % len(USER_AGENTS), pa.string()),
        "ip_address": ip,
        "tracking_number": _take([n.number for n in sim.numbers], number, pa.string()),
        "pool_id": _take([p.pool_id for p in sim.pools], s["loc"], pa.string()),
    }


def _beacon_table(sim: AccountSim, res: dict[str, Any]) -> tuple[pa.Table, pa.Table]:
    s, b = res["sessions"], res["beacons"]
    keep = b["ts"] < sim.end_us  # the world is observed up to the end of the period
    sidx = b["sidx"][keep]
    et = b["etype"][keep]
    ts = b["ts"][keep]
    ss = _session_strings(sim, res)
    tarr = _template_arrays(sim)
    idx = pa.array(sidx)
    tmpl_b = pa.array(s["tmpl"][sidx])
    started = pa.array(et == B_STARTED)
    n = len(sidx)
    null = pa.nulls(n, pa.string())

    def on(mask: pa.Array, values: pa.Array) -> pa.Array:
        return pc.if_else(mask, values, null)

    page = _join(
        f"https://{sim.spec.domain}",
        _take([loc.slug for loc in sim.spec.locations], s["loc"][sidx], pa.string()),
        _take(PATHS, (ts // SEC) % len(PATHS), pa.string()),
    )
    cols: dict[str, Any] = {
        "account_id": sim.spec.account_id,
        "schema_version": contract.SCHEMA_VERSION,
        "event_id": sim.event_ids("be", n),
        "event_type": _take(BEACON_TYPES, et, pa.string()),
        "occurred_at": _ts(ts),
        "visitor_id": pc.take(ss["visitor_id"], idx),
        "session_id": pc.take(ss["session_id"], idx),
        "page_url": on(started, pc.take(ss["landing"], idx)),
        "referrer": on(started, pc.take(tarr["referrer"], tmpl_b)),
        "user_agent": on(started, pc.take(ss["user_agent"], idx)),
        "ip_address": on(started, pc.take(ss["ip_address"], idx)),
    }
    cols["page_url"] = pc.if_else(pa.array(et == B_VIEWED), page, cols["page_url"])
    for k in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"):
        cols[k] = on(started, pc.take(tarr[k], tmpl_b))
    for k in ("gclid", "msclkid", "fbclid"):
        cols[k] = on(started, pc.take(ss[k], idx))
    assigned = pa.array(et == B_ASSIGNED)
    cols["tracking_number"] = on(assigned, pc.take(ss["tracking_number"], idx))
    cols["pool_id"] = on(assigned, pc.take(ss["pool_id"], idx))
    arrival = pa.array(ts // DAY, pa.int32())
    table = build_table("dni_beacons", cols, arrival)

    tmpl = pa.array(s["tmpl"])
    missing = res["click_missing"] & (sim.click_kind[s["tmpl"]] == 1)
    observable = pc.and_(
        pc.take(tarr["tagged"], tmpl),
        pc.or_(pa.array(~missing), pc.is_valid(pc.take(tarr["utm_term"], tmpl))),
    )
    loc_ids = [loc.location_id for loc in sim.spec.locations]
    truth = pa.table(
        {
            "session_id": ss["session_id"],
            "visitor_id": ss["visitor_id"],
            "account_id": pa.repeat(pa.scalar(sim.spec.account_id), len(tmpl)),
            "location_id": _take(loc_ids, s["loc"], pa.string()),
            "started_at": _ts(s["start"]),
            "last_beacon_at": _ts(s["last"]),
            "channel": pc.take(tarr["channel"], tmpl),
            "source": pc.take(tarr["source"], tmpl),
            "medium": pc.take(tarr["medium"], tmpl),
            "campaign": pc.take(tarr["campaign"], tmpl),
            "ad_group": pc.take(tarr["ad_group"], tmpl),
            "keyword": pc.take(tarr["keyword"], tmpl),
            "keyword_observable": observable,
            "gclid": ss["gclid"],
            "gclid_in_click_view": pc.and_(pc.is_valid(ss["gclid"]), pa.array(~missing)),
            "tracking_number": ss["tracking_number"],
            "pool_id": ss["pool_id"],
            "got_default_number": pa.array(s["default"]),
            "shared_number": pa.array(s["shared"]),
        }
    )
    return table, truth


def _click_table(sim: AccountSim, res: dict[str, Any]) -> pa.Table:
    """The Google Ads click view: one row per gclid, except the ones deliberately missing."""
    s = res["sessions"]
    rows = np.flatnonzero((sim.click_kind[s["tmpl"]] == 1) & ~res["click_missing"])
    ss = _session_strings(sim, res)
    tarr = _template_arrays(sim)
    tmpl = pa.array(s["tmpl"][rows])
    cols = {
        "account_id": sim.spec.account_id,
        "schema_version": contract.SCHEMA_VERSION,
        "gclid": pc.take(ss["gclid"], pa.array(rows)),
        "date": pa.array(res["lday"][rows].astype(np.int32), pa.int32()).cast(pa.date32()),
        "ad_account_id": _ad_account(sim, "google_ads"),
        "keyword_text": pc.take(tarr["keyword"], tmpl),
    }
    for name in ("campaign_id", "ad_group_id", "keyword_id", "match_type"):
        cols[name] = pc.take(tarr[name], tmpl)
    return build_table("ad_clicks", cols, pa.array(res["lday"][rows] + 1, pa.int32()))


def _ad_account(sim: AccountSim, platform: str) -> str:
    a = sim.idx + 1
    return {
        "google_ads": f"{100 + a}-{200 + 7 * a}-{3000 + 11 * a}",
        "microsoft_ads": f"F{a:03d}7{a * 13:04d}",
        "meta_ads": f"act_{9_000_000 + 4_217 * a}",
    }[platform]


def _ad_ids(sim: AccountSim, key: tuple[int, int, int]) -> tuple[str, str, str | None]:
    c, g, k = key
    base = 20_000_000 + 100_000 * (sim.idx + 1) + 1_000 * c
    return (
        str(base),
        str(base * 100 + g + 1),
        None if k < 0 else f"kwd-{base * 100 + g + 1}-{k + 1}",
    )


# --- call_events and conversions -----------------------------------------------------------


def _call_tables(
    sim: AccountSim,
    res: dict[str, Any],
    clips: list[ClipRef] | None,
    out: Path,
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table, int]:
    spec = sim.spec
    c, o = res["calls"], res["call_out"]
    k = len(c["t"])
    call_id = sim.call_ids(o["call_num"])
    caller, blocked = sim.caller_numbers(c["phone"])
    t = c["t"]
    answered_at = t + o["ring"] * SEC
    ended_at = t + o["duration"] * SEC
    ready_at = ended_at + o["recording_delay"]
    has_clip = o["clip"] >= 0
    emit = [
        np.ones(k, bool),
        o["answered"] & (answered_at < sim.end_us),
        ended_at < sim.end_us,
        has_clip & (ready_at < sim.end_us),
    ]
    times = [t, answered_at, ended_at, ready_at]
    rows = np.concatenate([np.flatnonzero(m) for m in emit])
    etype = np.concatenate([np.full(int(m.sum()), i) for i, m in enumerate(emit)])
    occurred = np.concatenate([tm[m] for tm, m in zip(times, emit, strict=False)])
    r = pa.array(rows)
    n = len(rows)
    null_s = pa.nulls(n, pa.string())
    null_i = pa.nulls(n, pa.int64())
    is_t = {i: pa.array(etype == i) for i in range(4)}
    places = [loc.places for loc in spec.locations]
    place_idx = [
        p % len(places[li]) for p, li in zip(c["phone"].tolist(), c["loc"].tolist(), strict=False)
    ]
    city = [places[li][pi][0] for pi, li in zip(place_idx, c["loc"].tolist(), strict=False)]
    region = [places[li][pi][1] for pi, li in zip(place_idx, c["loc"].tolist(), strict=False)]
    postal = [places[li][pi][2] for pi, li in zip(place_idx, c["loc"].tolist(), strict=False)]
    not_blocked = pa.array(~blocked)

    def carrier(values: list[str]) -> pa.Array:
        return pc.if_else(not_blocked, pa.array(values, pa.string()), pa.nulls(k, pa.string()))

    status_names = ["completed", *MISSED_STATUSES]
    uri = _join(f"{RECORDINGS_DIR}/{spec.account_id}/", call_id, ".wav")
    channels = (
        np.array([clips[i].channels if i >= 0 else 0 for i in o["clip"].tolist()])
        if clips
        else np.zeros(k, int)
    )
    started = is_t[0]
    ended = is_t[2]
    ready = is_t[3]
    cols: dict[str, Any] = {
        "account_id": spec.account_id,
        "schema_version": contract.SCHEMA_VERSION,
        "event_id": sim.event_ids("ce", n),
        "event_type": _take(CALL_TYPES, etype, pa.string()),
        "occurred_at": _ts(occurred),
        "call_id": pc.take(call_id, r),
        "tracking_number": _take([x.number for x in sim.numbers], c["number"][rows], pa.string()),
        "caller_number": pc.if_else(started, pc.take(caller, r), null_s),
        "caller_city": pc.if_else(started, pc.take(carrier(city), r), null_s),
        "caller_region": pc.if_else(started, pc.take(carrier(region), r), null_s),
        "caller_postal_code": pc.if_else(started, pc.take(carrier(postal), r), null_s),
        "caller_country": pc.if_else(started, pc.take(carrier([spec.country] * k), r), null_s),
        "destination_number": pc.if_else(
            started,
            _take([loc.destination_number for loc in spec.locations], c["loc"][rows], pa.string()),
            null_s,
        ),
        "end_status": pc.if_else(
            ended, _take(status_names, o["status"][rows] + 1, pa.string()), null_s
        ),
        "duration_seconds": pc.if_else(ended, pa.array(o["duration"][rows]), null_i),
        "talk_seconds": pc.if_else(ended, pa.array(o["talk"][rows]), null_i),
        "recording_uri": pc.if_else(ready, pc.take(uri, r), null_s),
        "recording_channels": pc.if_else(ready, pa.array(channels[rows].astype(np.int64)), null_i),
    }
    table = build_table("call_events", cols, pa.array(occurred // DAY, pa.int32()))

    n_rec = 0
    if clips:
        for i in np.flatnonzero(emit[3]).tolist():
            copy_recording(clips[o["clip"][i]].path, out / uri[i].as_py())
            n_rec += 1

    # --- truth of the calls
    loc_ids = [loc.location_id for loc in spec.locations]
    tarr = _template_arrays(sim)
    tmpl = c["tmpl"]
    web = c["kind"] == K_WEB
    placement_attrs = _placement_attrs(sim, c["placement"])
    tm = pa.array(np.where(web, tmpl, 0))
    w = pa.array(web)

    def web_or_static(name: str) -> pa.Array:
        return pc.if_else(w, pc.take(tarr[name], tm), placement_attrs[name])

    kind_names = [x.kind for x in sim.numbers]
    sessions = res["sessions"]
    gid_to_local = c["session"] - (sessions["gid"][0] if len(sessions["gid"]) else 0)
    missing = res["click_missing"]
    obs = np.zeros(k, bool)
    if web.any():
        li = gid_to_local[web]
        tagged = np.array([sim.templates[x].keyword_tagged for x in tmpl[web].tolist()])
        has_term = np.array(
            [sim.templates[x].utm.get("utm_term") is not None for x in tmpl[web].tolist()]
        )
        obs[web] = tagged & (has_term | ~missing[li])
    clip_ids = [x.clip_id for x in clips] if clips else []
    clip_idx = o["clip"]
    card = (
        np.array([bool(clips[i].card_number) if i >= 0 else False for i in clip_idx.tolist()])
        if clips
        else np.zeros(k, bool)
    )
    intent = o["intent"]
    truth = pa.table(
        {
            "call_id": call_id,
            "account_id": pa.repeat(pa.scalar(spec.account_id), k),
            # an unpublished number belongs to no location the pipeline could know of
            "location_id": _take(
                loc_ids, np.where(c["kind"] == K_UNKNOWN, -1, c["loc"]), pa.string()
            ),
            "started_at": _ts(t),
            "tracking_number": _take([x.number for x in sim.numbers], c["number"], pa.string()),
            "number_kind": _take(kind_names, c["number"], pa.string()),
            "call_kind": _take(["web", "static", "unknown"], c["kind"], pa.string()),
            "caller_number": caller,
            "caller_blocked": pa.array(blocked),
            "true_session_id": pc.if_else(
                w,
                _join(f"s{sim.idx:02d}-", _pad(np.maximum(c["session"], 0), 9)),
                pa.nulls(k, pa.string()),
            ),
            "true_visitor_id": pc.if_else(
                w,
                _join(f"v{sim.idx:02d}-", _pad(np.maximum(c["visitor"], 0), 8)),
                pa.nulls(k, pa.string()),
            ),
            "called_after_timeout": pa.array(web & (c["mode"] == M_AFTER_TIMEOUT)),
            "channel": web_or_static("channel"),
            "source": web_or_static("source"),
            "medium": web_or_static("medium"),
            "campaign": web_or_static("campaign"),
            "ad_group": pc.if_else(w, pc.take(tarr["ad_group"], tm), pa.nulls(k, pa.string())),
            "keyword": pc.if_else(w, pc.take(tarr["keyword"], tm), pa.nulls(k, pa.string())),
            "keyword_observable": pa.array(obs),
            "is_answered": pa.array(o["answered"]),
            "end_status": _take(status_names, o["status"] + 1, pa.string()),
            "ring_seconds": pa.array(o["ring"], pa.int64()),
            "talk_seconds": pa.array(o["talk"], pa.int64()),
            "duration_seconds": pa.array(o["duration"], pa.int64()),
            "has_ended_event": pa.array(emit[2]),
            "is_qualified": pa.array(o["talk"] >= sim.qualified),
            "intent": _take(INTENTS, intent, pa.string()),
            "has_recording": pa.array(emit[3]),
            "recording_uri": pc.if_else(pa.array(emit[3]), uri, pa.nulls(k, pa.string())),
            "recording_clip_id": pc.if_else(
                pa.array(emit[3]),
                _take(clip_ids or [""], np.where(emit[3], clip_idx, -1), pa.string()),
                pa.nulls(k, pa.string()),
            ),
            "recording_channels": pc.if_else(
                pa.array(emit[3]), pa.array(channels.astype(np.int64)), pa.nulls(k, pa.int64())
            ),
            "card_number_spoken": pa.array(card & emit[3]),
            "_number": pa.array(c["number"], pa.int64()),
            "_session": pa.array(np.where(web, c["session"], -1), pa.int64()),
            "_account": pa.repeat(pa.scalar(sim.idx, pa.int64()), k),
        }
    )

    conv, conv_truth = _conversions(sim, res, call_id, caller, blocked, ended_at, rng)
    return table, truth, conv, conv_truth, n_rec


def _placement_attrs(sim: AccountSim, placement: np.ndarray) -> dict[str, pa.Array]:
    """channel/source/medium/campaign of static calls' placements (null for other calls)."""
    placements = list(sim.spec.placements)
    if sim.reassigned_to is not None:
        placements.append(sim.reassigned_to)  # index -2 in `placement` means this one
    idx = np.where(placement == -2, len(sim.spec.placements), placement)
    return {
        name: _take([getattr(p, name) for p in placements] or [None], idx, pa.string())
        for name in ("channel", "source", "medium", "campaign")
    }


def _conversions(
    sim: AccountSim,
    res: dict[str, Any],
    call_id: pa.Array,
    caller: pa.Array,
    blocked: np.ndarray,
    ended_at: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table]:
    spec = sim.spec
    o = res["call_out"]
    u = o["conv_u"]
    delay = (o["conv_delay"] * SEC).astype(np.int64)
    intent = o["intent"]
    booked, price, complaint, voicemail = (
        intent == INTENTS.index(x) for x in ("booked", "price_inquiry", "complaint", "voicemail")
    )
    lo, hi = spec.sale_value
    sale_value = np.exp(np.log(lo) + u[:, 2] * (np.log(hi) - np.log(lo)))
    first_type = np.where(booked, 0, 2)  # appointment_booked | qualified_lead
    first = (
        (booked & (u[:, 0] < 0.75)) | (price & (u[:, 0] < 0.30)) | (voicemail & (u[:, 0] < 0.10))
    )
    sale = (
        (booked & first & (u[:, 1] < 0.35))
        | (price & (u[:, 1] < 0.08))
        | (complaint & (u[:, 1] < 0.03))
    )
    rows_call = np.concatenate([np.flatnonzero(first), np.flatnonzero(sale)])
    ctype = np.concatenate([first_type[first], np.full(int(sale.sum()), 1)])
    at = np.concatenate(
        [ended_at[first] + delay[first, 0], ended_at[sale] + delay[sale, 0] + 4 * delay[sale, 1]]
    )
    booking = spec.booking_value if spec.booking_value is not None else np.nan
    value = np.concatenate([np.where(booked[first], booking, np.nan), sale_value[sale]])
    with_id = np.concatenate([u[first, 3], u[sale, 3]]) < sim.b.with_call_id_rate
    with_id = with_id | blocked[rows_call]
    keep = at < sim.end_us
    rows_call, ctype, at, value, with_id = (x[keep] for x in (rows_call, ctype, at, value, with_id))

    # walk-ins and web-form leads: conversions of people who never called (link to nothing)
    k_orphan = int(rng.poisson(sim.b.orphan_conversions_per_day * spec.traffic_weight))
    orphan_at = res["day_start"] + rng.integers(0, DAY, k_orphan)
    orphan_at = orphan_at[orphan_at < sim.end_us]
    k_orphan = len(orphan_at)
    # caller ids far beyond any real caller's, so they match no call
    orphan_phone = 2 * (5_000_000 + sim.next_orphan + np.arange(k_orphan)) + 1
    sim.next_orphan += k_orphan
    orphan_caller, _ = sim.caller_numbers(orphan_phone, allow_blocked=False)

    n_call = len(rows_call)
    n = n_call + k_orphan
    rc = pa.array(rows_call)
    types = list(contract.CONVERSION_TYPES)  # appointment_booked, sale, qualified_lead
    ctype_all = np.concatenate([ctype, np.where(rng.random(k_orphan) < 0.5, 1, 2)])
    value_all = np.concatenate(
        [
            value,
            np.where(
                ctype_all[n_call:] == 1,
                np.exp(np.log(lo) + rng.random(k_orphan) * (np.log(hi) - np.log(lo))),
                np.nan,
            ),
        ]
    )
    at_all = np.concatenate([at, orphan_at])
    true_call = pa.concat_arrays([pc.take(call_id, rc), pa.nulls(k_orphan, pa.string())])
    caller_all = pa.concat_arrays([pc.take(caller, rc), orphan_caller])
    with_id_all = np.concatenate([with_id, np.zeros(k_orphan, bool)])
    wid = pa.array(with_id_all)
    event_id = sim.event_ids("cv", n)
    cols = {
        "account_id": spec.account_id,
        "schema_version": contract.SCHEMA_VERSION,
        "event_id": event_id,
        "event_type": "conversion.recorded",
        "occurred_at": _ts(at_all),
        "conversion_type": _take(types, ctype_all, pa.string()),
        "call_id": pc.if_else(wid, true_call, pa.nulls(n, pa.string())),
        "caller_number": pc.if_else(wid, pa.nulls(n, pa.string()), caller_all),
        "value": money(value_all),
        "currency": spec.currency,
    }
    table = build_table("conversions", cols, pa.array(at_all // DAY, pa.int32()))
    truth = pa.table(
        {
            "event_id": event_id,
            "account_id": pa.repeat(pa.scalar(spec.account_id), n),
            "occurred_at": _ts(at_all),
            "conversion_type": cols["conversion_type"],
            "value": cols["value"],
            "currency": pa.repeat(pa.scalar(spec.currency), n),
            "true_call_id": true_call,
            "has_call_id": wid,
            "caller_number": caller_all,
        }
    )
    return table, truth


def _corrupt_file(writer: LandingWriter, injector: MessInjector, table: pa.Table, day: int) -> None:
    """Exactly one unreadable file: copies of this day's first rows, cut off mid-file."""
    part = table.slice(0, min(25, table.num_rows)).drop_columns(["__arrival_day"])
    data = parquet_bytes(part.cast(contract.feed("call_events").schema))
    key = writer.write_raw(
        "call_events", day, "provider-retry-0001", data[: len(data) * 3 // 5], part.num_rows
    )
    injector.corrupt_file("call_events", key, part.num_rows)


# --- ad_spend ------------------------------------------------------------------------------


def _ad_spend(
    sims: list[AccountSim], start_day: int, days: int, seed: int
) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng([seed, 2_000_003])
    rows: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    for sim in sims:
        spec = sim.spec
        first_local = sim.start_us // DAY - 1
        keys: dict[tuple[int, int, int], np.ndarray] = {}
        for ti, tpl in enumerate(sim.templates):
            if tpl.ad_key is None:
                continue
            keys.setdefault(tpl.ad_key, np.zeros(len(sim.paid_clicks), np.int64))
            keys[tpl.ad_key] += sim.paid_clicks[:, ti]
        for (ci, gi, ki), clicks_by_day in sorted(keys.items()):
            camp = spec.campaigns[ci]
            group = camp.ad_groups[gi]
            kw = group.keywords[ki] if ki >= 0 else None
            cpc = kw.cpc if kw else group.cpc
            cid, gid, kid = _ad_ids(sim, (ci, gi, ki))
            tpl = next(t for t in sim.templates if t.ad_key == (ci, gi, ki))
            for di, sessions in enumerate(clicks_by_day.tolist()):
                day = first_local + di
                if not (start_day <= day < start_day + days) and sessions == 0:
                    continue
                clicks = sessions + int(rng.poisson(0.15 * sessions + 0.3))
                impressions = clicks * int(rng.integers(8, 26)) + int(rng.poisson(20))
                cost = clicks * cpc * float(rng.lognormal(0.0, 0.15))
                row = {
                    "account_id": spec.account_id,
                    "schema_version": contract.SCHEMA_VERSION,
                    "platform": camp.platform,
                    "date": day_to_date(day),
                    "ad_account_id": _ad_account(sim, camp.platform),
                    "campaign_id": cid,
                    "campaign_name": tpl.campaign,
                    "ad_group_id": gid,
                    "ad_group_name": tpl.ad_group,
                    "keyword_id": kid,
                    "keyword_text": tpl.keyword,
                    "match_type": kw.match_type if kw else None,
                    "impressions": impressions,
                    "clicks": clicks,
                    "currency": spec.currency,
                }
                versions = [(day + 1, cost)]
                if rng.random() < 0.15:  # the platform restates the day later
                    versions.append((day + 3, cost * float(rng.uniform(0.85, 1.05))))
                for arrival, c in versions:
                    r = dict(row)
                    if camp.platform == "meta_ads":
                        r["spend"] = money(np.array([c]))[0].as_py()
                    else:
                        r["cost_micros"] = int(round(c * 100)) * 10_000
                    r["__arrival_day"] = arrival
                    rows.append(r)
                final = rows[-1]
                truth.append(
                    {
                        k: final.get(k)
                        for k in (
                            "account_id",
                            "platform",
                            "date",
                            "ad_account_id",
                            "campaign_id",
                            "campaign_name",
                            "ad_group_id",
                            "ad_group_name",
                            "keyword_id",
                            "keyword_text",
                            "match_type",
                            "impressions",
                            "clicks",
                            "currency",
                        )
                    }  # fmt: skip
                    | {
                        "cost": final["spend"]
                        if camp.platform == "meta_ads"
                        else money(np.array([final["cost_micros"] / 1e6]))[0].as_py(),
                        "restated": len(versions) > 1,
                    }
                )
    schema = contract.feed("ad_spend").schema
    arrival = pa.array([r.pop("__arrival_day") for r in rows], pa.int32())
    table = pa.Table.from_pylist(rows, schema=schema)
    table = build_table(
        "ad_spend", dict(zip(table.column_names, table.columns, strict=False)), arrival
    )
    return table, pa.Table.from_pylist(truth)


# --- truth -----------------------------------------------------------------------------------


class _Truth:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.calls: list[pa.Table] = []
        self.conversions: list[pa.Table] = []
        self._sessions: pq.ParquetWriter | None = None

    def add_sessions(self, table: pa.Table) -> None:
        # streamed: at large scale the sessions do not fit comfortably in memory at once
        if self._sessions is None:
            opts = {k: v for k, v in WRITE_OPTIONS.items() if k != "row_group_size"}
            self._sessions = pq.ParquetWriter(self.root / "sessions.parquet", table.schema, **opts)
        self._sessions.write_table(table)

    def finish(
        self,
        sims: list[AccountSim],
        spend: pa.Table,
        injector: MessInjector,
        counts: dict[str, int],
    ) -> None:
        if self._sessions is not None:
            self._sessions.close()
        calls = pa.concat_tables(self.calls)
        calls = _expected_attribution(sims, calls)
        calls = _first_time(calls)
        conversions = pa.concat_tables(self.conversions)
        calls, conversions = _link_conversions(calls, conversions)
        calls = calls.drop_columns(["_number", "_session", "_account"])
        pq.write_table(calls, self.root / "calls.parquet", **WRITE_OPTIONS)
        pq.write_table(conversions, self.root / "conversions.parquet", **WRITE_OPTIONS)
        pq.write_table(spend, self.root / "ad_spend.parquet", **WRITE_OPTIONS)
        (self.root / "messy.json").write_text(
            json.dumps(injector.report(), indent=2, sort_keys=True)
        )
        accounts = [
            {
                "account_id": s.spec.account_id,
                "timezone": s.spec.timezone,
                "currency": s.spec.currency,
                "qualified_call_seconds": s.qualified,
                "session_timeout_minutes": s.timeout_us // (60 * SEC),
                "multi_location": len(s.spec.locations) > 1,
                "pools": {p.pool_id: len(p.numbers) for p in s.pools},
                "reassigned_number": (
                    s.numbers[s.static_number[-1]].number if s.reassign_us is not None else None
                ),
                "reassigned_at": (
                    dt.datetime.fromtimestamp(s.reassign_us / SEC, dt.UTC).isoformat()
                    if s.reassign_us is not None
                    else None
                ),
                "unknown_numbers": [s.numbers[i].number for i in s.unknown_numbers],
            }
            for s in sims
        ]
        (self.root / "accounts.json").write_text(json.dumps(accounts, indent=2, sort_keys=True))


def _expected_attribution(sims: list[AccountSim], calls: pa.Table) -> pa.Table:
    """What design.md's rules give for each call, from the true beacons (not the landing data).

    Pool number N at t: candidates are sessions assigned N at or before t whose last beacon at or
    before t is within the timeout. Beacons of a session are never further apart than the
    timeout, so that is: assigned_at <= t and (overall) last beacon >= t - timeout.
    """
    n = calls.num_rows
    status = np.empty(n, object)
    count = np.zeros(n, np.int64)
    winner = np.full(n, -1, np.int64)
    acct = calls["_account"].to_numpy()
    number = calls["_number"].to_numpy()
    t = pc.cast(calls["started_at"], pa.int64()).to_numpy()
    for sim in sims:
        rows = np.flatnonzero(acct == sim.idx)
        if not len(rows):
            continue
        sn = np.concatenate(sim.sess_number)
        sa = np.concatenate(sim.sess_assigned)
        sl = np.concatenate(sim.sess_last)
        order = np.lexsort((sa, sn))
        sn, sa, sl = sn[order], sa[order], sl[order]
        gid = order  # session gids are 0.. in generation order
        bounds = {int(v): (int(a), int(b)) for v, a, b in zip(*_runs(sn), strict=False)}
        timeout = sim.timeout_us
        window = (2 * 3600 + 60) * SEC + timeout
        kinds = [x.kind for x in sim.numbers]
        for i in rows.tolist():
            kind = kinds[number[i]]
            if kind == "static":
                status[i] = "static"
                continue
            if kind != "pool":
                status[i] = "unattributed"
                continue
            lo, hi = bounds.get(int(number[i]), (0, 0))
            ti = t[i]
            j = lo + int(np.searchsorted(sa[lo:hi], ti, side="right")) - 1
            cands = []
            while j >= lo and sa[j] > ti - window:
                if sl[j] >= ti - timeout:
                    cands.append(j)
                j -= 1
            count[i] = len(cands)
            if not cands:
                status[i] = "unattributed"
            else:
                status[i] = "matched" if len(cands) == 1 else "ambiguous"
                winner[i] = gid[cands[0]]  # scanned latest assignment first
    true_session = calls["_session"].to_numpy()
    winner_id = pc.if_else(
        pa.array(winner >= 0),
        _join("s", _pad(acct, 2), "-", _pad(np.maximum(winner, 0), 9)),
        pa.nulls(n, pa.string()),
    )
    valid_unique = (status == "matched") & (winner == true_session) & (true_session >= 0)
    calls = calls.append_column(
        "expected_attribution_status", pa.array(status.tolist(), pa.string())
    )
    calls = calls.append_column("expected_candidate_count", pa.array(count))
    calls = calls.append_column("expected_session_id", winner_id)
    return calls.append_column("true_session_was_unique_candidate", pa.array(valid_unique))


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(values) == 0:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0, int)
    change = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(values)]])
    return values[starts], starts, ends


def _first_time(calls: pa.Table) -> pa.Table:
    """First-time caller: no earlier call from the same number to the same account.

    Null where the caller id is blocked (unknown)."""
    account = pc.dictionary_encode(calls["account_id"]).combine_chunks().indices.to_numpy()
    caller = pc.dictionary_encode(calls["caller_number"]).combine_chunks()
    code = pc.fill_null(caller.indices, -1).to_numpy()
    started = pc.cast(calls["started_at"], pa.int64()).to_numpy()
    order = np.lexsort((np.arange(len(code)), started, code, account))
    key_sorted = np.stack([account[order], code[order]])
    first_sorted = np.ones(len(order), bool)
    first_sorted[1:] = (key_sorted[:, 1:] != key_sorted[:, :-1]).any(axis=0)
    first = np.empty(len(order), bool)
    first[order] = first_sorted
    return calls.append_column("is_first_time_caller", pa.array(first, mask=code < 0))


def _link_conversions(calls: pa.Table, conversions: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Which call each conversion links to by design.md's rule (call_id, else the caller's
    most recent call at or before it within 30 days), and the conversion facts per call.

    Only the key columns go through pandas (merge_asof); aggregates and the join back are
    Arrow, so a million calls stay cheap in memory."""
    import pandas as pd

    n_conv = conversions.num_rows
    has_id = conversions["has_call_id"].to_numpy(zero_copy_only=False)
    need = conversions.select(["account_id", "caller_number", "occurred_at"]).to_pandas()
    need["i"] = np.arange(n_conv)
    need = need[~has_id & need["caller_number"].notna()].sort_values("occurred_at", kind="stable")
    known = calls.select(["call_id", "account_id", "caller_number", "started_at"]).to_pandas()
    known = known[known["caller_number"].notna()].sort_values("started_at", kind="stable")
    by_rule = np.full(n_conv, None, object)
    if len(need) and len(known):
        m = pd.merge_asof(
            need,
            known,
            left_on="occurred_at",
            right_on="started_at",
            by=["account_id", "caller_number"],
            direction="backward",
            tolerance=pd.Timedelta(days=contract.CONVERSION_LINK_WINDOW_DAYS),
        )
        by_rule[m["i"].to_numpy()] = [x if isinstance(x, str) else None for x in m["call_id"]]
    linked = pc.if_else(
        pa.array(has_id), conversions["true_call_id"], pa.array(by_rule.tolist(), pa.string())
    )
    conversions = conversions.append_column("expected_call_id", linked)
    facts = (
        pa.table(
            {
                "call_id": linked,
                "value": conversions["value"],
                "conversion_type": conversions["conversion_type"],
            }
        )
        .filter(pc.is_valid(linked))
        .group_by("call_id")
        .aggregate([("call_id", "count"), ("value", "sum"), ("conversion_type", "distinct")])
    )
    types = pa.array(
        [",".join(sorted(t)) for t in facts["conversion_type_distinct"].to_pylist()], pa.string()
    )
    facts = pa.table(
        {
            "call_id": facts["call_id"],
            "is_converted": pa.repeat(pa.scalar(True), facts.num_rows),
            "conversion_count": facts["call_id_count"].cast(pa.int64()),
            "conversion_value": facts["value_sum"].cast(contract.MONEY),
            "conversion_types": types,
        }
    )
    keyed = calls.select(["call_id"]).append_column("_i", pa.array(np.arange(calls.num_rows)))
    joined = keyed.join(facts, "call_id", join_type="left outer").sort_by("_i")
    calls = calls.append_column("is_converted", pc.fill_null(joined["is_converted"], False))
    calls = calls.append_column("conversion_count", pc.fill_null(joined["conversion_count"], 0))
    zero = pa.scalar(0, contract.MONEY)
    calls = calls.append_column("conversion_value", pc.fill_null(joined["conversion_value"], zero))
    return calls.append_column("conversion_types", joined["conversion_types"]), conversions
