"""
convroute: routing, menus and conversion tracking for WhatsApp CRMs.

Load an account's setup with `load_config` (a file) or `loads_config` (its
text); route conversations with `convroute.routing.resolve`.
"""

from convroute.config import Config, check_config, dump_config, load_config, loads_config
from convroute.errors import (
    ConfigError,
    ConvrouteError,
    MenuError,
    MissingExtraError,
    PhoneNumberError,
    ReplyError,
    StoreConflictError,
    StoreError,
    TextError,
    TimeRangeError,
    WebhookError,
)
from convroute.model import Lead, Opportunity, OpportunityType, Phone, User, normalize_phone


__all__ = [
    "Config",
    "ConfigError",
    "ConvrouteError",
    "Lead",
    "MenuError",
    "MissingExtraError",
    "Opportunity",
    "OpportunityType",
    "Phone",
    "PhoneNumberError",
    "ReplyError",
    "StoreConflictError",
    "StoreError",
    "TextError",
    "TimeRangeError",
    "User",
    "WebhookError",
    "check_config",
    "dump_config",
    "load_config",
    "loads_config",
    "normalize_phone",
]
