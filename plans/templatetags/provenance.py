"""{{ record|produced_by }}, {{ user|person_name }}, {{ entry|audit_actor }}: plans.provenance in templates."""

from django import template

from review import provenance

register = template.Library()

register.filter("produced_by", provenance.produced_by)
register.filter("person_name", provenance.person_name)
register.filter("audit_actor", provenance.audit_actor)
