"""Shared pytest set-up of the repository (simulator, addon and soak tests)."""

import logging


class QuietTestFrameworkImport(logging.Filter):
    """pytest-odoo imports ``odoo.tests`` before it sets ``test_enable``, so Odoo logs its warning for
    business code importing the test framework as an ERROR with a stack; under pytest it is expected."""

    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(QuietTestFrameworkImport())
