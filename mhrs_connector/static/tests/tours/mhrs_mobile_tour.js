/** @odoo-module **/
// The reception desk on a phone (390 px wide): the first minute lands on the MHRS Status page, which
// says what to do next; the calendar opens on the day; the kanban checks a patient in; the form fits.
import { registry } from "@web/core/registry";

function fitsTheScreen() {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow > 0) {
        throw new Error(`The page is ${overflow}px wider than the phone's screen`);
    }
}

registry.category("web_tour.tours").add("mhrs_mobile_tour_landing", {
    steps: () => [
        {
            content: "After logging in, the MHRS Status page is shown",
            trigger: ".o_mhrs_dashboard .o_form_sheet:contains('MHRS Status')",
        },
        {
            content: "It says what to do next",
            trigger: ".o_mhrs_next_step:contains('still booked')",
            run: fitsTheScreen,
        },
    ],
});

registry.category("web_tour.tours").add("mhrs_mobile_tour_calendar", {
    steps: () => [
        {
            content: "A phone opens the appointments as cards",
            trigger: ".o_kanban_view",
        },
        {
            content: "Open the view switcher",
            trigger: ".o_control_panel .o_cp_switch_buttons button",
            run: "click",
        },
        {
            content: "Choose the calendar",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Calendar')",
            run: "click",
        },
        {
            content: "On a phone the appointments calendar opens on the day",
            trigger: ".o_calendar_view .fc-timeGridDay-view",
        },
        {
            content: "Today's late patient is readable in the day: time and patient on one line",
            trigger: ".o_calendar_view .fc-event .o_mhrs_event_title:has(.fc-time):contains('Mobil Hasta')",
            run: fitsTheScreen,
        },
    ],
});

registry.category("web_tour.tours").add("mhrs_mobile_tour_kanban", {
    steps: () => [
        {
            content: "The reception desk shows today's booked patient",
            trigger: ".o_kanban_view .o_kanban_group:has(.o_column_title:contains('Booked')) .o_kanban_record:contains('Mobil Hasta')",
            run: fitsTheScreen,
        },
        {
            content: "Check the patient in from the card",
            trigger: ".o_kanban_record:contains('Mobil Hasta') button[name='action_check_in']",
            run: "click",
        },
        {
            content: "The patient is now in the Attended column",
            trigger: ".o_kanban_group:has(.o_column_title:contains('Attended')) .o_kanban_record:contains('Mobil Hasta')",
        },
        {
            content: "Open the appointment",
            trigger: ".o_kanban_record:contains('Mobil Hasta')",
            run: "click",
        },
        {
            content: "The form fits the phone's screen",
            trigger: ".o_form_view .o_field_widget[name='mhrs_hrn']:contains('MOBIL-1')",
            run: fitsTheScreen,
        },
    ],
});
