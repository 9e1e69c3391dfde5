-- A copied (neutralized) database must never talk to the real MHRS: switch every company to test mode,
-- forget the password and point the endpoint nowhere until someone sets it again on purpose.
UPDATE res_company
   SET mhrs_environment = 'test',
       mhrs_password = NULL,
       mhrs_endpoint_url = NULL
 WHERE mhrs_endpoint_url IS NOT NULL
    OR mhrs_password IS NOT NULL
    OR mhrs_environment IS DISTINCT FROM 'test';
