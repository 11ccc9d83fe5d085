"""Imports every domain's models so that `Base.metadata` knows the whole schema."""

from app import outbox  # noqa: F401
from app.accounts import models as accounts  # noqa: F401
from app.accounts import privacy_models as privacy  # noqa: F401
from app.admin import models as admin  # noqa: F401
from app.analytics import export_models as analytics_exports  # noqa: F401
from app.analytics import models as analytics  # noqa: F401
from app.analytics import rollup_models as analytics_rollups  # noqa: F401
from app.assessments import models as assessments  # noqa: F401
from app.catalog import models as catalog  # noqa: F401
from app.cms import models as cms  # noqa: F401
from app.commerce import models as commerce  # noqa: F401
from app.communication import models as communication  # noqa: F401
from app.db import Base
from app.learning import models as learning  # noqa: F401
from app.media import models as media  # noqa: F401
from app.notifications import models as notifications  # noqa: F401
from app.search import models as search  # noqa: F401
from app.webhooks import models as webhooks  # noqa: F401

metadata = Base.metadata
