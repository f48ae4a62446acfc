"""
The SQLite store's codec: stored values to JSON-ready values and back, exactly.
"""

import datetime as dt
import enum
import json
import threading
import traceback
import types
import zoneinfo

import attrs
import cattrs
import pytest

from hypothesis import given
from hypothesis import strategies as st

from convroute.adapters import _codec
from convroute.errors import MenuError, StoreError
from convroute.funnel import Cause, Transition
from convroute.menus import (
    Menu,
    MenuKind,
    MenuOption,
    NumberMenus,
    OptionKind,
    build_first_response,
    interpret_reply,
)
from convroute.model import Lead, Opportunity, Phone, User
from convroute.routing import TurnRecord
from convroute.state import Conversation, ConversationStatus, OutboxItem, OutboxStatus
from funnel_strategies import aware_datetimes, funnel_records
from menu_strategies import languages, menu_numbers, translated_numbers
from strategies import leads, opportunities, users


IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
AT = dt.datetime(2026, 11, 2, 14, 30, tzinfo=IST)
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
MENU = Menu(
    kind=MenuKind.FIRST_RESPONSE,
    layout="list",
    body="Which course?",
    options=[
        MenuOption(id="p-ai", title="AI", kind=OptionKind.PRODUCT, key="AI", description="PG"),
        MenuOption(id="other", title="Other queries", kind=OptionKind.OTHER_QUERIES),
    ],
    list_button="Courses",
    header="Hello Ravi",
    footer="Reply any time",
    left_out=["o-9"],
)
VALUES = [
    MENU,
    Conversation(
        lead=LEAD,
        number=NUMBER,
        status=ConversationStatus.MENU,
        last_message_at=AT,
        menu=MENU,
        menu_sent_at=AT.astimezone(dt.UTC),
        product="AI",
        reprompts=1,
    ),
    Conversation(
        lead=LEAD,
        number=NUMBER,
        status=ConversationStatus.ASSIGNED,
        last_message_at=AT,
        assignee="u-meera",
        waiting_since=AT - dt.timedelta(minutes=20),
        away_message_sent=True,
        assigned_at=AT.astimezone(dt.UTC),
        reply_awaited_since=AT,
        last_incoming_at=AT - dt.timedelta(minutes=1),
        held_before=("u-asha", "u-ravi"),
        reassignments=2,
        due_at=AT + dt.timedelta(minutes=15),
    ),
    Transition(
        id="tr-1",
        lead=LEAD,
        funnel="Sales",
        from_stage=None,
        to_stage="Enquiry",
        at=AT,
        cause=Cause.TRIGGER,
        source="Instagram",
        number=NUMBER,
        ctwa_clid="ARAkLkA8rmlFeiCktEJQ",
    ),
    Opportunity(
        id="o-1",
        type="Postgraduate Course",
        name="PG AI 2027",
        fields={"Course": "AI"},
        owner="u-asha",
        stage="Applied",
        updated_at=AT,
    ),
    Opportunity(id="o-2", type="Loan", updated_at=dt.datetime(2026, 11, 2, 9, 0)),  # noqa: DTZ001
    TurnRecord(pool="chat_group:AI", assigned=("u-ravi", "u-asha")),
    User(id="u-asha", name="Asha Rao", admin=True, max_open_conversations=25),
    Lead(phone=LEAD, name="Ravi", owner="u-asha"),
    OutboxItem(
        id="act-1",
        event="wamid.1",
        type="send",
        body={"type": "send", "event": "wamid.1", "to": LEAD, "buttons": [1, 2.5, None, True]},
        created_at=AT,
        status=OutboxStatus.SENT,
        attempts=2,
        last_error="HTTP 503",
        claimed_until=AT + dt.timedelta(minutes=5),
    ),
]


class TestRoundTrip:
    @pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
    def test_structure_undoes_unstructure(self, value):
        """Every stored type comes back equal from its JSON-ready form and from JSON text."""
        data = json.loads(json.dumps(_codec.unstructure(value)))

        assert value == _codec.structure(data, type(value))
        assert value == _codec.loads(_codec.dumps(value), type(value))

    @given(menu=st.tuples(menu_numbers(), leads([])).map(lambda d: build_first_response(*d)))
    def test_any_menu(self, menu):
        """Any menu the builders make comes back equal."""
        assert menu == _codec.loads(_codec.dumps(menu), Menu)

    @given(drawn=translated_numbers(), lead=leads([]), language=languages())
    def test_any_translated_menu(self, drawn, lead, language):
        """Any translated menu, its options' aliases included, comes back equal."""
        number, texts = drawn
        menu = NumberMenus(number, texts=texts).first_response(
            attrs.evolve(lead, language=language)
        )

        assert menu == _codec.loads(_codec.dumps(menu), Menu)

    def test_lead_stored_before_fields_and_languages(self):
        """A lead stored without fields or a language reads back with none."""
        assert Lead(phone=LEAD, name="Ravi") == _codec.loads(
            '{"phone": "919800000001", "name": "Ravi", "owner": null}', Lead
        )

    @given(
        drawn=funnel_records(),
        opportunity=opportunities(["u-asha"]),
        user=users(),
        at=aware_datetimes(),
    )
    def test_records_opportunities_users(self, drawn, opportunity, user, at):
        """Funnel records, opportunities and users of any content come back equal."""
        values = [*drawn[1], opportunity, user, TurnRecord(pool="admin", assigned=(user.id,))]
        values.append(Conversation(lead=LEAD, number=NUMBER, status="assigned", last_message_at=at))

        assert values == [_codec.loads(_codec.dumps(v), type(v)) for v in values]


class TestForm:
    def test_an_opportunity_stored_without_status_is_open(self):
        """An opportunity stored before statuses existed reads back as open."""
        stored = json.dumps({"id": "o1", "type": "Course", "name": "AI", "fields": {}})

        assert Opportunity(id="o1", type="Course", name="AI") == _codec.loads(stored, Opportunity)

    def test_an_opportunity_s_status_is_its_value(self):
        """A status is stored as its plain value."""
        stored = json.loads(_codec.dumps(Opportunity(id="o1", type="Course", status="won")))

        assert "won" == stored["status"]

    def test_datetimes_are_iso_text_with_their_offset(self):
        """An aware datetime is written in ISO 8601 with its own offset."""
        data = _codec.unstructure(VALUES[1])

        assert ("2026-11-02T14:30:00+05:30", "2026-11-02T09:00:00+00:00") == (
            data["last_message_at"],
            data["menu_sent_at"],
        )

    def test_a_conversation_s_time_fields(self):
        """Waits, assignments, reply clock and due time are written as plain JSON values."""
        data = json.loads(_codec.dumps(VALUES[2]))

        expected = {
            "waiting_since": "2026-11-02T14:10:00+05:30",
            "away_message_sent": True,
            "assigned_at": "2026-11-02T09:00:00+00:00",
            "reply_awaited_since": "2026-11-02T14:30:00+05:30",
            "last_incoming_at": "2026-11-02T14:29:00+05:30",
            "held_before": ["u-asha", "u-ravi"],
            "reassignments": 2,
            "due_at": "2026-11-02T14:45:00+05:30",
        }
        assert expected == {key: data[key] for key in expected}

    def test_read_only_fields_come_back_read_only(self):
        """Opportunity fields are written as a plain object and read back as a read-only mapping."""
        data = _codec.unstructure(VALUES[4])
        back = _codec.structure(data, Opportunity)

        assert ({"Course": "AI"}, types.MappingProxyType) == (data["fields"], type(back.fields))

    def test_the_converter_is_private(self):
        """The codec never touches cattrs' global converter."""
        assert _codec._CONVERTER is not cattrs.global_converter


class TestBadData:
    @pytest.mark.parametrize(
        ("data", "cls"),
        [
            ({"id": "u-1", "name": "Asha", "admin": "false"}, User),
            ({"id": "u-1", "name": 5}, User),
            ({"pool": "admin", "assigned": ["u-1", 2]}, TurnRecord),
            ({"phone": LEAD, "name": "Ravi", "owner": 7}, Lead),
        ],
        ids=["bool-as-text", "number-as-text", "number-in-tuple", "number-as-optional-text"],
    )
    def test_wrong_types_are_not_coerced(self, data, cls):
        """A stored value of the wrong type is a StoreError, never coerced."""
        with pytest.raises(StoreError, match="cannot be read"):
            _codec.structure(data, cls)

    @pytest.mark.parametrize(
        ("data", "cls", "expected"),
        [
            (
                {"phone": int(LEAD), "name": "Ravi"},
                Lead,
                "expected text, not a number @ $.phone",
            ),
            (
                {"phone": LEAD, "name": [LEAD]},
                Lead,
                "expected text, not a list @ $.name",
            ),
            (
                {"phone": LEAD, "name": "Ravi", "owner": int(LEAD)},
                Lead,
                "expected text, not a number @ $.owner",
            ),
            (
                {**_codec.unstructure(VALUES[-1]), "created_at": str(LEAD)},
                OutboxItem,
                "expected an ISO 8601 datetime, not text of another form @ $.created_at",
            ),
            (
                {**_codec.unstructure(VALUES[1]), "reprompts": str(LEAD)},
                Conversation,
                "expected a whole number, not text @ $.reprompts",
            ),
            (
                {"phone": LEAD, "name": "Ravi", "fields": str(LEAD)},
                Lead,
                "expected a mapping @ $.fields",
            ),
        ],
        ids=[
            "phone-as-number",
            "phone-in-a-list",
            "phone-as-owner",
            "phone-as-time",
            "phone-as-count",
            "phone-as-fields",
        ],
    )
    def test_the_error_names_the_type_and_path_never_the_value(self, data, cls, expected):
        """A bad stored value is named by kind and path; no phone shows, traceback included."""
        with pytest.raises(StoreError) as caught:
            _codec.structure(data, cls)

        shown = "".join(traceback.format_exception(caught.value))
        assert (True, False, False) == (
            expected in str(caught.value),
            LEAD[2:] in shown,
            str(LEAD)[-6:] in shown,
        )

    def test_naive_text_for_an_aware_field_is_refused(self):
        """A datetime without its offset where one is required is a StoreError."""
        data = _codec.unstructure(VALUES[-1])
        data["created_at"] = "2026-11-02T09:00:00"

        with pytest.raises(StoreError, match="OutboxItem"):
            _codec.structure(data, OutboxItem)

    def test_a_user_stored_before_schedules_reads_without_one(self):
        """A user row written before users had a schedule reads back with none."""
        text = (
            '{"id":"u-asha","name":"Asha","admin":false,"active":true,"max_open_conversations":3}'
        )

        expected = User(id="u-asha", name="Asha", max_open_conversations=3)
        assert expected == _codec.loads(text, User)

    def test_text_that_is_not_json(self):
        """Text that is not JSON is a StoreError naming the type."""
        with pytest.raises(StoreError, match="stored Lead is not JSON"):
            _codec.loads("{'phone': 1}", Lead)


def json_values(depth=3, *, odd=True):
    """JSON-ready values; *odd* adds the tuples and read-only mappings a body may hold."""
    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    scalars = scalars | st.floats(allow_nan=False, allow_infinity=False)
    if not depth:
        return scalars
    inner = json_values(depth - 1, odd=odd)
    lists = st.lists(inner, max_size=3)
    objects = st.dictionaries(st.text(max_size=3), inner, max_size=3)
    if odd:
        return scalars | lists | lists.map(tuple) | objects | objects.map(types.MappingProxyType)
    return scalars | lists | objects


def plain_dumps(value):
    """What the codec wrote before it took JSON bodies apart itself: cattrs all the way."""
    converter = cattrs.Converter(
        unstruct_collection_overrides={_codec.Sequence: list, _codec.Mapping: dict}
    )
    converter.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    return json.dumps(converter.unstructure(value), ensure_ascii=False, separators=(",", ":"))


def written(dumps, value):
    """The text *dumps* writes, or the class of the error it raises."""
    try:
        return dumps(value)
    except TypeError as error:
        return type(error)


class TestOutboxBodies:
    @given(body=st.dictionaries(st.text(max_size=5), json_values(), max_size=4))
    def test_a_body_is_written_as_cattrs_wrote_it(self, body):
        """An outbox item's JSON text is the one cattrs alone gives, whatever its body holds."""
        item = OutboxItem(id="act-1", event="wamid.1", type="send", body=body, created_at=AT)
        assert written(plain_dumps, item) == written(_codec.dumps, item)

    @pytest.mark.parametrize(
        "odd", [{1, 2}, frozenset({"a"}), b"bytes", object(), [{"deep": {3}}]], ids=repr
    )
    def test_what_json_cannot_hold_is_refused(self, odd):
        """A body holding what JSON cannot is refused with TypeError, as cattrs alone refused it."""
        item = OutboxItem(id="act-1", event="wamid.1", type="send", body={"x": odd}, created_at=AT)
        assert TypeError is written(plain_dumps, item) is written(_codec.dumps, item)

    @given(body=st.dictionaries(st.text(max_size=5), json_values(odd=False), max_size=4))
    def test_a_plain_body_reads_back(self, body):
        """A body of plain JSON values comes back equal."""
        item = OutboxItem(id="act-1", event="wamid.1", type="send", body=body, created_at=AT)
        assert item == _codec.loads(_codec.dumps(item), OutboxItem)


def stored_before_stricter_titles(repeat):
    # The JSON of a conversation awaiting a menu whose second title differs
    # from the first only by *repeat*: titles an earlier convroute kept
    # apart, and today's comparison counts as one.
    menu = attrs.evolve(
        MENU,
        layout="buttons",
        options=[
            MenuOption(id="p-ai", title="AI", kind=OptionKind.PRODUCT, key="AI"),
            MenuOption(id="p-ai2", title="AI 2", kind=OptionKind.PRODUCT, key="AI 2"),
            MenuOption(id="other", title="Other queries", kind=OptionKind.OTHER_QUERIES),
        ],
    )
    data = _codec.unstructure(VALUES[1])
    data["menu"] = _codec.unstructure(menu)
    data["menu"]["options"][1]["title"] = f"AI{repeat}"
    return json.dumps(data)


class TestMenusStoredBefore:
    @pytest.mark.parametrize("repeat", ["\u200b", "\xad", "\u2061"])
    def test_a_stored_menu_with_titles_that_now_repeat_loads(self, repeat):
        """A menu stored when its titles were distinct loads; a later repeat gets a suffix."""
        conversation = _codec.loads(stored_before_stricter_titles(repeat), Conversation)

        titles = ["AI", f"AI{repeat} (2)", "Other queries"]
        assert titles == [o.title for o in conversation.menu.options]
        assert ["p-ai", "p-ai2", "other"] == [o.id for o in conversation.menu.options]

    def test_a_reply_to_it_picks_the_first_matching_title(self):
        """A typed title picks the first option it matches; a tap still picks by id."""
        menu = _codec.loads(stored_before_stricter_titles("\u200b"), Conversation).menu

        typed = interpret_reply(menu, text="ai\u200b")
        tapped = interpret_reply(menu, reply_id="p-ai2")

        assert ("p-ai", "p-ai2") == (typed.option.id, tapped.option.id)

    def test_a_new_menu_with_those_titles_is_still_refused(self):
        """Building a menu whose titles differ only by an ignorable character is refused."""
        data = json.loads(stored_before_stricter_titles("\u200b"))["menu"]
        options = [MenuOption(**{**o, "kind": OptionKind(o["kind"])}) for o in data["options"]]

        with pytest.raises(MenuError, match="repeats an earlier title"):
            attrs.evolve(MENU, layout="buttons", options=options)

    def test_a_stored_menu_with_another_problem_is_still_bad_state(self):
        """Only repeated titles are made distinct: a stored menu WhatsApp refuses is an error."""
        data = json.loads(stored_before_stricter_titles("\u200b"))
        data["menu"]["body"] = " "

        with pytest.raises(StoreError, match="cannot be read"):
            _codec.structure(data, Conversation)


@st.composite
def kept_values(draw):
    """A value of every kind the store's codec keeps, of any content."""
    menu = build_first_response(draw(menu_numbers()), draw(leads([])))
    _, records = draw(funnel_records())
    user = draw(users())
    conversation = Conversation(
        lead=LEAD,
        number=NUMBER,
        status=ConversationStatus.MENU,
        last_message_at=draw(aware_datetimes()),
        menu=menu,
        menu_sent_at=AT,
        held_before=("u-asha",),
    )
    return [
        conversation,
        *records,
        draw(opportunities(["u-asha"])),
        user,
        draw(leads(["u-asha"])),
        TurnRecord(pool="admin", assigned=(user.id,)),
    ]


# What no caller can change in place.
_FROZEN_LEAVES = (str, int, float, bool, type(None), dt.datetime, dt.tzinfo, enum.Enum)


def mutable_parts(value, path="value"):
    """Where *value* holds something a caller could change in place, by path."""
    if isinstance(value, _FROZEN_LEAVES):
        return []
    if isinstance(value, tuple | frozenset):
        return [p for i, item in enumerate(value) for p in mutable_parts(item, f"{path}[{i}]")]
    if isinstance(value, types.MappingProxyType):
        return [p for key, item in value.items() for p in mutable_parts(item, f"{path}[{key!r}]")]
    if attrs.has(type(value)) and type(value).__setattr__ is not object.__setattr__:
        return [
            p
            for field in attrs.fields(type(value))
            for p in mutable_parts(getattr(value, field.name), f"{path}.{field.name}")
        ]
    return [f"{path}: {type(value).__name__}"]


# Zones a host's times may come in: UTC, offsets plain and named, a zone
# with daylight saving time, and UTC as a zone.
WRITTEN_ZONES = (
    dt.UTC,
    IST,
    dt.timezone(dt.timedelta(hours=5, minutes=30), "IST"),
    dt.timezone(dt.timedelta(0), "GMT"),
    zoneinfo.ZoneInfo("America/New_York"),
    zoneinfo.ZoneInfo("UTC"),
)


def _in_zone(value, zone):
    """*value* with each of its aware times given in *zone*."""
    changes = {
        field.name: time.astimezone(zone)
        for field in attrs.fields(type(value))
        if isinstance(time := getattr(value, field.name), dt.datetime) and time.tzinfo
    }
    return attrs.evolve(value, **changes)


def _times_seen(value):
    """What the engine sees of *value*'s times: class, zone name, offset, a half-year on."""
    return {
        field.name: (
            type(time),
            time.tzname(),
            time.utcoffset(),
            time + dt.timedelta(days=183),
        )
        for field in attrs.fields(type(value))
        if isinstance(time := getattr(value, field.name), dt.datetime)
    }


class TestRecentValues:
    @given(values=kept_values())
    def test_what_is_kept_is_frozen_all_the_way_down(self, values):
        """Every kind kept holds nothing a caller could change, as written and as read."""
        for value in values:
            assert [] == mutable_parts(value)
            assert [] == mutable_parts(_codec.loads(_codec.dumps(value), type(value)))

    @given(values=kept_values())
    def test_a_value_written_reads_back_as_itself(self, values):
        """What the store wrote, read back as the same text, is the value it was given."""
        recent = _codec.RecentValues()
        texts = [recent.dumps(value) for value in values]

        assert texts == [_codec.dumps(value) for value in values]
        assert all(
            recent.loads(text, type(value)) is value
            for text, value in zip(texts, values, strict=True)
        )

    @given(values=kept_values(), script=st.lists(st.tuples(st.booleans(), st.integers(0, 99))))
    def test_reads_equal_the_codec_s(self, values, script):
        """Whatever was written or read before, in any order, a read gives what the codec reads."""

        class Small(_codec.RecentValues):
            MOST = 3

        recent = Small()
        for write, index in script:
            value = values[index % len(values)]
            text = _codec.dumps(value)
            if write:
                assert text == recent.dumps(value)
            else:
                assert _codec.loads(text, type(value)) == recent.loads(text, type(value))
            assert len(recent) <= Small.MOST

    def test_every_stored_kind_but_outbox_items_is_kept(self):
        """Every stored kind is kept but the outbox item; a menu, in its conversation."""
        stored = {type(value) for value in VALUES} - {Menu, OutboxItem}

        assert stored == set(_codec.RecentValues.KEPT)

    def test_a_text_read_twice_gives_one_value(self):
        """A text read again gives the value read the first time."""
        recent = _codec.RecentValues()
        text = _codec.dumps(VALUES[1])

        first = recent.loads(text, Conversation)

        assert first is recent.loads(text, Conversation)
        assert first is not _codec.loads(text, Conversation)

    def test_the_least_lately_used_goes_first(self):
        """Past `MOST`, the value neither written nor read for longest is forgotten."""

        class Small(_codec.RecentValues):
            MOST = 2

        recent = Small()
        asha, ben, chen = (User(id=f"u-{name}", name=name) for name in ("asha", "ben", "chen"))
        asha_text, ben_text = recent.dumps(asha), recent.dumps(ben)
        recent.loads(asha_text, User)
        recent.dumps(chen)

        assert 2 == len(recent)
        assert asha is recent.loads(asha_text, User)
        assert ben is not recent.loads(ben_text, User)

    def test_outbox_items_and_long_texts_are_not_kept(self):
        """An outbox item (its body a dict) and a text past `LONGEST` are read anew each time."""
        recent = _codec.RecentValues()
        item = VALUES[-1]
        long_lead = Lead(phone=LEAD, name="Ravi", fields={"notes": "x" * recent.LONGEST})

        item_text, lead_text = recent.dumps(item), recent.dumps(long_lead)

        assert 0 == len(recent)
        assert ["value.body: dict"] == mutable_parts(item)
        assert item == recent.loads(item_text, OutboxItem)
        assert item is not recent.loads(item_text, OutboxItem)
        assert long_lead is not recent.loads(lead_text, Lead)

    def test_bad_text_is_refused_every_time(self):
        """Text that cannot be read is refused, and refused again: nothing is kept of it."""
        recent = _codec.RecentValues()

        for _ in range(2):
            with pytest.raises(StoreError, match="a stored User cannot be read"):
                recent.loads('{"id": 1, "name": "Asha"}', User)
        assert 0 == len(recent)

    def test_a_time_in_a_zone_reads_back_as_its_text_does(self):
        """A conversation written at a zone's time reads back as its text does, a day on too."""
        recent = _codec.RecentValues()
        # New York's clocks go forward the next night.
        at = dt.datetime(2026, 3, 7, 12, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
        text = recent.dumps(attrs.evolve(VALUES[2], last_message_at=at))

        expected = _codec.loads(text, Conversation).last_message_at + dt.timedelta(days=1)
        actual = recent.loads(text, Conversation).last_message_at + dt.timedelta(days=1)

        assert expected == actual

    @given(value=st.sampled_from(VALUES[1:-1]), zone=st.sampled_from(WRITTEN_ZONES))
    def test_times_read_back_as_their_text_gives_them(self, value, zone):
        """Whatever zone a value's times were written in, a read gives them as the codec does."""
        recent = _codec.RecentValues()
        written = _in_zone(value, zone)
        text = recent.dumps(written)

        expected = _times_seen(_codec.loads(text, type(written)))
        actual = _times_seen(recent.loads(text, type(written)))

        assert expected == actual

    def test_threads_sharing_it_read_what_the_codec_reads(self):
        """Threads writing, reading and forgetting at once each read what the codec reads."""

        class Small(_codec.RecentValues):
            MOST = 4

        recent = Small()
        users = [User(id=f"u-{n}", name=f"User {n}") for n in range(12)]
        texts = [_codec.dumps(user) for user in users]
        wrong = []

        def work(offset):
            for step in range(600):
                index = (offset + step) % len(users)
                if step % 7 == 0:
                    recent.forget()
                elif step % 2:
                    recent.dumps(users[index])
                elif recent.loads(texts[index], User) != users[index]:
                    wrong.append(index)
                if len(recent) > Small.MOST:
                    wrong.append(-1)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert [] == wrong

    def test_forget_keeps_nothing(self):
        """After `forget`, nothing of what was kept is."""
        recent = _codec.RecentValues()
        text = recent.dumps(VALUES[1])

        recent.forget()

        assert 0 == len(recent)
        assert VALUES[1] is not recent.loads(text, Conversation)
