"""The buttons that only open something (smart buttons, the Status page's counters, Refresh, Open
Record, View Blocks) and the exception's Cancel, pressed on a record as the form presses them: every
object button of the form is found in its view, not listed by hand."""

from lxml import etree

from odoo.tests import tagged

from .appointment_common import AppointmentCase
from .test_exception import ExceptionCase

NAVIGATION = ("action_open_", "action_view_", "action_refresh")


def form_buttons(record):
    """The object buttons of ``record``'s form view that only open something."""
    arch = etree.fromstring(record.get_view(view_type="form")["arch"])
    names = {button.get("name") for button in arch.xpath("//button[@type='object']")}
    return sorted(name for name in names if name.startswith(NAVIGATION))


@tagged("post_install", "-at_install")
class TestOpenButtons(AppointmentCase):
    def assertOpens(self, record, name):
        action = getattr(record, name)()
        self.assertEqual(action["type"], "ir.actions.act_window", name)
        # What the action shows can be read as the web client reads it.
        self.env[action["res_model"]].search(action.get("domain") or [], limit=1)

    def test_every_navigation_button_opens_its_records(self):
        appointment, _search = self._book(self.doctor_a)
        log = self.env["mhrs.sync.log"].search([("res_model", "=", "mhrs.appointment")], limit=1)
        schedule = self.env["mhrs.schedule"].create(
            {
                "physician_id": self.doctor_a.id,
                "clinic_id": self.clinic.id,
                "date_from": self.day,
                "date_to": self.day,
            }
        )
        # Something behind every "Needs Attention" tile (an empty one opens nothing).
        self.clinic.mhrs_sync_state = "error"
        schedule.write({"mhrs_sync_state": "to_retry", "mhrs_pending_operation": "draft_add"})
        dashboard = self.env["mhrs.dashboard"].create({"company_id": self.company.id})
        pressed = []
        for record in (self.doctor_a, self.clinic, appointment, schedule, log, dashboard):
            for name in form_buttons(record):
                self.assertOpens(record, name)
                pressed.append(name)
        self.assertIn("action_open_call_log", pressed)
        self.assertIn("action_open_failed_runs", pressed)
        self.assertIn("action_view_lines", pressed)
        self.assertIn("action_refresh", pressed)
        self.assertEqual(log.action_open_record()["res_id"], appointment.id)


@tagged("post_install", "-at_install")
class TestExceptionCancelButton(ExceptionCase):
    def test_cancel_a_draft_exception(self):
        exception = self._exception()
        arch = etree.fromstring(exception.get_view(view_type="form")["arch"])
        self.assertTrue(arch.xpath("//button[@name='action_cancel']"))
        exception.action_cancel()
        self.assertEqual(exception.state, "cancelled")
