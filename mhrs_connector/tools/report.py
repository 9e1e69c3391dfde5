import functools
import subprocess

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin


@functools.cache
def letterhead_in_body():
    """True when wkhtmltopdf cannot print Odoo's separate header (Debian's build, without patched Qt):
    the reports then print the hospital's letterhead at the top of the page themselves."""
    try:
        version = subprocess.run(  # noqa: S603 - fixed local binary, no user input
            [_get_wkhtmltopdf_bin(), "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return "patched qt" not in version
