import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";
import { CalendarCommonPopover } from "@web/views/calendar/calendar_common/calendar_common_popover";

/** Appointment popover with the reception buttons: Check In and Undo Check-in. */
export class MhrsAppointmentCalendarPopover extends CalendarCommonPopover {
    static subTemplates = {
        ...CalendarCommonPopover.subTemplates,
        footer: "mhrs_connector.AppointmentCalendarPopover.footer",
    };

    setup() {
        super.setup();
        this.orm = useService("orm");
    }

    get appointment() {
        return this.props.record.rawRecord;
    }

    get canCheckIn() {
        // mhrs_attendance_open: the appointment's day, not cancelled, status not at MHRS yet.
        const { state, mhrs_attendance_open } = this.appointment;
        return ["booked", "no_show"].includes(state) && mhrs_attendance_open;
    }

    get canUndoCheckIn() {
        const { state, checked_in_at, mhrs_attendance_open } = this.appointment;
        return state === "attended" && checked_in_at && mhrs_attendance_open;
    }

    async callAction(method) {
        try {
            await this.orm.call("mhrs.appointment", method, [[this.props.record.id]]);
        } finally {
            this.props.close();
            await this.props.model.load();
        }
    }

    onCheckIn() {
        return this.callAction("action_check_in");
    }

    onUndoCheckIn() {
        return this.callAction("action_undo_check_in");
    }
}

/** Each event reads "09:10 Patient Name" on one line: reception slots are 10-20 minutes, too short
 * for Odoo's time-above-title, which showed the time alone. */
export class MhrsAppointmentCalendarCommonRenderer extends CalendarCommonRenderer {
    static eventTemplate = "mhrs_connector.AppointmentCalendarEvent";
    static components = {
        ...CalendarCommonRenderer.components,
        Popover: MhrsAppointmentCalendarPopover,
    };
}

export class MhrsAppointmentCalendarRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: MhrsAppointmentCalendarCommonRenderer,
        week: MhrsAppointmentCalendarCommonRenderer,
        month: MhrsAppointmentCalendarCommonRenderer,
    };
}

export const mhrsAppointmentCalendarView = {
    ...calendarView,
    Renderer: MhrsAppointmentCalendarRenderer,
};

registry.category("views").add("mhrs_appointment_calendar", mhrsAppointmentCalendarView);
