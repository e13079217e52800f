"""Security suite: reuses the integration fixtures (organisation, pending, active)."""

from tests.integration.conftest import active, organisation, pending  # noqa: F401
