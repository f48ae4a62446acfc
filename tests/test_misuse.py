import pytest

from convroute.config import Config
from convroute.funnel import MetaCustomData
from convroute.model import OpportunityType, User
from convroute.routing import Availability, ChatGroup, RoutingRule, TurnRecord


class TestBareStringForIds:
    def test_group_members(self):
        """A group given one string for its members (a missing comma) is refused."""
        with pytest.raises(TypeError, match=r"single str 'u-asha'"):
            ChatGroup(name="Sales", members=("u-asha"))

    def test_group_members_as_tuple(self):
        """A one-member group written with its comma keeps its one member."""
        assert ("u-asha",) == ChatGroup(name="Sales", members=("u-asha",)).members

    def test_rule_targets(self):
        """A rule given one string for its targets is refused, not split into letters."""
        with pytest.raises(TypeError, match=r"sequence of targets, got the single str 'admin'"):
            RoutingRule(name="Desk", targets="admin")  # type: ignore[arg-type]

    def test_turn_record(self):
        """A turn record given one string for its assigned members is refused."""
        with pytest.raises(TypeError):
            TurnRecord(pool="admin", assigned="u-asha")  # type: ignore[arg-type]

    def test_opportunity_stages(self):
        """An opportunity type given one string for its stages is refused."""
        with pytest.raises(TypeError):
            OpportunityType(name="Course", stages="Enrolled")

    def test_opportunity_field_choices(self):
        """A dropdown field given one string for its choices is refused."""
        with pytest.raises(TypeError):
            OpportunityType(name="Course", fields={"intake": "January"})

    def test_config_lead_fields(self):
        """A config given one string for its lead fields is refused."""
        with pytest.raises(TypeError):
            Config(lead_fields="city")

    def test_content_ids(self):
        """Meta content given one string for its ids is refused."""
        with pytest.raises(TypeError):
            MetaCustomData(content_ids="sku-1")


class TestUsersByWrongKey:
    def test_key_not_the_id(self):
        """A users mapping keyed by something other than the users' ids is refused."""
        with pytest.raises(ValueError, match="u-meera"):
            Availability(users={"Meera": User(id="u-meera", name="Meera")})

    def test_keyed_by_id(self):
        """A users mapping keyed by the users' ids is taken as it is."""
        users = {"u-meera": User(id="u-meera", name="Meera")}
        assert users is Availability(users=users).users
