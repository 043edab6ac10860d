"""`{{ code|chuan_ngheo }}`: a poverty standard's short name ("chuẩn 2022–2025"), "" for none."""

from django import template

register = template.Library()


@register.filter
def chuan_ngheo(code) -> str:
    from indicators.poverty_standards import display_name  # reads the standards once per process

    return display_name(code or "")


@register.filter
def chuan_ngheo_nam(year) -> str:
    """The short name of the standard in force in `year` (a figure entered with no standard takes it)."""
    from indicators.poverty_standards import cached, display_name

    try:
        return display_name(cached().in_force(int(year)))
    except (TypeError, ValueError):
        return ""
