"""Places, bodies and the cascade of documents, with their tasks.

UI strings are Vietnamese source strings wrapped for translation (English in locale/en).
One module per part; every model is importable from plans.models.
"""

from plans.models.base import (  # noqa: F401
    SearchKeyMixin,
)
from plans.models.places import (  # noqa: F401
    AdminMap,
    UnitLevel,
    AdministrativeUnit,
    UnitSuccession,
    UnitGroupKind,
    UnitGroup,
    UnitGroupMember,
)
from plans.models.agencies import (  # noqa: F401
    AgencyKind,
    Agency,
    AgencySuccession,
    Role,
    Membership,
)
from plans.models.cascade import (  # noqa: F401
    DocumentKind,
    Document,
    BasisRelation,
    DocumentBasis,
    Recurrence,
    Task,
)
