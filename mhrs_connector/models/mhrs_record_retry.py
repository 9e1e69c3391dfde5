import logging

from odoo import SUPERUSER_ID, models
from odoo.exceptions import UserError

from ..soap import errors

_logger = logging.getLogger(__name__)

# Operations that create something at MHRS: resending one blindly after a lost answer would create it
# twice, so the retry looks for it at MHRS first (see _mhrs_adopt_existing).
CREATE_OPERATIONS = ("clinic_register", "template_register", "schedule_register", "appointment_register")


def same_name(first, second):
    """MHRS compares names without regard to case and repeated spaces."""
    return " ".join((first or "").split()).casefold() == " ".join((second or "").split()).casefold()


class MhrsRecordMixin(models.AbstractModel):
    """Retry of the pending operation: adopt what MHRS already holds, else resend it."""

    _inherit = "mhrs.record.mixin"

    # ------------------------------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------------------------------
    def _mhrs_adopt_existing(self, operation):
        """Hook called before ``operation`` is resent after a failed delivery.

        The first attempt may have been applied by MHRS although its answer was lost (timeout, dropped
        connection, truncated answer). Models look at MHRS (a query) and, when MHRS already holds the
        result, store it on the record (its MHRS id...), mark the record synced through
        :meth:`_mhrs_mark_adopted` and return True: nothing is sent twice. Return False to resend.
        Query errors propagate as the client's typed errors.
        """
        self.ensure_one()
        return False

    def _mhrs_mark_adopted(self, message):
        """The pending operation turned out to be applied at MHRS already: the record is synced."""
        self.ensure_one()
        self.write(
            {
                "mhrs_sync_state": "synced",
                "mhrs_last_error": False,
                "mhrs_pending_operation": False,
                "mhrs_retry_count": 0,
                "mhrs_next_retry": False,
            }
        )
        self.message_post(body=message)

    def _mhrs_retry_one(self):
        """Deliver the pending operation of this record: adopt it or resend it.

        Returns True when delivered, False when it is kept for a later retry (the back-off and the
        retry count are updated by ``_mhrs_keep_for_retry``). A business rejection raises UserError.
        """
        self.ensure_one()
        operation = self.mhrs_pending_operation
        if not operation or self.mhrs_sync_state != "to_retry":
            return True
        try:
            if self._mhrs_adopt_existing(operation):
                return True
        except (errors.MhrsTransportError, errors.MhrsMalformedResponse) as exc:
            self._mhrs_keep_for_retry(operation, errors.user_message(exc))
            return False
        except errors.MhrsBusinessError as exc:
            if self._mhrs_is_server_fault(exc):
                self._mhrs_keep_for_retry(operation, errors.user_message(exc))
                return False
            raise UserError(self._mhrs_business_message(exc)) from exc
        self._mhrs_run(operation)
        return self.mhrs_sync_state != "to_retry"

    def _mhrs_retry_pending(self):
        """Resend the pending operation of each record, adopting what MHRS already holds."""
        for record in self.filtered(lambda r: r.mhrs_sync_state == "to_retry" and r.mhrs_pending_operation):
            record._mhrs_retry_one()

    def _mhrs_retry_rejected(self, operation, message):
        """MHRS refused a resent operation (or a local rule now forbids it): never retried again; the
        record shows the error and the MHRS managers get an activity."""
        self.ensure_one()
        self.write(
            {
                "mhrs_sync_state": "error",
                "mhrs_last_error": message,
                "mhrs_pending_operation": False,
                "mhrs_next_retry": False,
            }
        )
        self._mhrs_notify_managers(
            self.env._("MHRS refused the resent operation %(op)s", op=operation), message
        )

    def _mhrs_notify_managers(self, summary, note):
        """A to-do activity for an MHRS manager of the record's company (once per open summary)."""
        self.ensure_one()
        if "activity_ids" not in self._fields:
            return
        group = self.env.ref("mhrs_connector.group_mhrs_manager", raise_if_not_found=False)
        if not group:
            return
        company = self.company_id if "company_id" in self._fields else self.env.company
        managers = group.sudo().users.filtered(
            lambda user: user.active and not user.share and company in user.company_ids
        )
        manager = managers.filtered(lambda user: user.id != SUPERUSER_ID)[:1] or managers[:1]
        if not manager:
            return
        if self.activity_ids.filtered(lambda act: act.summary == summary and act.user_id == manager):
            return
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, note=note, user_id=manager.id
        )
