"""
Service.forget: a lead erased from every store, its conversions still counted.
"""

import datetime as dt
import sqlite3

import attrs
import phonenumbers
import pytest

from convroute.config import load_config
from convroute.engine import IncomingMessage, OutgoingMessage, SetStage
from convroute.errors import PhoneNumberError
from convroute.funnel import cohort_report, funnel_progress, funnel_report
from convroute.menus import OptionKind, option_id
from convroute.model import Phone
from convroute.service import ForgetReport, Service
from convroute.state import ConversationStatus, OutboxStatus
from convroute.testing import MemoryStore, RecordingTransport
from example_account import EXAMPLE_PATH
from service.conftest import AT, NUMBER


CONFIG = load_config(EXAMPLE_PATH)
LEAD = Phone("919812345678")
OTHER = Phone("919800000002")
UNMAPPED = Phone("551140001234")
AI = option_id(OptionKind.PRODUCT, "AI")
# The digits that must be gone: the national significant number, and the whole E.164 number.
DIGITS = (str(phonenumbers.parse("+" + LEAD).national_number), LEAD)


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> dt.datetime:
        return self.now


class RefusingTransport(RecordingTransport):
    """A transport that refuses the items of the types in `refuse`, naming their lead."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: set[str] = set()

    def deliver(self, item):
        if item.type in self.refuse:
            raise ConnectionError(f"the CRM has no lead {item.lead}")
        super().deliver(item)


def at(minutes):
    return AT + dt.timedelta(minutes=minutes)


def lived(store, clock=None, account="default"):
    """
    LEAD's whole life on *store*: menus, routing, a funnel entry with a Meta event, a follow-up
    moving its enquiry, a second number, a tick reassigning it; items pending, sent and dead.
    """
    clock = clock or Clock()
    transport = RefusingTransport()
    once = Service(CONFIG, store, transport, clock=clock, max_attempts=1, account=account)
    service = Service(CONFIG, store, transport, clock=clock, account=account)
    transport.refuse = {"meta_event"}
    once.handle(
        IncomingMessage(
            id="wamid.1",
            at=at(0),
            lead=LEAD,
            number=NUMBER,
            text="Hi, I came from Instagram!",
            ctwa_clid="ARAkLkA8rmlFeiCktEJQ",
        )
    )
    transport.refuse = {"assign"}
    clock.now = at(1)
    service.handle(IncomingMessage(id="wamid.2", at=at(1), lead=LEAD, number=NUMBER, reply_id=AI))
    transport.refuse = set()
    clock.now = at(5)
    service.handle(
        OutgoingMessage(
            id="out.1",
            at=at(5),
            lead=LEAD,
            number=NUMBER,
            text="Thank you for scheduling with us! Your time is: 3:00 PM",
        )
    )
    clock.now = at(10)
    service.handle(IncomingMessage(id="wamid.3", at=at(10), lead=LEAD, number=NUMBER, text="Hi?"))
    clock.now = at(11)
    service.handle(IncomingMessage(id="wamid.4", at=at(11), lead=LEAD, number=UNMAPPED, text="Oi"))
    service.handle(IncomingMessage(id="wamid.5", at=at(11), lead=OTHER, number=NUMBER, text="Hi"))
    clock.now = at(50)
    transport.refuse = {"send"}
    report = service.tick(at(50))
    assert any(item.event.startswith(f"tick:{LEAD}:") for item in report.actions)
    return service, clock


def statuses(store):
    with store.unit_of_work() as uow:
        return {item.status for item in uow.outbox.items() if item.lead == LEAD}


def records(store):
    with store.unit_of_work() as uow:
        return list(uow.funnel_records.scan())


def reports(store):
    found = records(store)
    out = []
    for funnel in CONFIG.funnels:
        progress = funnel_progress(funnel, found)
        out.append(funnel_report(progress))
        out.append(cohort_report(progress, period="day", zone=dt.UTC))
    return out


class TestForget:
    def test_the_report_counts_what_went(self, store):
        """Lead, both conversations, the opportunity, every item of every status, and records."""
        service, _ = lived(store)
        with store.unit_of_work() as uow:
            items = [item for item in uow.outbox.items() if item.lead == LEAD]
            mine = [r for r in uow.funnel_records.scan() if r.lead == LEAD]
        assert {OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.DEAD} == statuses(store)

        report = service.forget(LEAD)

        expected = ForgetReport(
            leads=1,
            conversations=2,
            menus=0,
            opportunities=1,
            outbox=len(items),
            funnel_records=len(mine),
            token=report.token,
        )
        assert expected == report
        assert report.token.startswith("forgotten-")

    def test_nothing_of_the_lead_is_read_back(self, store):
        """Every repository answers as if the lead never wrote; the other lead keeps its own."""
        service, _ = lived(store)
        with store.unit_of_work() as uow:
            theirs = (uow.leads.get(OTHER), uow.conversations.for_lead(OTHER))

        service.forget(LEAD)

        with store.unit_of_work() as uow:
            found = (
                uow.leads.get(LEAD),
                uow.conversations.for_lead(LEAD),
                uow.opportunities.for_lead(LEAD),
                uow.funnel_records.for_lead(LEAD),
                [item.id for item in uow.outbox.items() if LEAD in repr(item)],
                (uow.leads.get(OTHER), uow.conversations.for_lead(OTHER)),
            )
        assert (None, (), (), (), [], theirs) == found

    def test_funnel_and_cohort_reports_count_the_same(self, store):
        """The conversion is still counted, under one token for all of the lead's records."""
        service, _ = lived(store)
        before = reports(store)

        report = service.forget(LEAD)

        leads = {record.lead for record in records(store)}
        assert (before, {report.token}) == (reports(store), leads)

    def test_record_ids_are_new_and_keep_their_order(self, store):
        """Each record gets a new id, no digest of the phone, in the order of the old ones."""
        service, _ = lived(store)
        old = sorted(records(store), key=lambda r: r.id)

        service.forget(LEAD)

        new = sorted(records(store), key=lambda r: r.id)
        assert not {r.id for r in old} & {r.id for r in new}
        assert [attrs.evolve(r, id="", lead="", ctwa_clid=None) for r in old] == [
            attrs.evolve(r, id="", lead="") for r in new
        ]

    def test_the_ad_click_goes_too(self, store):
        """The click id Meta can tie to the person is cleared from the records kept."""
        service, _ = lived(store)
        assert "ARAkLkA8rmlFeiCktEJQ" in {record.ctwa_clid for record in records(store)}

        service.forget(LEAD)

        assert {None} == {record.ctwa_clid for record in records(store)}

    def test_another_account_keeps_the_same_phone(self, store):
        """Forgetting a lead in one account leaves the same phone's lead in another as it was."""
        lived(store)
        acme, _ = lived(store, account="acme")

        def held(account):
            with store.unit_of_work(account) as uow:
                return (
                    uow.leads.get(LEAD),
                    tuple(uow.conversations.for_lead(LEAD)),
                    tuple(uow.funnel_records.for_lead(LEAD)),
                    tuple(uow.outbox.items()),
                )

        before = held("default")

        acme.forget(LEAD)

        lead, conversations, found, items = held("acme")
        assert (before, None, (), (), []) == (
            held("default"),
            lead,
            conversations,
            found,
            [item.id for item in items if item.lead == LEAD],
        )

    def test_a_later_message_starts_afresh(self, store):
        """The phone writes again: a new lead, the first menu, the funnel entered again."""
        service, clock = lived(store)
        service.forget(LEAD)
        transport = RecordingTransport()
        again = Service(CONFIG, store, transport, clock=clock)

        clock.now = at(60)
        handled = again.handle(
            IncomingMessage(
                id="wamid.9", at=at(60), lead=LEAD, number=NUMBER, text="Hi, I came from Instagram!"
            )
        )

        menu = handled.actions[-1].body
        assert ["enter_funnel", "send"] == [item.type for item in handled.actions]
        assert option_id(OptionKind.PRODUCT, "AI") in str(menu["message"])
        with store.unit_of_work() as uow:
            (conversation,) = uow.conversations.for_lead(LEAD)
        assert ConversationStatus.MENU == conversation.status

    def test_a_redelivered_message_stays_a_duplicate(self, store):
        """Processed ids are kept: Meta's redelivery of an old message changes nothing."""
        service, _ = lived(store)
        service.forget(LEAD)

        handled = service.handle(
            IncomingMessage(id="wamid.2", at=at(1), lead=LEAD, number=NUMBER, reply_id=AI)
        )

        assert handled.duplicate

    def test_the_claims_of_a_tick_s_sends_go_with_them(self, store):
        """A tick's send is claimed by an id derived from the phone: the claim goes too."""
        service, _ = lived(store)
        with store.unit_of_work() as uow:
            sends = [item for item in uow.outbox.items() if item.type == "send"]
        ticks = [item.id for item in sends if item.event.startswith("tick:")]
        events = [item.id for item in sends if item.lead == LEAD and item.id not in ticks]
        assert ticks
        assert events

        service.forget(LEAD)

        with store.unit_of_work() as uow:
            new = [uow.processed.claim(ident, at(60)) for ident in ticks + events]
        assert [True] * len(ticks) + [False] * len(events) == new

    def test_a_pending_menu_is_counted(self, service):
        """A lead awaiting its first menu's reply: its conversation and menu go."""
        service.handle(IncomingMessage(id="wamid.1", at=AT, lead=LEAD, number=NUMBER, text="Hi"))

        report = service.forget(LEAD)

        assert (1, 1, 1) == (report.leads, report.conversations, report.menus)

    def test_an_unknown_phone_counts_nothing(self, service):
        """A phone the store does not know: zero counts, no token."""
        assert ForgetReport() == service.forget("+91 98123 45678")

    @pytest.mark.parametrize(
        "typed", ["919812345678", "+91 98123 45678", "+91 (981) 234-5678", "0091 9812345678"]
    )
    def test_phones_are_taken_as_events_take_them(self, typed):
        """Digits as WhatsApp gives them, or typed with + or 00 and the country code."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
        service.handle(IncomingMessage(id="wamid.1", at=AT, lead=LEAD, number=NUMBER, text="Hi"))

        assert 1 == service.forget(typed).leads

    @pytest.mark.parametrize(
        "typed", ["", "not a phone", "+91 98", "forgotten-0123", "12", "1234567", "+1234567"]
    )
    def test_what_is_no_phone_is_refused(self, typed):
        """Text that is no phone raises PhoneNumberError, a ValueError, and removes nothing."""
        store = MemoryStore()
        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)

        with pytest.raises(PhoneNumberError):
            service.forget(typed)
        assert 0 == store.committed

    def test_a_lead_of_a_country_with_7_digit_numbers_can_be_forgotten(self):
        """A Niue lead (wa_id 6834002) is forgotten by its number as typed, or by its digits."""
        for typed in ("+683 4002", "6834002"):
            service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)
            niue = IncomingMessage(id="wamid.1", at=AT, lead="6834002", number=NUMBER, text="Hi")
            service.handle(niue)

            assert 1 == service.forget(typed).leads, typed

    def test_digits_too_few_for_a_full_number_say_so(self):
        """Service.forget("12") is refused as the command is: naming the count and country code."""
        service = Service(CONFIG, MemoryStore(), RecordingTransport(), clock=lambda: AT)

        with pytest.raises(PhoneNumberError) as caught:
            service.forget("12")

        expected = (
            "not a phone number '12': it has 2 digits, fewer than a full international "
            "number's 8: give it with its country code"
        )
        assert expected == str(caught.value)

    def test_a_manual_move_id_no_longer_leads_to_the_phone(self, store):
        """A record of a guessable event id gets a random id: no digest of the phone is kept."""
        from convroute._ids import transition_id

        service = Service(CONFIG, store, RecordingTransport(), clock=lambda: AT)
        service.handle(
            IncomingMessage(
                id="wamid.1", at=AT, lead=LEAD, number=NUMBER, text="I came from Instagram"
            )
        )
        service.handle(SetStage(id="move-1", at=AT, funnel="Sales", lead=LEAD, stage="Scheduling"))
        guess = transition_id("move-1", "Sales", LEAD)
        with store.unit_of_work() as uow:
            assert uow.funnel_records.get(guess) is not None

        service.forget(LEAD)

        with store.unit_of_work() as uow:
            assert uow.funnel_records.get(guess) is None


class TestOutboxLeads:
    def test_every_item_names_its_lead(self, store):
        """Items written by events and ticks carry their lead, Meta events and board moves too."""
        lived(store)

        with store.unit_of_work() as uow:
            items = list(uow.outbox.items())

        assert [] == [item.type for item in items if item.lead is None]
        assert {"meta_event", "move_opportunity"} <= {
            item.type for item in items if item.lead == LEAD
        }


class ForgettingTransport(RecordingTransport):
    """A transport whose CRM asks to forget the lead while its first item is delivered."""

    def __init__(self, fail=False):
        super().__init__()
        self.service = None
        self.fail = fail

    def deliver(self, item):
        if self.service is not None and item.lead == LEAD:
            service, self.service = self.service, None
            service.forget(LEAD)
            if self.fail:
                raise ConnectionError("the CRM refused it")
        super().deliver(item)


class TestForgetWhileDelivering:
    @pytest.mark.parametrize("fail", [False, True], ids=["delivered", "refused"])
    def test_the_dispatcher_goes_on(self, store, fail):
        """An item whose lead is forgotten mid-delivery is passed over; the rest are delivered."""
        transport = ForgettingTransport(fail=fail)
        service = Service(CONFIG, store, transport, clock=lambda: AT)
        mine = service.handle(
            IncomingMessage(id="wamid.1", at=AT, lead=LEAD, number=NUMBER, text="Hi")
        )
        theirs = service.handle(
            IncomingMessage(id="wamid.2", at=AT, lead=OTHER, number=NUMBER, text="Hi")
        )
        with store.unit_of_work() as uow:
            uow.outbox.add(
                [
                    attrs.evolve(mine.actions[0], id="mine-again", status=OutboxStatus.PENDING),
                    attrs.evolve(theirs.actions[0], id="theirs-again", status=OutboxStatus.PENDING),
                ]
            )
        transport.service = service

        report = service.dispatch_pending()

        with store.unit_of_work() as uow:
            left = {item.id: (item.lead, item.status) for item in uow.outbox.items()}
        sent = ("mine-again", "theirs-again") if not fail else ("theirs-again",)
        assert (sent, ["mine-again"] if fail else []) == (
            report.sent,
            [item for item, _ in report.failed],
        )
        assert {(OTHER, OutboxStatus.SENT)} == set(left.values())

    def test_an_item_gone_at_its_last_attempt_is_not_reported_dead(self, store):
        """Refused at its last attempt as its lead was forgotten, an item is failed, never dead."""
        transport = ForgettingTransport(fail=True)
        service = Service(CONFIG, store, transport, clock=lambda: AT, max_attempts=1)
        mine = service.handle(
            IncomingMessage(id="wamid.1", at=AT, lead=LEAD, number=NUMBER, text="Hi")
        )
        with store.unit_of_work() as uow:
            uow.outbox.add(
                [attrs.evolve(mine.actions[0], id="mine-again", status=OutboxStatus.PENDING)]
            )
        transport.service = service

        report = service.dispatch_pending()

        with store.unit_of_work() as uow:
            left = list(uow.outbox.items())
        assert ((), ["mine-again"], (), []) == (
            report.sent,
            [item for item, _ in report.failed],
            report.dead,
            left,
        )


class TestNoDigitsLeft:
    """After forget, the phone's digits appear nowhere in the store."""

    def test_memory_state(self):
        """Nothing the memory store holds names the phone."""
        store = MemoryStore()
        service, _ = lived(store)
        assert any(d in dump_memory(store) for d in DIGITS)

        service.forget(LEAD)

        assert [] == [d for d in DIGITS if d in dump_memory(store)]
        assert OTHER in dump_memory(store)

    def test_every_sqlite_table_and_the_file(self, tmp_path):
        """Every column of every table, as text, and the file's bytes once the log is copied in."""
        from convroute.adapters import SQLiteStore

        path = tmp_path / "convroute.db"
        with SQLiteStore(path) as store:
            service, _ = lived(store)
            assert any(d in dump_sqlite(path) for d in DIGITS)

            assert any(d in kept(store) for d in DIGITS)

            service.forget(LEAD)

            assert [] == [d for d in DIGITS if d in dump_sqlite(path)]
            assert [] == [d for d in DIGITS if d in kept(store)]
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = path.read_bytes()
        assert [] == [d for d in DIGITS if d.encode() in data]
        assert OTHER.encode() in data

    @pytest.mark.postgres
    def test_every_postgres_table(self, request):
        """Every column of every table of the store's schema, as text."""
        from convroute.adapters.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("new_postgres_schema")()
        with PostgresStore(url, schema=schema) as store:
            service, _ = lived(store)
            assert any(d in dump_postgres(url, schema) for d in DIGITS)

            assert any(d in kept(store) for d in DIGITS)

            service.forget(LEAD)

            left = dump_postgres(url, schema)
            assert [] == [d for d in DIGITS if d in kept(store)]
        assert [] == [d for d in DIGITS if d in left]
        assert OTHER in left


def kept(store):
    # The texts the store's codec keeps in memory, with their values.
    return "\n".join(f"{text}\n{value!r}" for (_, text), value in store._values._values.items())


# One row of each kind the lead has, made unreadable: bad JSON, or a value of the wrong shape that
# still holds the phone.  The outbox's is a tick's send, whose claim must go with it.
SQLITE_DAMAGE = (
    "UPDATE leads SET data = '{' WHERE phone = :lead",
    "UPDATE conversations SET data = 'not json' WHERE lead = :lead AND number = :number",
    "UPDATE opportunities SET data = json_set(data, '$.name', 42) WHERE lead = :lead",
    (
        "UPDATE outbox SET data = json_set(data, '$.created_at', 7) WHERE seq = ("
        "SELECT min(seq) FROM outbox WHERE lead = :lead AND json_extract(data, '$.type') = 'send' "
        "AND json_extract(data, '$.event') LIKE 'tick:%')"
    ),
    (
        "UPDATE funnel_records SET data = json_set(data, '$.at', 'then') WHERE seq = ("
        "SELECT min(seq) FROM funnel_records WHERE lead = :lead)"
    ),
)
POSTGRES_DAMAGE = (
    "UPDATE {s}.leads SET data = '{{' WHERE phone = %(lead)s",
    "UPDATE {s}.conversations SET data = 'not json' WHERE lead = %(lead)s AND number = %(number)s",
    (
        "UPDATE {s}.opportunities SET data = jsonb_set(data::jsonb, '{{name}}', '42')::text "
        "WHERE lead = %(lead)s"
    ),
    (
        "UPDATE {s}.outbox SET data = jsonb_set(data::jsonb, '{{created_at}}', '7')::text "
        "WHERE seq = (SELECT min(seq) FROM {s}.outbox WHERE lead = %(lead)s "
        "AND data::jsonb ->> 'type' = 'send' AND data::jsonb ->> 'event' LIKE 'tick:%%')"
    ),
    (
        "UPDATE {s}.funnel_records SET data = jsonb_set(data::jsonb, '{{at}}', '\"then\"')::text "
        "WHERE seq = (SELECT min(seq) FROM {s}.funnel_records WHERE lead = %(lead)s)"
    ),
)


def damage_sqlite(path):
    with sqlite3.connect(path) as connection:
        for statement in SQLITE_DAMAGE:
            assert 1 == connection.execute(statement, {"lead": LEAD, "number": NUMBER}).rowcount
    connection.close()


def damage_postgres(url, schema):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        for statement in POSTGRES_DAMAGE:
            done = connection.execute(
                statement.format(s=f'"{schema}"'), {"lead": LEAD, "number": NUMBER}
            )
            assert 1 == done.rowcount


def lead_rows(store):
    """How many conversations, opportunities, outbox items and funnel records LEAD has."""
    with store.unit_of_work() as uow:
        return (
            len(uow.conversations.for_lead(LEAD)),
            len(uow.opportunities.for_lead(LEAD)),
            sum(item.lead == LEAD for item in uow.outbox.items()),
            len(uow.funnel_records.for_lead(LEAD)),
        )


def tick_sends(store):
    with store.unit_of_work() as uow:
        return [
            item.id
            for item in uow.outbox.items()
            if item.lead == LEAD and item.type == "send" and item.event.startswith("tick:")
        ]


def damaged_store(kind, tmp_path, request):
    """A store LEAD lived in, one row of each kind of LEAD's made unreadable, and its dump."""
    if kind == "sqlite":
        from convroute.adapters import SQLiteStore

        path = tmp_path / "convroute.db"
        store = SQLiteStore(path)
        return store, lambda: damage_sqlite(path), lambda: dump_sqlite(path)
    from convroute.adapters.postgres import PostgresStore

    url = request.getfixturevalue("postgres_url")
    schema = request.getfixturevalue("new_postgres_schema")()
    store = PostgresStore(url, schema=schema)
    return store, lambda: damage_postgres(url, schema), lambda: dump_postgres(url, schema)


class TestForgetUnreadableRows:
    """A row of the lead that cannot be read is removed with the rest, and counted apart."""

    @pytest.mark.parametrize(
        "kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    )
    def test_every_row_goes_and_the_unread_are_counted(self, kind, tmp_path, request, caplog):
        """One unreadable row of each kind: all removed, four counted unread, no digits left."""
        store, damage, dump = damaged_store(kind, tmp_path, request)
        with store:
            service, _ = lived(store)
            conversations, opportunities, items, records = lead_rows(store)
            (tick,) = tick_sends(store)
            damage()
            caplog.clear()

            with caplog.at_level("INFO", logger="convroute"):
                report = service.forget(LEAD)

            left = dump()
            with store.unit_of_work() as uow:
                claimed_again = uow.processed.claim(tick, at(60))
        expected = ForgetReport(
            leads=1,
            conversations=conversations - 1,
            menus=0,
            opportunities=opportunities - 1,
            outbox=items - 1,
            funnel_records=records - 1,
            unread=4,
            token=report.token,
        )
        (logged,) = [r for r in caplog.records if r.name == "convroute.service"]
        assert (expected, [], True) == (report, [d for d in DIGITS if d in left], OTHER in left)
        assert claimed_again
        assert ("WARNING", 4) == (logged.levelname, logged.convroute["unread"])
        assert "4 rows removed unread" in logged.getMessage()
        assert [] == [d for d in DIGITS if d in logged.getMessage()]

    def test_a_lead_without_unreadable_rows_logs_at_info(self, service, caplog):
        """The usual erasure is one INFO record, counting no row unread."""
        service.handle(IncomingMessage(id="wamid.1", at=AT, lead=LEAD, number=NUMBER, text="Hi"))
        caplog.clear()

        with caplog.at_level("INFO", logger="convroute"):
            report = service.forget(LEAD)

        (logged,) = [r for r in caplog.records if r.name == "convroute.service"]
        assert (0, "INFO", 0) == (report.unread, logged.levelname, logged.convroute["unread"])


def dump_memory(store):
    return "\n".join(
        repr(getattr(state, name))
        for state in store._accounts.values()
        for name in type(state).__slots__
    )


def dump_sqlite(path):
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        lines = [
            repr(row)
            for table in tables
            for row in connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - its own names
        ]
    finally:
        connection.close()
    return "\n".join(lines)


def dump_postgres(url, schema):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        ]
        assert {"leads", "outbox", "funnel_records", "processed_events"} <= set(tables)
        return "\n".join(
            text
            for table in tables
            for (text,) in connection.execute(
                f'SELECT t::text FROM "{schema}"."{table}" AS t'  # noqa: S608 - its own names
            )
        )
