import datetime as dt
import pathlib

from convroute.config import load_config
from convroute.funnel import (
    FunnelMessage,
    FunnelTracker,
    OpportunityBoard,
    OpportunityMove,
    current_position,
    move_opportunities,
)
from convroute.model import Opportunity, Phone


CONFIG = load_config(pathlib.Path(__file__).parents[2] / "examples" / "account.toml")
LEAD = Phone("919800000001")
NUMBER = Phone("918040001234")
AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))


class TestSeedExample:
    def test_instagram_lead_is_scheduled_and_its_enquiry_follows(self):
        """The seed's story: entry from Instagram, scheduling, the enquiry moves, Applied stays."""
        tracker = FunnelTracker.from_funnels(CONFIG.funnels)
        board = OpportunityBoard.from_types(CONFIG.opportunity_types)

        (entry,) = tracker.incoming(
            FunnelMessage(
                id="wamid.1",
                lead=LEAD,
                number=NUMBER,
                text="Hi, I came from Instagram and wanted to know more about the product!",
                at=AT,
            ),
            [],
        )
        records = [entry.transition]
        assert ("Lead Entry", "Instagram", AT) == (
            entry.transition.to_stage,
            entry.transition.source,
            entry.transition.at,
        )

        (scheduled,) = tracker.outgoing(
            FunnelMessage(
                id="out.1",
                lead=LEAD,
                number=NUMBER,
                text="Thank you for scheduling with us! Your time is: 3:00 PM",
                at=AT + dt.timedelta(minutes=4),
            ),
            records,
        )
        records.append(scheduled.transition)
        assert "Scheduling" == current_position(records, "Sales", LEAD).stage

        enquiry = Opportunity(id="opp-1", type="Postgraduate Course", stage="Enquiry")
        applied = Opportunity(id="opp-2", type="Postgraduate Course", stage="Applied")
        assert (
            OpportunityMove(opportunity="opp-1", from_stage="Enquiry", to_stage="Scheduling"),
        ) == move_opportunities(board, scheduled.transition, [enquiry, applied])
