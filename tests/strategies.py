"""
Hypothesis strategies for convroute's values, shared by every test module.

Every strategy builds valid values, as a configuration file or a host could
give them: names are non-empty printable text without surrounding
whitespace, user ids are unique, and references (group members, target
users, owners) are drawn from the ids the caller passes in.  To exercise
dangling references, pass ids that are not among the generated users.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import attrs

from hypothesis import strategies as st

from convroute._blank import is_blank
from convroute._text import find_emoji, fold, title_key
from convroute.config import Config
from convroute.config._check import name_key
from convroute.funnel import (
    PURCHASE,
    AdSource,
    Funnel,
    MetaContent,
    MetaCustomData,
    MetaSettings,
    Stage,
    Trigger,
)
from convroute.menus import BusinessNumber, FirstResponse, Product, SecondResponse
from convroute.model import Lead, Opportunity, OpportunityStatus, OpportunityType, Phone, User
from convroute.routing import (
    Admin,
    Availability,
    ChatGroup,
    ChatGroupTarget,
    Interval,
    LeadOwner,
    OpportunityOwner,
    RoutingContext,
    RoutingRule,
    Schedule,
    SpecificUser,
    Target,
    TurnRecord,
    Weekday,
)


__all__ = [
    "availabilities",
    "chat_groups",
    "configs",
    "durations",
    "group_directories",
    "leads",
    "names",
    "opportunities",
    "phones",
    "routing_contexts",
    "routing_rule_lists",
    "routing_rules",
    "schedules",
    "targets",
    "turn_records",
    "user_directories",
    "users",
]

_MAX_CAPACITY = 4
_V = TypeVar("_V")


def names(max_size: int = 20) -> st.SearchStrategy[str]:
    """
    Non-empty printable text without surrounding whitespace: ids and names.

    Letters, digits, punctuation and symbols of any script, with inner
    spaces, e.g. ``AI counsellors`` or ``u-ásha``.
    """
    alphabet = st.characters(categories=("L", "N", "P", "S"), include_characters=" ")
    return st.text(alphabet, min_size=1, max_size=max_size).map(str.strip).filter(_shows)


def users(user_id: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[User]:
    """
    One user, admin or not, active or not, with or without a capacity.

    Args:
        user_id: Where the id comes from; any name by default.
    """
    return st.builds(
        User,
        id=names() if user_id is None else user_id,
        name=names(),
        admin=st.booleans(),
        active=_mostly_true(),
        max_open_conversations=st.none() | st.integers(0, _MAX_CAPACITY),
        schedule=st.none() | st.sampled_from(SCHEDULE_NAMES),
    )


# Zones with whole-minute offsets since 2000, and their odd ones: half-hour
# and 45-minute offsets, a half-hour shift (Lord Howe), transitions at
# midnight (Santiago), southern summers.
SCHEDULE_ZONES = (
    "UTC",
    "America/New_York",
    "America/Santiago",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Europe/London",
    "Pacific/Chatham",
)
# The schedules users name; `availabilities` draws some of them, so that a
# user may name one it lacks.
SCHEDULE_NAMES = ("Day shift", "Night shift", "Weekends")
_QUARTERS = 96  # quarter hours of a day; the last one ends at 24:00


def _quarter(n: int) -> dt.time | None:
    return None if n == _QUARTERS else dt.time(n // 4, n % 4 * 15)


@st.composite
def schedules(
    draw: st.DrawFn,
    name: st.SearchStrategy[str] | None = None,
    holidays: st.SearchStrategy[dt.date] | None = None,
) -> Schedule:
    """
    A valid schedule on quarter hours: intervals, overnight ones, holidays; open at least once.

    Quarter hours meet the changes of daylight-saving time (on the hour or
    the half hour) often.

    Args:
        name: Where the name comes from; any name by default.
        holidays: Where holiday dates come from; dates of 2020-2035 by default.
    """
    hours: dict[Weekday, list[Interval]] = {}
    for day in Weekday:
        points = sorted(draw(st.sets(st.integers(0, _QUARTERS), max_size=6)))
        intervals = [
            Interval(dt.time(points[i] // 4, points[i] % 4 * 15), _quarter(points[i + 1]))
            for i in range(0, len(points) - 1, 2)
        ]
        latest = points[-1] if points else -1
        if latest < _QUARTERS - 1 and draw(st.booleans()):
            start = draw(st.integers(max(latest + 1, 1), _QUARTERS - 1))
            end = draw(st.integers(0, start - 1))
            intervals.append(Interval(dt.time(start // 4, start % 4 * 15), _quarter(end)))
        hours[day] = intervals
    # An overnight interval may run into the next day's first: drop the later.
    while True:
        overlap = next(Schedule.find_overlaps(hours), None)
        if overlap is None:
            break
        del hours[overlap[0]][overlap[1]]
    if not any(hours.values()):
        # A configuration's schedule opens at least once (check refuses one
        # that never does); nothing else overlaps an empty week.
        hours[draw(st.sampled_from(Weekday))] = [Interval(dt.time(9), dt.time(17))]
    dates = st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)) if holidays is None else holidays
    return Schedule(
        name=draw(names() if name is None else name),
        time_zone=draw(st.sampled_from(SCHEDULE_ZONES)),
        hours=hours,
        holidays=draw(st.frozensets(dates, max_size=4)),
    )


def user_directories(min_size: int = 0, max_size: int = 6) -> st.SearchStrategy[dict[str, User]]:
    """
    Users by id, ids unique, in the order drawn (the order admins take turns).
    """
    return st.lists(users(), min_size=min_size, max_size=max_size, unique_by=_user_id).map(_by_id)


def chat_groups(
    user_ids: Sequence[str], name: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[ChatGroup]:
    """
    One chat group whose members are distinct ids from *user_ids*.

    Args:
        user_ids: The ids members are drawn from; at least one, as a group
            without members is a configuration error.
        name: Where the group's name comes from; any name by default.
    """
    return st.builds(
        ChatGroup,
        name=names() if name is None else name,
        members=st.lists(st.sampled_from(user_ids), min_size=1, unique=True).map(tuple),
        description=st.just("") | names(),
    )


def group_directories(
    user_ids: Sequence[str], max_size: int = 3
) -> st.SearchStrategy[dict[str, ChatGroup]]:
    """
    Chat groups by name, names unique; none when *user_ids* is empty.
    """
    if not user_ids:
        return st.just({})
    return st.lists(
        chat_groups(user_ids), max_size=max_size, unique_by=lambda group: name_key(group.name)
    ).map(lambda groups: {group.name: group for group in groups})


def targets(group_names: Sequence[str], user_ids: Sequence[str]) -> st.SearchStrategy[Target]:
    """
    A target of any kind; chat groups and users are drawn from the names given.

    Args:
        group_names: The groups a `ChatGroupTarget` may name; with none, no
            such target is drawn.
        user_ids: The users a `SpecificUser` may name; with none, no such
            target is drawn.
    """
    kinds: list[st.SearchStrategy[Target]] = [
        st.just(OpportunityOwner()),
        st.just(LeadOwner()),
        st.just(Admin()),
    ]
    if group_names:
        kinds.append(st.builds(ChatGroupTarget, group=st.sampled_from(group_names)))
    if user_ids:
        kinds.append(st.builds(SpecificUser, user=st.sampled_from(user_ids)))
    return st.one_of(kinds)


def routing_rules(
    group_names: Sequence[str],
    user_ids: Sequence[str],
    name: st.SearchStrategy[str] | None = None,
    max_targets: int = 5,
) -> st.SearchStrategy[RoutingRule]:
    """
    A routing rule with one to *max_targets* targets, see `targets`.
    """
    return st.builds(
        RoutingRule,
        name=names() if name is None else name,
        targets=st.lists(targets(group_names, user_ids), min_size=1, max_size=max_targets).map(
            tuple
        ),
    )


def routing_rule_lists(
    group_names: Sequence[str], user_ids: Sequence[str], max_size: int = 4
) -> st.SearchStrategy[list[RoutingRule]]:
    """
    Routing rules with unique names, as a configuration file lists them.
    """
    return st.lists(
        routing_rules(group_names, user_ids),
        max_size=max_size,
        unique_by=lambda rule: name_key(rule.name),
    )


def availabilities(user_directory: Mapping[str, User]) -> st.SearchStrategy[Availability]:
    """
    A snapshot over *user_directory*: some users away, some holding
    conversations, some off hours (or naming a schedule it lacks).

    Presence and open conversations are given for a random subset of the
    users, so that both the explicit and the default values are exercised.
    """
    ids = list(user_directory)
    return st.builds(
        Availability,
        users=st.just(user_directory),
        presence=_partial_mappings(ids, _mostly_true()),
        open_conversations=_partial_mappings(ids, st.integers(0, _MAX_CAPACITY + 1)),
        schedules=st.lists(
            st.sampled_from(SCHEDULE_NAMES).flatmap(lambda name: schedules(name=st.just(name))),
            unique_by=lambda schedule: schedule.name,
        ).map(lambda found: {schedule.name: schedule for schedule in found}),
        at=st.none()
        | st.datetimes(
            dt.datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis adds the zone
            dt.datetime(2026, 12, 31),  # noqa: DTZ001
            timezones=st.just(dt.UTC),
        ),
        held_before=st.frozensets(st.sampled_from(ids), max_size=2)
        if ids
        else st.just(frozenset()),
    )


def turn_records(pool: str, members: Sequence[str]) -> st.SearchStrategy[TurnRecord]:
    """
    A turn record of *pool* in which some of *members* were assigned, in any order.
    """
    if not members:
        return st.just(TurnRecord(pool=pool))
    return st.builds(
        TurnRecord,
        pool=st.just(pool),
        assigned=st.lists(st.sampled_from(members), unique=True).map(tuple),
    )


_NATIONAL_NUMBERS = {
    "1": r"[2-9][0-9]{2}[2-9][0-9]{6}",
    "7": r"9[0-9]{9}",
    "39": r"06[0-9]{6,8}|3[0-9]{8,9}",
    "44": r"7[0-9]{9}|20[0-9]{8}",
    "49": r"1[5-7][0-9]{8,9}",
    "55": r"[1-9]{2}9[0-9]{8}",
    "86": r"1[3-9][0-9]{9}",
    "91": r"[6-9][0-9]{9}",
    "234": r"[789]0[0-9]{8}",
    "290": r"[2-9][0-9]{4}",
    "971": r"5[0-9]{8}",
}
"""
Country calling codes, and the shape of national numbers possible there.
"""


def not_text() -> st.SearchStrategy[object]:
    """
    Values a script may pass where text is expected, none of them a ``str``.
    """
    return st.one_of(
        st.integers(),
        st.floats(allow_nan=False),
        st.booleans(),
        st.binary(max_size=4),
        st.lists(st.text(max_size=3), max_size=2),
        st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
        st.datetimes(),
    )


def refusal(make: Callable[..., object], fields: Mapping[str, object]) -> str:
    """
    The message of the `TypeError` that making a value of *fields* raises.
    """
    try:
        make(**fields)
    except TypeError as error:
        return str(error)
    raise AssertionError(f"{make} took {fields}")


def phones() -> st.SearchStrategy[Phone]:
    """
    A normalised phone that is a possible number: country code first.
    """
    return country_phones().map(lambda drawn: Phone(drawn[0] + drawn[1]))


def country_phones() -> st.SearchStrategy[tuple[str, str]]:
    """
    A possible number as its country calling code and its national part.
    """
    return st.sampled_from(sorted(_NATIONAL_NUMBERS.items())).flatmap(
        lambda item: st.tuples(st.just(item[0]), st.from_regex(item[1], fullmatch=True))
    )


_TRUNK_PREFIXES = {"1": "1", "7": "8", "39": "", "290": ""}
"""
How a national number is dialled in its country, where it is not with a 0.
"""


def written_phones() -> st.SearchStrategy[str]:
    """
    A possible number as people type it: international (``+``, ``00`` or
    bare digits) or national (with its trunk prefix), spaced, dashed or
    bracketed.
    """
    return st.tuples(country_phones(), st.data()).map(lambda drawn: _written(*drawn))


def national_written(code: str, national: str) -> str:
    """
    *national* as it is dialled in the country of calling code *code*.
    """
    if national.startswith("0"):
        return national
    return _TRUNK_PREFIXES.get(code, "0") + national


def _written(drawn: tuple[str, str], data: st.DataObject) -> str:
    code, national = drawn
    digits = data.draw(
        st.sampled_from(
            [
                "+" + code + national,
                "00" + code + national,
                code + national,
                national_written(code, national),
            ]
        )
    )
    separators = st.sampled_from(["", "", " ", "-", ".", "(", ")"])
    return "".join(data.draw(separators) + char for char in digits)


def leads(owner_ids: Sequence[str]) -> st.SearchStrategy[Lead]:
    """
    A lead, named or not, owned by one of *owner_ids* or by nobody.
    """
    return st.builds(
        Lead,
        phone=phones(),
        name=st.just("") | names(),
        owner=_maybe_one_of(owner_ids),
        fields=st.dictionaries(names(8), names(), max_size=2),
        language=st.none() | st.sampled_from(["pt", "pt-BR", "zh-Hant-TW", "EN"]),
    )


def opportunities(owner_ids: Sequence[str]) -> st.SearchStrategy[Opportunity]:
    """
    An opportunity owned by one of *owner_ids* or by nobody, with some fields.
    """
    return st.builds(
        Opportunity,
        id=names(),
        type=names(),
        name=st.just("") | names(),
        fields=st.dictionaries(names(), names(), max_size=3),
        owner=_maybe_one_of(owner_ids),
        stage=st.none() | names(),
        updated_at=st.none() | st.datetimes(timezones=st.just(dt.UTC)),
        status=st.sampled_from(OpportunityStatus),
    )


@st.composite
def routing_contexts(
    draw: st.DrawFn,
    user_directory: Mapping[str, User],
    groups: Mapping[str, ChatGroup],
    owner_ids: Sequence[str] | None = None,
) -> RoutingContext:
    """
    A routing context over the users and groups given.

    Every pool (each group, and the admins) may have a turn record; the lead
    and the opportunity may be missing.

    Args:
        user_directory: The known users.
        groups: The known chat groups.
        owner_ids: The ids owners are drawn from; the known users by default.
    """
    owners = list(user_directory) if owner_ids is None else owner_ids
    admins = [user.id for user in user_directory.values() if user.admin]
    pools = {ChatGroupTarget(name).label: group.members for name, group in groups.items()}
    pools[Admin().label] = tuple(admins)
    turns = {}
    for pool, members in pools.items():
        if draw(st.booleans()):
            turns[pool] = draw(turn_records(pool, members))
    return RoutingContext(
        availability=draw(availabilities(user_directory)),
        groups=groups,
        turns=turns,
        lead=draw(st.none() | leads(owners)),
        opportunity=draw(st.none() | opportunities(owners)),
    )


def durations() -> st.SearchStrategy[dt.timedelta]:
    """
    A positive duration of whole seconds, as a configuration file writes it.
    """
    units = st.sampled_from([1, 60, 3_600, 86_400])
    return st.builds(
        lambda amount, unit: dt.timedelta(seconds=amount * unit), st.integers(1, 999), units
    )


@st.composite
def configs(draw: st.DrawFn) -> Config:
    """
    A valid configuration: every section, every reference resolving.

    Everything `check_config` asks holds: unique names, groups with members,
    rules with distinct targets, products whose fields and values exist,
    menus that fit, plain trigger phrases that name one source each.
    """
    schedule_list = draw(st.lists(schedules(), max_size=2, unique_by=lambda s: name_key(s.name)))
    user_list = draw(
        st.lists(
            st.builds(
                User,
                id=names(),
                name=names(),
                admin=st.booleans(),
                active=st.booleans(),
                max_open_conversations=st.none() | st.integers(1, 50),
                schedule=_maybe_one_of([schedule.name for schedule in schedule_list]),
            ),
            max_size=5,
            unique_by=_user_id,
        )
    )
    user_ids = [user.id for user in user_list]
    groups = list(draw(group_directories(user_ids)).values())
    group_names = [group.name for group in groups]
    rules = draw(
        st.lists(
            st.builds(
                RoutingRule,
                name=names(),
                targets=st.lists(
                    targets(group_names, user_ids),
                    min_size=1,
                    max_size=4,
                    unique_by=lambda target: target.label,
                ),
                reassign_when_away=st.none() | durations(),
                reply_within=st.none() | durations(),
                max_reassignments=st.integers(0, 5),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda rule: name_key(rule.name),
        )
    )
    rule_names = [rule.name for rule in rules]
    kinds = draw(
        st.lists(_opportunity_types(), min_size=1, max_size=3, unique_by=lambda k: name_key(k.name))
    )
    numbers = draw(
        st.lists(_business_numbers(kinds, rule_names), max_size=3, unique_by=lambda n: n.number)
    )
    meta = draw(st.none() | st.builds(MetaSettings, _digits(), st.none() | _digits()))
    funnels = draw(
        st.lists(
            _funnels([n.number for n in numbers], with_meta=meta is not None),
            max_size=2,
            unique_by=lambda funnel: name_key(funnel.name),
        )
    )
    return Config(
        conversation_timeout=draw(durations()),
        menu_timeout=draw(durations()),
        max_reprompts=draw(st.integers(0, 5)),
        lead_level_rule=draw(st.none() | st.sampled_from(rule_names)),
        default_country_code=draw(st.none() | st.sampled_from(sorted(_NATIONAL_NUMBERS))),
        meta=meta,
        schedules=schedule_list,
        users=user_list,
        chat_groups=groups,
        routing_rules=rules,
        opportunity_types=kinds,
        numbers=numbers,
        funnels=_one_source_per_phrase(funnels),
    )


def _one_source_per_phrase(funnels: Sequence[Funnel]) -> list[Funnel]:
    # A phrase names one source on a number across all funnels: a later
    # funnel's trigger takes the source an earlier funnel gave its phrase.
    sources: dict[tuple[str, str], str] = {}
    kept = []
    for funnel in funnels:
        if not funnel.stages:
            kept.append(funnel)
            continue
        entry, *rest = funnel.stages
        triggers = [
            attrs.evolve(
                trigger,
                source=sources.setdefault((trigger.number, fold(trigger.phrase)), trigger.source),
            )
            for trigger in entry.triggers
        ]
        kept.append(attrs.evolve(funnel, stages=(attrs.evolve(entry, triggers=triggers), *rest)))
    return kept


def _plain_templates(max_size: int = 20) -> st.SearchStrategy[str]:
    # Mail-merge templates without placeholders: braces are the template
    # language's own, and tested with the menus.
    return names(max_size).filter(lambda text: "{" not in text and "}" not in text)


def _digits() -> st.SearchStrategy[str]:
    return st.from_regex(r"[1-9][0-9]{5,15}", fullmatch=True)


def _opportunity_types() -> st.SearchStrategy[OpportunityType]:
    return st.builds(
        OpportunityType,
        name=names(),
        stages=st.lists(names(), max_size=4, unique_by=name_key),
        fields=st.dictionaries(
            names(), st.lists(names(), min_size=1, max_size=4, unique=True), max_size=2
        ),
    )


@st.composite
def _products(draw: st.DrawFn, kinds: Sequence[OpportunityType], rules: Sequence[str]) -> Product:
    kind = draw(st.sampled_from(kinds))
    field = draw(st.none() | st.sampled_from(sorted(kind.fields))) if kind.fields else None
    values: list[str] = []
    if field is not None:
        values = draw(st.lists(st.sampled_from(kind.fields[field]), min_size=1, unique=True))
    return Product(
        label=draw(names()),
        opportunity_type=kind.name,
        rule=draw(st.sampled_from(rules)),
        field=field,
        values=values,
    )


@st.composite
def _business_numbers(
    draw: st.DrawFn, kinds: Sequence[OpportunityType], rules: Sequence[str]
) -> BusinessNumber:
    other_queries = draw(st.booleans())
    products = draw(
        st.lists(
            _products(kinds, rules),
            max_size=10 - other_queries,
            unique_by=lambda product: title_key(product.label),
        )
    )
    labels = {title_key(product.label) for product in products}
    first = None
    if products and draw(st.booleans()):
        first = FirstResponse(
            message=draw(_plain_templates(200)),
            display=draw(st.sampled_from(["buttons", "list"])),
            list_button=draw(names()),
            header=draw(st.none() | _plain_templates(60)),
            footer=draw(st.none() | _plain_templates(60)),
            other_queries=other_queries,
            other_queries_label=draw(names().filter(lambda label: title_key(label) not in labels)),
        )
    second = None
    if first is not None and draw(st.booleans()):
        second = SecondResponse(
            message=draw(_plain_templates(200)),
            display=draw(st.sampled_from(["buttons", "list"])),
            option_label=draw(_plain_templates()),
            option_description=draw(st.none() | _plain_templates()),
            new_opportunity_label=draw(names()),
        )
    rule = st.sampled_from(rules)
    creates_new = draw(st.booleans())
    number = draw(phones())
    return BusinessNumber(
        number=number,
        products=products,
        creates_new_opportunity=creates_new,
        default_opportunity_type=draw(
            st.sampled_from([k.name for k in kinds]) if creates_new else st.none()
        ),
        create_new_rule=draw(rule if first is None else st.none() | rule),
        other_queries_rule=draw(rule if first is not None and other_queries else st.none()),
        first_response=first,
        second_response=second,
        away_message=draw(st.none() | _plain_templates(200)),
        assigned_message=draw(st.none() | _plain_templates(200)),
        # Made from the number, which is unique: two numbers never share one.
        phone_number_id=draw(st.none() | st.just(f"1065{number}")),
    )


_AD_IDS = ("120210000000000001", "120210000000000002", "6480213344556")


@st.composite
def _funnels(draw: st.DrawFn, numbers: Sequence[str], *, with_meta: bool) -> Funnel:
    phrases = names(40).filter(lambda phrase: find_emoji(phrase) is None)
    trigger_numbers = st.sampled_from(numbers) if numbers else phones()
    triggers = draw(
        st.lists(
            st.builds(Trigger, phrase=phrases, number=trigger_numbers, source=names()),
            max_size=4,
            unique_by=lambda trigger: (trigger.number, fold(trigger.phrase)),
        )
    )
    # An ad's source follows from its id: one id never names two sources,
    # in whichever funnels it appears.
    ads = draw(st.lists(st.sampled_from(_AD_IDS), max_size=2, unique=True))
    ad_sources = [AdSource(source_id=ad, source=f"Ad {ad}") for ad in ads]
    stage_names = draw(st.lists(names(), min_size=1, max_size=4, unique_by=name_key))
    follow_ups = draw(st.lists(phrases, max_size=2 * (len(stage_names) - 1), unique_by=fold))
    event = st.none() | names() | st.just(PURCHASE) if with_meta else st.none()
    stages = []
    for position, name in enumerate(stage_names):
        mine = follow_ups[position - 1 :: len(stage_names) - 1] if position else []
        meta_event = draw(event)
        custom_data, value_field = (
            (None, None) if meta_event is None else draw(_stage_values(meta_event == PURCHASE))
        )
        stages.append(
            Stage(
                name=name,
                triggers=triggers if position == 0 else (),
                follow_ups=mine,
                meta_event=meta_event,
                meta_without_click=draw(st.booleans()),
                ads_source=draw(st.none() | names()) if position == 0 else None,
                ad_sources=ad_sources if position == 0 else (),
                meta_custom_data=custom_data,
                meta_value_field=value_field,
            )
        )
    untracked = draw(st.booleans())
    return Funnel(
        name=draw(names()),
        stages=stages,
        untracked_leads=untracked,
        untracked_source=draw(names()) if untracked else "Untracked",
    )


def _amounts() -> st.SearchStrategy[float]:
    return st.floats(min_value=0, allow_nan=False, allow_infinity=False)


def meta_custom_data() -> st.SearchStrategy[MetaCustomData]:
    """
    A stage's Conversions API values that `check` accepts, value and currency aside.
    """
    counts = st.none() | st.integers(1, 1_000)
    texts = st.none() | names()
    delivery = st.none() | st.sampled_from(["in_store", "curbside", "home_delivery"])
    contents = st.builds(
        MetaContent,
        id=names(),
        quantity=counts,
        item_price=st.none() | _amounts(),
        title=texts,
        description=texts,
        brand=texts,
        category=texts,
        delivery_category=delivery,
    )
    return st.builds(
        MetaCustomData,
        currency=st.none() | st.from_regex(r"[A-Za-z]{3}", fullmatch=True),
        value=st.none() | _amounts(),
        content_name=texts,
        content_category=texts,
        content_ids=st.lists(names(), max_size=3),
        content_type=st.none() | st.sampled_from(["product", "product_group"]),
        contents=st.lists(contents, max_size=2),
        num_items=counts,
        order_id=texts,
        predicted_ltv=st.none() | st.floats(allow_nan=False, allow_infinity=False),
        status=texts,
        search_string=texts,
        delivery_category=delivery,
    )


@st.composite
def _stage_values(draw: st.DrawFn, purchase: bool) -> tuple[MetaCustomData | None, str | None]:
    # A value needs its currency; a Purchase needs both.
    custom_data = draw(meta_custom_data() if purchase else st.none() | meta_custom_data())
    value_field = draw(st.none() | names())
    if custom_data is None:
        return None, None
    if purchase and custom_data.value is None and value_field is None:
        custom_data = attrs.evolve(custom_data, value=draw(_amounts()))
    if custom_data.currency is None and (custom_data.value is not None or value_field):
        custom_data = attrs.evolve(custom_data, currency="BRL")
    if purchase and custom_data.currency is None:
        custom_data = attrs.evolve(custom_data, currency="USD")
    return custom_data, value_field


def _mostly_true() -> st.SearchStrategy[bool]:
    # Three times in four: most users are active and present, so that
    # routing often finds somebody and the interesting paths get exercised.
    return st.just(True) | st.booleans()


def _user_id(user: User) -> str:
    return name_key(user.id)


def _shows(text: str) -> bool:
    # Some letters show nothing (the Hangul fillers): such a name is blank.
    return not is_blank(text)


def _by_id(user_list: list[User]) -> dict[str, User]:
    return {user.id: user for user in user_list}


def _maybe_one_of(values: Sequence[str]) -> st.SearchStrategy[str | None]:
    if not values:
        return st.none()
    return st.none() | st.sampled_from(values)


def _partial_mappings(
    keys: Sequence[str], values: st.SearchStrategy[_V]
) -> st.SearchStrategy[dict[str, _V]]:
    # A value for some of the keys, none for the rest: the defaults count too.
    if not keys:
        return st.just({})
    return st.dictionaries(st.sampled_from(keys), values)
