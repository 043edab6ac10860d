"""`{{ value|so }}`: a number the Vietnamese way (1.500.000 ; 1,84), as everywhere in the app."""

from django import template

from plans.text import format_number

register = template.Library()


@register.filter
def so(value, decimals: int = 2) -> str:
    if value is None or value == "":
        return ""
    return format_number(value, int(decimals))
