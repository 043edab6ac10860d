from django import forms

from notifications.models import Delivery, Kind


class PreferenceForm(forms.Form):
    """One choice per kind of notification: at once by email, in the daily digest, or in the app only."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, initial=current.get(kind.value, Delivery.INSTANT),
                widget=forms.RadioSelect,
            )
