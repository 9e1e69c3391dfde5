-- A copied (neutralized) database must never talk to the real MHRS: forget the passwords and point the
-- service nowhere until someone sets them again on purpose.
UPDATE res_company
   SET mhrs_password = NULL,
       mhrs_g2_password = NULL,
       mhrs_base_url = NULL
 WHERE mhrs_base_url IS NOT NULL
    OR mhrs_password IS NOT NULL
    OR mhrs_g2_password IS NOT NULL;
