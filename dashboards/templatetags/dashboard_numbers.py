"""`{{ value|so }}`: a number the Vietnamese way (1.500.000 ; 1,84), as everywhere in the app;
`{{ value|so_don_vi:unit }}`: with its unit as the dashboards write it (2,2% ; 1.234 hộ)."""

from django import template

from plans.text import format_number

register = template.Library()


@register.filter
def so(value, decimals: int = 2) -> str:
    if value is None or value == "":
        return ""
    return format_number(value, int(decimals))


@register.filter
def so_don_vi(value, unit: str) -> str:
    from dashboards.figures import number_text  # the figures import the models; filters load early

    if value is None or value == "":
        return ""
    return number_text(value, unit)
