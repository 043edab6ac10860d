"""{% unit_group_memberships unit as memberships %}: the groups a unit (or a unit it took over) is in."""

from django import template

from plans.unit_groups import groups_of_unit

register = template.Library()


@register.simple_tag
def unit_group_memberships(unit):
    return list(groups_of_unit(unit))
