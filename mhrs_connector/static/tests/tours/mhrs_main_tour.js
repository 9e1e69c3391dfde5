/** @odoo-module **/
// The main flow of the people who use the connector, in two parts (the test lets citizens book at the
// simulator in between):
//  1. the MHRS officer creates a template, registers it and plans a schedule from it, registered at once;
//  2. appointments arrive with a query, reception checks a patient in and sends the status to MHRS.
import { registry } from "@web/core/registry";
import { formatDateTime } from "@web/core/l10n/dates";

const { DateTime } = luxon;

function openMenu(section, item) {
    return [
        {
            content: `Open the ${section} menu`,
            trigger: `.o_main_navbar .o_menu_sections button:contains('${section}')`,
            run: "click",
        },
        {
            content: `Choose ${item}`,
            trigger: `.o-dropdown--menu .dropdown-item:contains('${item}')`,
            run: "click",
        },
    ];
}

// The reception desk's paper and screen: print today's day list from the calendar, then the kanban.
function printDayListAndOpenKanban() {
    return [
        ...openMenu("Operations", "Appointments"),
        {
            content: "Print the day list of the day shown in the calendar",
            trigger: ".o_calendar_view .o_mhrs_print_day_list",
            run: "click",
        },
        {
            content: "For the physician of today",
            trigger: ".modal .o_field_widget[name='physician_id'] input",
            run: "edit Dr. Bugün",
        },
        {
            content: "Pick the physician",
            trigger: ".o-autocomplete--dropdown-item:contains('Dr. Bugün Hekim')",
            run: "click",
        },
        {
            content: "Print",
            trigger: ".modal button[name='action_print']",
            run: "click",
        },
        {
            content: "The day list is printed (the dialog closes once the PDF is downloaded)",
            trigger: "body:not(:has(.modal)) .o_calendar_view",
            // wkhtmltopdf renders the PDF first: slow on a loaded machine.
            timeout: 30000,
        },
        {
            content: "Open the reception kanban",
            trigger: ".o_control_panel .o_switch_view.o_kanban",
            run: "click",
        },
        {
            // The facet is there before the switch ends: removed earlier, the kanban would bring it back.
            content: "The kanban is shown",
            trigger: ".o_kanban_view .o_kanban_renderer",
        },
        {
            content: "Show every status, not only the booked appointments",
            trigger: ".o_kanban_view .o_searchview_facet:contains('Booked') .o_facet_remove",
            run: "click",
        },
        {
            content: "Every status is shown",
            trigger: ".o_kanban_view .o_searchview:not(:has(.o_searchview_facet:contains('Booked')))",
        },
        {
            content: "The checked-in patient is in the Attended column",
            timeout: 30000,
            trigger: ".o_kanban_view .o_kanban_group:has(.o_column_title:contains('Attended')) .o_kanban_record:contains('Dr. Bugün Hekim')",
        },
        {
            content: "Open the search options",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Use the shared favourite of the desk",
            trigger: ".o_favorite_menu .o_menu_item:contains('Today at the desk')",
            run: "click",
        },
        {
            content: "Today's patient is under their physician",
            trigger: ".o_kanban_group:has(.o_column_title:contains('Dr. Bugün Hekim')) .o_kanban_record:contains('Dr. Bugün Hekim')",
        },
        {
            content: "Narrow to this week",
            trigger: ".o_filter_menu .o_menu_item:contains('This Week')",
            run: "click",
        },
        {
            content: "The week's filter is on",
            trigger: ".o_searchview_facet:contains('This Week')",
        },
        {
            content: "Today is in this week",
            trigger: ".o_kanban_view .o_kanban_record:contains('Dr. Bugün Hekim')",
        },
    ];
}

registry.category("web_tour.tours").add("mhrs_main_tour_plan", {
    url: "/odoo/action-mhrs_connector.action_mhrs_template",
    steps: () => [
        {
            content: "Create a template",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_form_view .o_field_widget[name='name'] input",
            run: "edit Tur şablonu 09-12",
        },
        {
            content: "Add a block",
            trigger: ".o_field_widget[name='line_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "The block starts at 09:00",
            trigger: ".o_field_widget[name='line_ids'] .o_selected_row .o_field_widget[name='start_time'] input",
            run: "edit 09:00",
        },
        {
            content: "...and ends at 12:00",
            trigger: ".o_field_widget[name='line_ids'] .o_selected_row .o_field_widget[name='end_time'] input",
            run: "edit 12:00",
        },
        {
            content: "20-minute slots",
            trigger: ".o_field_widget[name='line_ids'] .o_selected_row .o_field_widget[name='slot_minutes'] input",
            run: "edit 20",
        },
        {
            content: "Save the template",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "MHRS has no template service: the form says so",
            trigger: ".o_form_view .alert-info:contains('MHRS has no template service today')",
        },
        {
            content: "Activate it (local: nothing is sent to MHRS)",
            trigger: ".o_form_saved button[name='action_activate']",
            run: "click",
        },
        {
            content: "The template is active",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Active')",
        },
        ...openMenu("Operations", "Plan Schedules"),
        {
            content: "Plan from the new template",
            trigger: ".modal .o_field_widget[name='template_id'] input",
            run: "edit Tur şablonu",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Tur şablonu 09-12')",
            run: "click",
        },
        {
            content: "For the tour physician",
            trigger: ".modal .o_field_widget[name='physician_ids'] input",
            run: "edit Dr. Tur",
        },
        {
            content: "Pick the physician",
            trigger: ".o-autocomplete--dropdown-item:contains('Dr. Tur Planlı')",
            run: "click",
        },
        {
            content: "Register the schedules on MHRS at once",
            trigger: ".modal .o_field_widget[name='register_now'] input",
            run: "click",
        },
        {
            content: "Plan",
            trigger: ".modal button[name='action_plan']",
            run: "click",
        },
        {
            content: "The schedule is registered on MHRS",
            trigger: ".modal .o_field_widget[name='result_ids'] .o_data_row:contains('Dr. Tur Planlı'):contains('Registered')",
        },
        {
            content: "Open the planned schedules",
            trigger: ".modal button[name='action_open_schedules']",
            run: "click",
        },
        {
            content: "The schedule is listed",
            trigger: ".o_list_view .o_data_row:contains('Dr. Tur Planlı')",
        },
        {
            content: "See the planned schedules in the calendar",
            trigger: ".o_control_panel .o_switch_view.o_calendar",
            run: "click",
        },
        {
            content: "The bar says who works where (its length is the period)",
            trigger: ".o_calendar_view .fc-event .o_mhrs_schedule_event:contains('Dr. Tur Planlı · '):not(:contains('–'))",
        },
    ],
});

registry.category("web_tour.tours").add("mhrs_main_tour_reception", {
    url: "/odoo/action-mhrs_connector.action_mhrs_appointment",
    steps: () => [
        {
            content: "Open the MHRS Status",
            trigger: ".o_main_navbar .o_menu_sections .o_nav_entry:contains('Status')",
            run: "click",
        },
        {
            content: "The MHRS Status shows the physicians",
            trigger: ".o_mhrs_dashboard .o_kanban_record:contains('Dr. Bugün Hekim')",
        },
        ...openMenu("Operations", "Query Appointments"),
        {
            content: "Query from the start of today",
            trigger: ".modal .o_field_widget[name='date_from'] input",
            run: `edit ${formatDateTime(DateTime.now().startOf("day"))}`,
        },
        {
            content: "Ask MHRS",
            trigger: ".modal button[name='action_query']",
            run: "click",
        },
        {
            content: "The sync run brought the appointments",
            trigger: ".o_form_view .o_field_widget[name='created_count']:not(:contains('0'))",
        },
        {
            content: "Open the appointments of the run",
            trigger: ".o_form_view button[name='action_open_appointments']",
            run: "click",
        },
        {
            content: "Open today's patient",
            trigger: ".o_list_view .o_data_row:contains('Dr. Bugün Hekim') td.o_data_cell",
            run: "click",
        },
        {
            content: "The patient has arrived: check in",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_check_in']",
            run: "click",
        },
        {
            content: "Checked in",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Attended')",
        },
        {
            content: "Send the status to MHRS now",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_mhrs_send_status']",
            run: "click",
        },
        {
            content: "Confirm: the status cannot be changed afterwards",
            trigger: ".o_dialog .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "MHRS received the status",
            trigger: ".o_notification:contains('MHRS received the status')",
        },
        ...printDayListAndOpenKanban(),
    ],
});
