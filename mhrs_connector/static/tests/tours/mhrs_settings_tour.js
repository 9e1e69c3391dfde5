/** @odoo-module **/
// The MHRS manager's first day: open the MHRS settings, test the connection, read the call it made.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("mhrs_connection_tour", {
    url: "/odoo/action-mhrs_connector.action_mhrs_config_settings",
    steps: () => [
        {
            content: "The MHRS settings show the institution code",
            trigger: ".o_setting_box:contains('Institution') input",
        },
        {
            content: "Test the connection to MHRS",
            trigger: "button[name='action_mhrs_test_connection']",
            run: "click",
        },
        {
            content: "MHRS answered",
            trigger: ".o_notification_bar.bg-success, .o_notification:contains('MHRS')",
        },
        {
            content: "Open the call log",
            trigger: ".o_main_navbar",
            run: () => {
                window.location.href = "/odoo/action-mhrs_connector.action_mhrs_sync_log";
            },
        },
        {
            content: "The login of Test Connection is in the log",
            trigger: ".o_data_row:contains('Oturum Açma (login)')",
        },
    ],
});
