"""
A config compiled for the engine: lookup tables built once, not per event.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from convroute.config import Config
from convroute.funnel import FunnelTracker, OpportunityBoard
from convroute.menus import BusinessNumber, LeadMessages, NumberMenus, Product
from convroute.model import OpportunityType, Phone, User
from convroute.routing import ChatGroup, RoutingRule, Schedule


@attrs.frozen(eq=False)
class Compiled:
    """
    The lookup tables of one config.

    Attributes:
        config: The config.
        tracker: Its funnels, compiled.
        board: Its opportunity types' boards.
        numbers: Its business numbers, by number.
        rules: Its routing rules, by name.
        groups: Its chat groups, by name.
        users: Its users, by id, in listed order.
        types: Its opportunity types, by name.
        products: Each number's products by label (the first of a label).
        menus: Each number's menus, their shared parts worked out.
        lead_messages: Each number's messages to the lead, parsed.
        schedules: Its schedules, by name.
    """

    config: Config
    tracker: FunnelTracker
    board: OpportunityBoard
    numbers: Mapping[Phone, BusinessNumber]
    rules: Mapping[str, RoutingRule]
    groups: Mapping[str, ChatGroup]
    users: Mapping[str, User]
    types: Mapping[str, OpportunityType]
    products: Mapping[Phone, Mapping[str, Product]] = attrs.field(factory=dict)
    menus: Mapping[Phone, NumberMenus] = attrs.field(factory=dict)
    lead_messages: Mapping[Phone, LeadMessages] = attrs.field(factory=dict)
    schedules: Mapping[str, Schedule] = attrs.field(factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> Compiled:
        """
        Compile *config*.
        """
        return cls(
            config=config,
            tracker=FunnelTracker.from_funnels(config.funnels),
            board=OpportunityBoard.from_types(config.opportunity_types),
            numbers={number.number: number for number in config.numbers},
            rules={rule.name: rule for rule in config.routing_rules},
            groups={group.name: group for group in config.chat_groups},
            users={user.id: user for user in config.users},
            types={kind.name: kind for kind in config.opportunity_types},
            products={number.number: _by_label(number) for number in config.numbers},
            menus={
                number.number: NumberMenus(number, config.lead_fields, config.texts)
                for number in config.numbers
            },
            lead_messages={
                number.number: LeadMessages(number, config.lead_fields) for number in config.numbers
            },
            schedules={schedule.name: schedule for schedule in config.schedules},
        )

    def product(self, number: BusinessNumber, label: str | None) -> Product | None:
        """
        The number's product with this label, or ``None``.
        """
        if self.numbers.get(number.number) is number:
            # One of the config's numbers: its products by label are at hand.
            return self.products[number.number].get(label) if label is not None else None
        return next((p for p in number.products if p.label == label), None)

    def menus_of(self, number: BusinessNumber) -> NumberMenus:
        """
        The menus of *number*: the config's own when it is one of its numbers.
        """
        menus = self.menus.get(number.number)
        if menus is not None and menus.number is number:
            return menus
        return NumberMenus(number, self.config.lead_fields, self.config.texts)

    def messages_of(self, number: BusinessNumber) -> LeadMessages:
        """
        The messages to the lead of *number*: the config's own when it is one of its numbers.
        """
        messages = self.lead_messages.get(number.number)
        if messages is not None and messages.number is number:
            return messages
        return LeadMessages(number, self.config.lead_fields)

    def all_users(self, runtime: Mapping[str, User]) -> Mapping[str, User]:
        """
        The config's users with those the host reported at run time.

        Users reported at run time replace config users of the same id, in
        their place.
        """
        if not runtime:
            return self.users
        return {**self.users, **runtime}

    def knows_user(self, user: str, runtime: Mapping[str, User]) -> bool:
        """
        Whether *user* is among `all_users` (*runtime* read only when the config lacks them).
        """
        return user in self.users or user in runtime


def _by_label(number: BusinessNumber) -> dict[str, Product]:
    # The first product of each label, as a search in order finds it.
    products: dict[str, Product] = {}
    for product in number.products:
        products.setdefault(product.label, product)
    return products
