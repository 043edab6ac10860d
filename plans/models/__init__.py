"""Places, bodies and the cascade of documents, with their tasks.

UI strings are Vietnamese source strings wrapped for translation (English in locale/en).
One module per part; every model is importable from plans.models.
"""

from plans.models.agencies import (  # noqa: F401
    Agency,
    AgencyKind,
    AgencySuccession,
    Membership,
    Role,
)
from plans.models.base import (  # noqa: F401
    SearchKeyMixin,
)
from plans.models.cascade import (  # noqa: F401
    BasisRelation,
    Document,
    DocumentBasis,
    DocumentKind,
    Recurrence,
    Task,
)
from plans.models.places import (  # noqa: F401
    AdministrativeUnit,
    AdminMap,
    UnitGroup,
    UnitGroupKind,
    UnitGroupMember,
    UnitLevel,
    UnitSuccession,
)
