import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";

/** A work schedule's bar reads "Physician · Clinic": its length already shows the period, which the
 * schedule's name repeated on every bar. */
export class MhrsScheduleCalendarCommonRenderer extends CalendarCommonRenderer {
    static eventTemplate = "mhrs_connector.ScheduleCalendarEvent";
}

export class MhrsScheduleCalendarRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: MhrsScheduleCalendarCommonRenderer,
        week: MhrsScheduleCalendarCommonRenderer,
        month: MhrsScheduleCalendarCommonRenderer,
    };
}

registry.category("views").add("mhrs_schedule_calendar", {
    ...calendarView,
    Renderer: MhrsScheduleCalendarRenderer,
});
