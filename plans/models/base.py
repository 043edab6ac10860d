"""What the models of plans share: a diacritic-free search key kept in step with named fields."""

from django.db import models

from plans.text import search_key


class SearchKeyMixin(models.Model):
    """Keeps `search_key` (diacritic-free) in step with the fields named in SEARCH_FIELDS."""

    SEARCH_FIELDS: tuple[str, ...] = ()
    search_key = models.TextField(editable=False, default="", db_index=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_key = search_key(*(str(getattr(self, f) or "") for f in self.SEARCH_FIELDS))
        super().save(*args, **kwargs)
