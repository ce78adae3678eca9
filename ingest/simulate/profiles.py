"""What the simulated businesses look like: accounts, locations, campaigns, placements, traffic.

Static data only (no randomness here): the engine draws from these catalogs. Campaign and
keyword names deliberately include quotes, non-ASCII text and HTML/script so every layer
downstream (SQL, dbt, dashboards) meets them; `plain_names=True` turns them into plain ASCII.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

# --- scales --------------------------------------------------------------------------------


# Share of answered calls and voicemails recorded: most call-tracking customers record calls.
DEFAULT_RECORDING_RATE = 0.8


@dataclass(frozen=True)
class Scale:
    name: str
    accounts: int  # how many of ACCOUNT_SPECS take part (the first N)
    sessions_per_day: float  # website sessions per account-day at traffic weight 1.0
    web_call_boost: float  # multiplies every channel's session call rate
    static_calls_per_day: float  # calls per static placement per day at weight 1.0
    unknown_calls_per_day: float  # calls to numbers the business never published
    # Most recordings written in one run: clips are copied (~200-400 kB each; copies, not links,
    # so a test or user who damages a landing file cannot damage the clip library).
    recording_cap: int
    # Pools are sized as this share of the expected peak concurrent sessions, so busy hours
    # exhaust them (below 1.0) while most of the day they have free numbers.
    pool_fill: float = 1.2


SCALES: dict[str, Scale] = {
    # tests: a week is ~25k beacons and ~500 calls, generated in a few seconds
    "small": Scale("small", 4, 200.0, 1.0, 2.0, 0.4, recording_cap=60),
    # the demo: a month is ~300k beacons and ~5k calls
    # (recordings: the default share of calls, as a business recording its calls would have; a
    # 63-day run writes ~5k, ~1.5 GB, which the transcription cache reads once per distinct clip)
    "medium": Scale("medium", 5, 500.0, 1.0, 2.5, 0.5, recording_cap=20_000),
    # benchmarks: a month is >= 10M beacons and >= 1M calls. A busier business than the demo's
    # (calls per session are boosted so a month reaches a million calls); recordings off.
    "large": Scale("large", 5, 23000.0, 5.0, 2000.0, 20.0, recording_cap=0),
}


# --- accounts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    location_id: str | None
    slug: str  # landing-page path prefix ('' for single-location accounts)
    destination_number: str
    places: tuple[tuple[str, str, str], ...]  # (city, region, postal code) of callers
    weight: float = 1.0


@dataclass(frozen=True)
class Keyword:
    text: str
    match_type: str
    cpc: float  # average cost per click in the account's currency
    weight: float = 1.0


@dataclass(frozen=True)
class AdGroup:
    name: str
    keywords: tuple[Keyword, ...] = ()  # empty for Meta ad sets
    weight: float = 1.0
    cpc: float = 1.0  # Meta ad sets: cost per click


@dataclass(frozen=True)
class Campaign:
    platform: str  # google_ads | microsoft_ads | meta_ads
    name: str
    ad_groups: tuple[AdGroup, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class Placement:
    """An offline placement with its own static number (billboard, radio, directory)."""

    channel: str
    source: str
    medium: str
    campaign: str
    monthly_cost: float
    weight: float = 1.0  # relative call volume
    location: int = 0


@dataclass(frozen=True)
class AccountSpec:
    account_id: str
    name: str
    timezone: str
    currency: str
    country: str  # caller country (ISO alpha-2)
    # None = left null in the accounts feed, so the contract default applies.
    qualified_call_seconds: int | None
    session_timeout_minutes: int | None
    attribution_lookback_days: int | None
    domain: str
    traffic_weight: float
    number_prefix: str  # tracking numbers are prefix + 4 digits
    caller_prefixes: tuple[str, ...]  # E.164 prefixes of callers' numbers (country + area)
    locations: tuple[Location, ...]
    campaigns: tuple[Campaign, ...]
    placements: tuple[Placement, ...]
    # local weekday (0 = Monday) -> answer probability by local hour (staffing)
    open_hours: tuple[
        tuple[float, float], ...
    ]  # per weekday: (open, close) local hour; (0,0)=closed
    lunch_gap: bool = True  # fewer staff 12:00-13:00: a visible dip in answered calls
    always_on: bool = False  # 24/7 answering service (emergency plumbing)
    sale_value: tuple[float, float] = (150.0, 2500.0)  # log-uniform range of a sale's value
    booking_value: float | None = 120.0  # value the CRM puts on a booked appointment
    reassign_number: bool = False  # this account has the number reassigned mid-period


def _kw(text: str, match: str, cpc: float, weight: float = 1.0) -> Keyword:
    return Keyword(text, match, cpc, weight)


WEEKDAYS_9_TO_6 = ((8, 18),) * 5 + ((9, 13), (0, 0))

ACCOUNT_SPECS: tuple[AccountSpec, ...] = (
    AccountSpec(
        account_id="acct_brightsmile",
        name="BrightSmile Dental Group",
        timezone="America/New_York",
        currency="USD",
        country="US",
        qualified_call_seconds=90,
        session_timeout_minutes=30,
        attribution_lookback_days=30,
        domain="www.brightsmile.example",
        traffic_weight=1.0,
        number_prefix="+1555100",
        caller_prefixes=("+1718", "+1347", "+1201", "+1917"),
        locations=(
            Location(
                "loc_brooklyn",
                "/brooklyn",
                "+17185550100",
                (("Brooklyn", "NY", "11201"), ("Brooklyn", "NY", "11215")),
                1.2,
            ),
            Location(
                "loc_queens",
                "/queens",
                "+13475550100",
                (("Queens", "NY", "11375"), ("Astoria", "NY", "11102")),
                1.0,
            ),
            Location(
                "loc_jersey_city",
                "/jersey-city",
                "+12015550100",
                (("Jersey City", "NJ", "07302"), ("Hoboken", "NJ", "07030")),
                0.7,
            ),
        ),
        campaigns=(
            Campaign(
                "google_ads",
                'Implants – Brooklyn "Premium"',
                (
                    AdGroup(
                        "Dental Implants",
                        (
                            _kw("dental implants brooklyn", "exact", 6.8, 2.0),
                            _kw("implant dentist near me", "phrase", 5.1),
                            _kw("all-on-4 implants", "broad", 4.2, 0.6),
                        ),
                    ),
                    AdGroup(
                        "Emergency Dentist",
                        (
                            _kw("emergency dentist", "exact", 4.9, 1.5),
                            _kw("dentist open saturday", "phrase", 2.7),
                        ),
                    ),
                ),
                2.0,
            ),
            Campaign(
                "google_ads",
                "Invisalign® Offer <b>$500 off</b>",
                (
                    AdGroup(
                        "Invisalign",
                        (
                            _kw("invisalign cost", "phrase", 3.9),
                            _kw("clear aligners", "broad", 2.2),
                        ),
                    ),
                ),
            ),
            Campaign(
                "microsoft_ads",
                "Bing – Dentist's Office",
                (
                    AdGroup(
                        "Dentist Near Me",
                        (
                            _kw("dentist's office near me", "phrase", 2.4),
                            _kw("teeth whitening", "broad", 1.8, 0.5),
                        ),
                    ),
                ),
                0.5,
            ),
            Campaign(
                "meta_ads",
                "Smile Makeover – Lookalike 1%",
                (AdGroup("Women 30-55 NYC", cpc=1.4), AdGroup("Retargeting 30d", cpc=0.9)),
                0.8,
            ),
        ),
        placements=(
            Placement("Outdoor", "billboard", "offline", "I-278 Billboard Fall", 3200.0, 0.8, 0),
            Placement("Directory", "yelp", "listing", "Yelp – Queens", 450.0, 1.0, 1),
            Placement("Print", "valpak", "mailer", "Valpak Jersey City", 900.0, 0.5, 2),
        ),
        open_hours=WEEKDAYS_9_TO_6,
        booking_value=150.0,
        sale_value=(200.0, 6000.0),
    ),
    AccountSpec(
        account_id="acct_rapidrooter",
        name="RapidRooter Plumbing & Drains",
        timezone="America/Los_Angeles",
        currency="USD",
        country="US",
        qualified_call_seconds=60,
        session_timeout_minutes=30,
        attribution_lookback_days=14,
        domain="rapidrooter.example",
        traffic_weight=0.9,
        number_prefix="+1555200",
        caller_prefixes=("+1213", "+1310", "+1818", "+1626"),
        locations=(
            Location(
                None,
                "",
                "+12135550142",
                (("Los Angeles", "CA", "90012"), ("Pasadena", "CA", "91101")),
            ),
        ),
        campaigns=(
            Campaign(
                "google_ads",
                'Emergency Plumber "24/7"',
                (
                    AdGroup(
                        "Emergency",
                        (
                            _kw("emergency plumber", "exact", 18.5, 2.0),
                            _kw('plumber "near me"', "phrase", 12.0, 1.5),
                            _kw("burst pipe repair", "broad", 9.0),
                        ),
                    ),
                    AdGroup(
                        "Drains",
                        (
                            _kw("drain cleaning", "exact", 7.5),
                            _kw("clogged toilet <fix>", "broad", 4.0, 0.5),
                        ),
                    ),
                ),
                2.5,
            ),
            Campaign(
                "google_ads",
                "<script>alert(1)</script> Water Heaters",
                (
                    AdGroup(
                        "Water Heater",
                        (
                            _kw("water heater replacement", "phrase", 11.0),
                            _kw("tankless water heater install", "broad", 8.0, 0.7),
                        ),
                    ),
                ),
            ),
            Campaign(
                "microsoft_ads",
                "Bing Plumbers – LA",
                (AdGroup("Plumber LA", (_kw("plumber los angeles", "exact", 6.0),)),),
                0.5,
            ),
            Campaign(
                "meta_ads",
                "Drain Special $99",
                (AdGroup("Homeowners LA", cpc=1.1),),
                0.5,
            ),
        ),
        placements=(
            Placement("Radio", "KFWB 980", "offline", "Morning Drive Spot", 2400.0, 1.0),
            Placement("Vehicle", "van wrap", "offline", "Fleet Van Wraps", 300.0, 0.6),
        ),
        open_hours=((0, 24),) * 7,
        always_on=True,
        lunch_gap=False,
        booking_value=None,
        sale_value=(120.0, 4500.0),
        reassign_number=True,
    ),
    AccountSpec(
        account_id="acct_thameslaw",
        name="Thames & Co Solicitors",
        timezone="Europe/London",
        currency="GBP",
        country="GB",
        qualified_call_seconds=120,
        session_timeout_minutes=45,
        attribution_lookback_days=60,
        domain="thamesco-law.example",
        traffic_weight=0.6,
        number_prefix="+44207946",
        caller_prefixes=("+44207", "+44208", "+447700"),
        locations=(
            Location(
                None,
                "",
                "+442079460999",
                (("London", "England", "EC1A 1BB"), ("Croydon", "England", "CR0 1NX")),
            ),
        ),
        campaigns=(
            Campaign(
                "google_ads",
                "Conveyancing — Fixed Fee £",
                (
                    AdGroup(
                        "Conveyancing",
                        (
                            _kw("conveyancing solicitor london", "exact", 9.5, 1.5),
                            _kw("fixed fee conveyancing", "phrase", 7.0),
                        ),
                    ),
                    AdGroup(
                        "Wills & Probate",
                        (
                            _kw("probate solicitor", "exact", 8.0),
                            _kw("write a will 'online'", "broad", 3.5, 0.6),
                        ),
                    ),
                ),
                2.0,
            ),
            Campaign(
                "microsoft_ads",
                "Bing – Family Law",
                (AdGroup("Divorce", (_kw("divorce solicitor", "phrase", 6.5),)),),
                0.4,
            ),
            Campaign(
                "meta_ads",
                'Wills Week "Free Consultation"',
                (AdGroup("Homeowners 45+", cpc=0.8),),
                0.4,
            ),
        ),
        placements=(
            Placement("Directory", "Law Society Find a Solicitor", "listing", "Directory", 0.0),
            Placement("Print", "Evening Standard", "offline", "Property Pages", 1800.0, 0.7),
        ),
        open_hours=((9, 17.5),) * 5 + ((0, 0), (0, 0)),
        booking_value=None,
        sale_value=(400.0, 3000.0),
    ),
    AccountSpec(
        account_id="acct_harbourhvac",
        name="Harbour Heating & Cooling",
        timezone="Australia/Sydney",
        currency="AUD",
        country="AU",
        qualified_call_seconds=None,
        session_timeout_minutes=None,
        attribution_lookback_days=None,
        domain="harbourhvac.example",
        traffic_weight=0.7,
        number_prefix="+61255500",
        caller_prefixes=("+61296", "+61298", "+61412"),
        locations=(
            Location(
                None, "", "+61296000111", (("Sydney", "NSW", "2000"), ("Parramatta", "NSW", "2150"))
            ),
        ),
        campaigns=(
            Campaign(
                "google_ads",
                "Split System Install – Sydney",
                (
                    AdGroup(
                        "Air Conditioning",
                        (
                            _kw("split system installation", "exact", 5.5, 1.5),
                            _kw("ducted air conditioning sydney", "phrase", 7.2),
                            _kw("aircon repair near me", "broad", 3.8),
                        ),
                    ),
                ),
                2.0,
            ),
            Campaign(
                "microsoft_ads",
                "Bing – Heating Repair",
                (AdGroup("Heating", (_kw("gas heater service", "phrase", 3.1),)),),
                0.3,
            ),
            Campaign(
                "meta_ads",
                "Summer Ready ☀️ Aircon",
                (AdGroup("Sydney Homeowners", cpc=0.7),),
                0.6,
            ),
        ),
        placements=(
            Placement("Radio", "2GB 873", "offline", "Summer Radio", 2600.0, 1.0),
            Placement("Directory", "hipages", "listing", "hipages Profile", 350.0, 0.6),
        ),
        open_hours=((7, 19),) * 6 + ((0, 0),),
        booking_value=90.0,
        sale_value=(300.0, 9000.0),
    ),
    AccountSpec(
        account_id="acct_maplemovers",
        name="Maple Movers Ltd.",
        timezone="America/Toronto",
        currency="CAD",
        country="CA",
        qualified_call_seconds=75,
        session_timeout_minutes=20,
        attribution_lookback_days=30,
        domain="maplemovers.example",
        traffic_weight=0.6,
        number_prefix="+1555300",
        caller_prefixes=("+1416", "+1647", "+1905"),
        locations=(Location(None, "", "+14165550188", (("Toronto", "ON", "M5V 2T6"),)),),
        campaigns=(
            Campaign(
                "google_ads",
                "Déménageurs / Movers Toronto",
                (
                    AdGroup(
                        "Local Moves",
                        (
                            _kw("movers toronto", "exact", 4.4, 2.0),
                            _kw("déménagement montréal toronto", "broad", 2.0, 0.5),
                        ),
                    ),
                ),
            ),
            Campaign(
                "meta_ads",
                "Moving Season 🍁",
                (AdGroup("Renters 25-40", cpc=0.6),),
            ),
        ),
        placements=(Placement("Vehicle", "truck wrap", "offline", "Truck Fleet", 250.0),),
        open_hours=((8, 20),) * 6 + ((10, 16),),
        booking_value=None,
        sale_value=(500.0, 4000.0),
    ),
)


# --- traffic templates ---------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One way a session reaches the site: its beacon attributes and its true attribution."""

    channel: str
    source: str
    medium: str
    weight: float  # share of new-visitor sessions
    return_weight: float  # share of returning-visitor sessions
    call_rate: float  # probability that a session of this template leads to a call
    path: str = "/"
    referrer: str | None = None
    utm: dict[str, str] = field(default_factory=dict)
    click_id: str | None = None  # gclid | msclkid | fbclid (a fresh id per session)
    campaign: str | None = None
    keyword: str | None = None
    ad_group: str | None = None
    # index into the account's ad catalog (campaign, ad group, keyword) for spend and clicks
    ad_key: tuple[int, int, int] | None = None
    platform: str | None = None
    # True when the pipeline can learn the keyword (utm_term, or a gclid in the click view)
    keyword_tagged: bool = False

    @property
    def query(self) -> str:
        return "&".join(f"{k}={quote(v, safe='')}" for k, v in self.utm.items())


_PLAIN = re.compile(r"[^A-Za-z0-9 ./&$%+-]+")


def plain(text: str) -> str:
    """ASCII-only, markup-free version of a name (for `plain_names=True`)."""
    return " ".join(_PLAIN.sub(" ", text).split())


def slug(text: str) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", " ", plain(text).lower()).split()) or "x"


# Channel mixes: (weight for new visitors, weight for returning visitors, call rate).
ORGANIC = {
    "Organic Search": (0.26, 0.22, 0.06),
    "Organic Social": (0.05, 0.04, 0.02),
    "Referral": (0.06, 0.05, 0.05),
    "Direct": (0.10, 0.40, 0.09),
    "Email": (0.03, 0.10, 0.05),
    "Display": (0.04, 0.02, 0.01),
}
PAID_SEARCH_SHARE = (0.34, 0.12, 0.12)
PAID_SOCIAL_SHARE = (0.12, 0.05, 0.03)

SEARCH_REFERRERS = (
    ("https://www.google.com/", "google", 0.8),
    ("https://www.bing.com/", "bing", 0.12),
    ("https://duckduckgo.com/", "duckduckgo", 0.05),
    ("https://search.yahoo.com/", "yahoo", 0.03),
)
SOCIAL_REFERRERS = (
    ("https://www.facebook.com/", "facebook", 0.5),
    ("https://www.instagram.com/", "instagram", 0.25),
    ("https://t.co/", "t.co", 0.1),
    ("https://www.reddit.com/", "reddit", 0.15),
)
REFERRAL_SITES = (
    ("https://www.yelp.com/biz/", "yelp.com", 0.5),
    ("https://nextdoor.com/pages/", "nextdoor.com", 0.3),
    ("https://www.bbb.org/", "bbb.org", 0.2),
)
PATHS = ("/", "/services", "/pricing", "/about", "/contact", "/reviews", "/blog/tips")


def templates_for(spec: AccountSpec, plain_names: bool = False) -> list[Template]:
    """Every traffic template of one account, with weights summing to 1 per visitor kind."""
    name = plain if plain_names else (lambda s: s)
    out: list[Template] = []
    new_w, ret_w, call = 0, 1, 2

    # Paid search: one template per keyword and tagging variant. Google: auto-tagging (gclid)
    # with a tracking template (utm incl. utm_term), gclid only (keyword via the click view),
    # or utm only (gclid stripped by a redirect). Microsoft: msclkid + utm, or utm only.
    search = [(ci, c) for ci, c in enumerate(spec.campaigns) if c.platform != "meta_ads"]
    kw_weights = []
    for ci, c in search:
        for gi, g in enumerate(c.ad_groups):
            for ki, k in enumerate(g.keywords):
                kw_weights.append((ci, gi, ki, c.weight * g.weight * k.weight))
    total = sum(w for *_, w in kw_weights) or 1.0
    for ci, gi, ki, w in kw_weights:
        c = spec.campaigns[ci]
        g = c.ad_groups[gi]
        k = g.keywords[ki]
        google = c.platform == "google_ads"
        src = "google" if google else "bing"
        utm_full = {
            "utm_source": src,
            "utm_medium": "cpc",
            "utm_campaign": name(c.name),
            "utm_term": name(k.text),
            "utm_content": slug(g.name),
        }
        variants = (
            [("gclid", utm_full, 0.55), ("gclid", {}, 0.35), (None, utm_full, 0.10)]
            if google
            else [("msclkid", utm_full, 0.8), (None, utm_full, 0.2)]
        )
        for click, utm, share in variants:
            out.append(
                Template(
                    channel="Paid Search",
                    source=src,
                    medium="cpc",
                    weight=PAID_SEARCH_SHARE[new_w] * w / total * share,
                    return_weight=PAID_SEARCH_SHARE[ret_w] * w / total * share,
                    call_rate=PAID_SEARCH_SHARE[call],
                    path="/" + slug(g.name),
                    referrer=f"https://www.{src}.com/",
                    utm=dict(utm),
                    click_id=click,
                    campaign=name(c.name),
                    keyword=name(k.text),
                    ad_group=name(g.name),
                    ad_key=(ci, gi, ki),
                    platform=c.platform,
                    keyword_tagged=bool(utm) or click == "gclid",
                )
            )

    social = [(ci, c) for ci, c in enumerate(spec.campaigns) if c.platform == "meta_ads"]
    sw = [(ci, gi, c.weight * g.weight) for ci, c in social for gi, g in enumerate(c.ad_groups)]
    stotal = sum(w for *_, w in sw) or 1.0
    for ci, gi, w in sw:
        c = spec.campaigns[ci]
        g = c.ad_groups[gi]
        utm = {
            "utm_source": "facebook",
            "utm_medium": "paid_social",
            "utm_campaign": name(c.name),
            "utm_content": slug(g.name),
        }
        for click, share in (("fbclid", 0.8), (None, 0.2)):
            out.append(
                Template(
                    channel="Paid Social",
                    source="facebook",
                    medium="paid_social",
                    weight=PAID_SOCIAL_SHARE[new_w] * w / stotal * share,
                    return_weight=PAID_SOCIAL_SHARE[ret_w] * w / stotal * share,
                    call_rate=PAID_SOCIAL_SHARE[call],
                    path="/offer",
                    referrer="https://m.facebook.com/" if click else "https://l.instagram.com/",
                    utm=utm,
                    click_id=click,
                    campaign=name(c.name),
                    ad_group=name(g.name),
                    ad_key=(ci, gi, -1),
                    platform="meta_ads",
                )
            )

    def add(channel: str, source: str, medium: str, frac: float, **kw: object) -> None:
        nw, rw, cr = ORGANIC[channel]
        out.append(
            Template(
                channel=channel,
                source=source,
                medium=medium,
                weight=nw * frac,
                return_weight=rw * frac,
                call_rate=cr,
                **kw,  # type: ignore[arg-type]
            )
        )

    for url, src, frac in SEARCH_REFERRERS:
        for path in PATHS[:3]:
            add("Organic Search", src, "organic", frac / 3, referrer=url, path=path)
    for url, src, frac in SOCIAL_REFERRERS:
        add("Organic Social", src, "social", frac, referrer=url, path="/reviews")
    for url, src, frac in REFERRAL_SITES:
        add("Referral", src, "referral", frac, referrer=url + slug(spec.name), path="/")
    add("Direct", "(direct)", "(none)", 0.7, path="/")
    add("Direct", "(direct)", "(none)", 0.3, path="/contact")
    newsletter = name(f'{spec.name.split()[0]} Monthly "Tips" Newsletter')
    add(
        "Email",
        "newsletter",
        "email",
        1.0,
        path="/offer",
        utm={"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": newsletter},
        campaign=newsletter,
    )
    display = name("Remarketing – Display")
    add(
        "Display",
        "gdn",
        "display",
        1.0,
        path="/",
        referrer="https://googleads.g.doubleclick.net/",
        utm={"utm_source": "gdn", "utm_medium": "display", "utm_campaign": display},
        campaign=display,
    )
    return out
