"""The register's work on the job queue (jobs/): recomputing a year's figures, and every year's nightly."""

from django_tasks import task

from households.models import HouseholdReview
from reporting import obligations


def _recompute(year: int) -> dict:
    from households.recompute import recompute_register  # the heavy module, loaded by the worker only

    result = recompute_register(year=year)
    obligations.refresh(year=year)  # register figures are review results some regimes ask for
    return {
        "year": year, "households": result.households, "units": result.units,
        "actuals_created": result.actuals_created, "actuals_updated": result.actuals_updated,
    }


@task()
def recompute_register_year(year: int) -> dict:
    """One year's register figures and register-sourced actuals (what `recompute_register YEAR` does)."""
    return _recompute(year)


@task()
def recompute_register_nightly() -> list[dict]:
    """Every year that has reviews, in order: the nightly periodic task (jobs.schedule)."""
    years = HouseholdReview.objects.order_by("year").values_list("year", flat=True).distinct()
    return [_recompute(year) for year in years]
