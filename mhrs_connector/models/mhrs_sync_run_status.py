from odoo import api, fields, models


class MhrsSyncRun(models.Model):
    """Status update runs (operation 15) and the activities that report what could not be sent."""

    _name = "mhrs.sync.run"
    _inherit = ["mhrs.sync.run", "mail.thread", "mail.activity.mixin"]

    kind = fields.Selection(
        selection_add=[("status", "Status Update")],
        ondelete={"status": "cascade"},
    )
    status_final_pass = fields.Boolean(
        string="Final Pass",
        readonly=True,
        help="The last status run of the day: everything of the day that had ended was sent regardless "
        "of the grace period; what was still unsent is listed and reported to the MHRS managers.",
    )
    status_sent_count = fields.Integer(
        string="Statuses Sent", help="Appointments whose attended / not attended status MHRS accepted."
    )
    status_failed_count = fields.Integer(
        string="Statuses Refused", help="Appointments whose status MHRS refused (see the errors)."
    )
    status_postponed_count = fields.Integer(
        string="Statuses Postponed",
        help="Appointments kept to send: MHRS did not answer, or said their time has not come yet.",
    )
    status_unsent_ids = fields.Many2many(
        "mhrs.appointment",
        "mhrs_sync_run_unsent_appointment_rel",
        "run_id",
        "appointment_id",
        string="Unsent Appointments",
        readonly=True,
        help="Appointments whose status MHRS had not received when this run reported them.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # The runs are a technical journal written every few minutes: no chatter line, no follower.
        return super(
            MhrsSyncRun,
            self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True),
        ).create(vals_list)

    def _mhrs_status_notify_managers(self, summary):
        """A to-do on this run for every MHRS manager of its company (the run lists the appointments)."""
        self.ensure_one()
        managers = self.env.ref("mhrs_connector.group_mhrs_manager").sudo().users.filtered(
            lambda user: user.active and not user.share and self.company_id in user.company_ids
        )
        note = self.env._(
            "MHRS does not hold the attended / not attended status of these appointments. Send them "
            "from the appointments (Send Status Now) while their day lasts, or check them with MHRS."
        )
        for user in managers:
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
            )
