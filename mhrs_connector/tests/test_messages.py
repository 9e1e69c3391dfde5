"""Every message says what happened and what happens next (issue #15, Major): with MHRS down, a button
whose call is not kept promises no retry, and a record kept for retry is not announced as done."""

from .test_clinic import ClinicCase, closed_port_url

RETRY_PROMISE = "yeniden denenecek"


class TestMessagesSayWhatHappened(ClinicCase):
    def _mhrs_down(self):
        self.company.mhrs_base_url = closed_port_url()

    def test_connection_test_with_mhrs_down_promises_no_retry(self):
        self._mhrs_down()
        settings = self.env["res.config.settings"].create({})
        message = self._expect_user_error(settings.action_mhrs_test_connection)
        self.assertNotIn(RETRY_PROMISE, message)
        self.assertIn("not retried automatically", message)

    def test_free_slot_search_with_mhrs_down_promises_no_retry(self):
        clinic = self._clinic("Göz 1", state="registered", mhrs_clinic_code=4002)
        physician = self.env["mhrs.physician"].create({"name": "Dr. Göz", "tckn": "10000000146"})
        self._mhrs_down()
        search = self.env["mhrs.slot.search.wizard"].create(
            {"clinic_id": clinic.id, "physician_id": physician.id}
        )
        message = self._expect_user_error(search.action_search)
        self.assertNotIn(RETRY_PROMISE, message)
        self.assertIn("not retried automatically", message)

    def test_clinic_kept_for_retry_is_not_announced_as_registered(self):
        clinic = self._clinic("Göz 2")
        self._mhrs_down()
        action = clinic.action_mhrs_register()
        self.assertEqual((clinic.state, clinic.mhrs_sync_state), ("draft", "to_retry"))
        params = action["params"]
        self.assertEqual(params["type"], "warning")
        self.assertNotEqual(params["title"], "Clinic registered")
        self.assertEqual(params["title"], "Not sent to MHRS yet")
        self.assertIn("whether it applied the operation is not known yet", params["message"])
        # The chatter tells the same, once: no second retry promise from the error text.
        self.assertEqual(clinic.mhrs_last_error.count(RETRY_PROMISE), 0)
