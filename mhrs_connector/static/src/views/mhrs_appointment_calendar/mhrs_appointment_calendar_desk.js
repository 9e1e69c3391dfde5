import { serializeDate } from "@web/core/l10n/dates";
import { useService } from "@web/core/utils/hooks";
import { mhrsAppointmentCalendarView } from "./mhrs_appointment_calendar";

/** On a phone the appointments calendar opens on the day: a week of reception slots is unreadable. */
export class MhrsAppointmentCalendarModel extends mhrsAppointmentCalendarView.Model {
    setup(params, services) {
        super.setup(params, services);
        if (this.env.isSmall) {
            this.meta.scale = "day";
        }
    }
}

/** "Print Day List" next to the calendar: the day list of the day shown (physician / clinic chosen next). */
export class MhrsAppointmentCalendarController extends mhrsAppointmentCalendarView.Controller {
    setup() {
        super.setup();
        this.actionService = useService("action");
    }

    onPrintDayList() {
        return this.actionService.doAction("mhrs_connector.action_mhrs_day_list_wizard", {
            additionalContext: { default_date: serializeDate(this.model.date) },
        });
    }
}

// Extends whatever the appointment calendar view already uses (its own model or controller, if any).
Object.assign(mhrsAppointmentCalendarView, {
    Model: MhrsAppointmentCalendarModel,
    Controller: MhrsAppointmentCalendarController,
    buttonTemplate: "mhrs_connector.AppointmentCalendar.buttons",
});
