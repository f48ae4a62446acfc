"""
Menus: the auto-responses that ask a lead what a conversation is about.

`build_first_response` asks which product; `build_second_response` asks
which of the lead's opportunities.  Both mail-merge the number's templates
and fit every text to WhatsApp's limits; `render_menu` gives the Cloud API
message body and `interpret_reply` reads the lead's answer.  A number's
messages to the lead, `build_away_message` and `build_assigned_message`,
are merged the same way and rendered by `render_text`.  A bot builds its
own menus from plain strings with `simple_menu`.  Pure: no I/O, no clock.
"""

from convroute.errors import MenuError
from convroute.menus._build import (
    NumberMenus,
    build_first_response,
    build_second_response,
    option_id,
    with_hint,
)
from convroute.menus._fit import fit_text
from convroute.menus._languages import fallback_chain
from convroute.menus._lead_messages import (
    LeadMessages,
    build_assigned_message,
    build_away_message,
)
from convroute.menus._match import (
    NumberMatch,
    by_recency,
    latest_match,
    matching_opportunities,
    opportunity_matches,
)
from convroute.menus._merge import LEAD_FIELDS, merge_template
from convroute.menus._model import Menu, MenuKind, MenuOption, OptionKind, distinct_titles
from convroute.menus._render import render_menu, render_text
from convroute.menus._reply import (
    InvalidReason,
    InvalidReply,
    MatchedBy,
    ReplyOutcome,
    Selected,
    interpret_reply,
)
from convroute.menus._settings import (
    FALLBACK_NUMBER,
    FALLBACK_OPTION,
    REPROMPT_HINT,
    BusinessNumber,
    Display,
    FirstResponse,
    FirstResponseTranslation,
    NumberTranslation,
    Product,
    ProductTranslation,
    SecondResponse,
    SecondResponseTranslation,
    Texts,
    TextsTranslation,
)
from convroute.menus._simple import simple_menu
from convroute.menus._templates import find_template_problems, translation_path


__all__ = [
    "FALLBACK_NUMBER",
    "FALLBACK_OPTION",
    "LEAD_FIELDS",
    "REPROMPT_HINT",
    "BusinessNumber",
    "Display",
    "FirstResponse",
    "FirstResponseTranslation",
    "InvalidReason",
    "InvalidReply",
    "LeadMessages",
    "MatchedBy",
    "Menu",
    "MenuError",
    "MenuKind",
    "MenuOption",
    "NumberMatch",
    "NumberMenus",
    "NumberTranslation",
    "OptionKind",
    "Product",
    "ProductTranslation",
    "ReplyOutcome",
    "SecondResponse",
    "SecondResponseTranslation",
    "Selected",
    "Texts",
    "TextsTranslation",
    "build_assigned_message",
    "build_away_message",
    "build_first_response",
    "build_second_response",
    "by_recency",
    "distinct_titles",
    "fallback_chain",
    "find_template_problems",
    "fit_text",
    "interpret_reply",
    "latest_match",
    "matching_opportunities",
    "merge_template",
    "opportunity_matches",
    "option_id",
    "render_menu",
    "render_text",
    "simple_menu",
    "translation_path",
    "with_hint",
]
