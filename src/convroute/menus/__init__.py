"""
Menus: the auto-responses that ask a lead what a conversation is about.

For now this holds how a business number's menus are configured; building
and rendering them comes next.  Pure: no I/O, no clock.
"""

from convroute.menus._settings import (
    BusinessNumber,
    Display,
    FirstResponse,
    Product,
    SecondResponse,
)


__all__ = [
    "BusinessNumber",
    "Display",
    "FirstResponse",
    "Product",
    "SecondResponse",
]
