// The MHRS Status page is one (transient) record, opened afresh each time: a "1 / 1" pager to browse
// it would only puzzle its readers.
import { registry } from "@web/core/registry";
import { usePager } from "@web/search/pager_hook";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

export class MhrsDashboardFormController extends FormController {
    setup() {
        super.setup();
        usePager(() => ({ total: 0 }));
    }
}

registry.category("views").add("mhrs_dashboard_form", {
    ...formView,
    Controller: MhrsDashboardFormController,
});
