"""
WhatsApp's limits on messages, in one place.

Meta rejects an over-limit message whole (error ``#131009``), so these are
enforced both when a configuration is checked and when a menu is rendered;
the webhook reader takes the text body's limit from here too.  Lengths
count code points.
"""

from typing import Final


MAX_BUTTONS: Final = 3
"""
Reply buttons in one message.
"""
MAX_BUTTON_TITLE: Final = 20
MAX_BUTTON_ID: Final = 256

MAX_LIST_ROWS: Final = 10
"""
Rows in one list message, across all its sections.
"""
MAX_LIST_SECTIONS: Final = 10
MAX_LIST_BUTTON: Final = 20
MAX_ROW_TITLE: Final = 24
MAX_ROW_DESCRIPTION: Final = 72
MAX_ROW_ID: Final = 200
MAX_SECTION_TITLE: Final = 24

MAX_HEADER_TEXT: Final = 60
MAX_BODY_TEXT: Final = 1024
MAX_FOOTER_TEXT: Final = 60

MAX_TEXT_BODY: Final = 4096
"""
The longest text message body WhatsApp carries, in characters.
"""

MAX_MENU_OPTIONS: Final = MAX_LIST_ROWS
"""
The most options any menu can show: a list's rows.
"""

MAX_OPTION_ID: Final = min(MAX_BUTTON_ID, MAX_ROW_ID)
"""
The longest option id that fits both layouts, so that an option keeps its id
whether its menu shows as buttons or as a list.
"""

MAX_PHONE_NUMBER_ID: Final = 64
"""
The most digits convroute takes in a number's ``phone_number_id``: Meta's
have 15 or 16; room to spare, not a text.
"""


def is_phone_number_id(text: str) -> bool:
    """
    Whether *text* can be a ``phone_number_id``: ASCII digits, not too many.

    A transport writes it into a URL path: the one rule of the config
    check, the webhook reader and the events.
    """
    return 0 < len(text) <= MAX_PHONE_NUMBER_ID and text.isascii() and text.isdecimal()
