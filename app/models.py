"""Imports every domain's models so that `Base.metadata` knows the whole schema."""

from app.accounts import models as accounts  # noqa: F401
from app.notifications import models as notifications  # noqa: F401
from app import outbox  # noqa: F401
from app.db import Base

metadata = Base.metadata
