"""`{{ chart|nonced:request.csp_nonce }}`: the request's CSP nonce on the <script> tags of chart HTML.

Only for HTML the server built itself (plotly's figure.to_html), never for user input: it marks
the result safe.
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


@register.filter
def nonced(html: str, nonce) -> str:
    return mark_safe(SCRIPT_TAG.sub(f'<script nonce="{escape(str(nonce))}"', str(html)))
