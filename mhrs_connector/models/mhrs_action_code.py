import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engines.company_jobs import CompanyJobRunner
from ..wire import errors

_logger = logging.getLogger(__name__)
INTERFACES = [("rest", "MHRS V2 (REST)"), ("g2", "SOAP G2")]


class MhrsActionCode(models.Model):
    """MHRS action code (AksiyonKodu / aksiyonId) list: what a physician does in a time block.

    MHRS serves the list (G2 ``AksiyonBilgileriSorgulama``, REST ``GET cetvel/aksiyon-bilgileri``) and the
    two interfaces number the actions differently, so a code read from MHRS belongs to the interface it
    came from; the seed list of a new database (no interface) is used on both until MHRS says otherwise.
    """

    _name = "mhrs.action.code"
    _description = "MHRS Action Code"
    _order = "code, interface"
    _rec_names_search = ["name", "code"]

    code = fields.Integer(
        string="Action Code",
        required=True,
        help="AksiyonKodu: the MHRS code of the activity (working hours, leave, surgery, ...).",
    )
    name = fields.Char(string="Action", required=True, help="Name of the activity.")
    bookable = fields.Boolean(
        help="Blocks with this action are open for appointments and are split into slots; "
        "other blocks (leave, surgery, ...) have no slots.",
    )
    interface = fields.Selection(
        INTERFACES,
        help="The MHRS interface whose numbering this code follows (read from MHRS over it). Empty: the "
        "seed list of a new database, used on both interfaces.",
    )
    document_required = fields.Boolean(
        help="An appointment exception with this action must carry a supporting document (istisnaBelge).",
    )
    mhrs_refreshed = fields.Datetime(
        string="Last Read from MHRS", readonly=True, help="When MHRS last listed this action code."
    )
    active = fields.Boolean(default=True, help="Archived codes are no longer offered.")

    _sql_constraints = [
        (
            "code_uniq",
            "unique(code, interface)",
            "Each MHRS action code can be defined only once per interface.",
        ),
    ]

    def _compute_display_name(self):
        for action in self:
            action.display_name = f"{action.code} {action.name}" if action.code else action.name

    def action_mhrs_refresh(self):
        """Read the action list from MHRS for the current company (list header button)."""
        # The list is written as superuser (shared by every company): only MHRS managers may ask for it.
        if not self.env.user.has_group("mhrs_connector.group_mhrs_manager"):
            raise AccessError(self.env._("Only MHRS managers can read the action codes from MHRS."))
        company = self.env.company
        try:
            created, updated = self._mhrs_refresh(company)
        except errors.MhrsError as exc:
            raise UserError(self.env["mhrs.client"]._mhrs_button_message(exc)) from exc
        return self.env["mhrs.client"]._mhrs_notify(
            self.env._("Action codes read from MHRS"),
            self.env._("%(created)s new, %(updated)s updated.", created=created, updated=updated),
        )

    @api.model
    def _mhrs_refresh(self, company):
        """Create or update the codes MHRS lists for ``company``'s interface; returns (created, updated).
        A value MHRS does not send over this interface (G2 says nothing of bookable or documents) keeps
        what the code has."""
        rows = self.env["mhrs.client"]._mhrs_call("action_codes", company=company)
        interface = company.mhrs_interface
        codes = self.sudo().with_context(active_test=False)
        known = codes.search([("code", "in", [row["code"] for row in rows])])
        created = updated = 0
        now = fields.Datetime.now()
        for row in rows:
            same = known.filtered(lambda code, row=row: code.code == row["code"])
            action = (
                same.filtered(lambda code: code.interface == interface)[:1]
                or same.filtered(lambda code: not code.interface)[:1]
            )
            vals = {"mhrs_refreshed": now, "active": True}
            if row.get("name"):
                vals["name"] = row["name"]
            if row.get("open") is not None:
                vals["bookable"] = bool(row["open"])
            if row.get("document") is not None:
                vals["document_required"] = bool(row["document"])
            if action:
                action.write(vals)
                updated += 1
            else:
                codes.create(dict(vals, code=row["code"], interface=interface, name=vals.get("name") or "-"))
                created += 1
        return created, updated

    @api.model
    def _cron_action_code_refresh(self, company_ids=None):
        """Per company (its own scheduled action, daily): read the action list from MHRS. A failing
        company is logged and the others go on (the runner isolates each company)."""
        CompanyJobRunner(self, "action_codes", "MHRS action code refresh").run(
            lambda company: self.with_company(company)
            .with_context(mhrs_trigger="cron")
            ._mhrs_refresh(company),
            company_ids=company_ids,
        )
