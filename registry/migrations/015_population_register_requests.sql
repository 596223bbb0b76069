-- A death reported by the population register files a death notice like a library's, marked as the register's.
ALTER TABLE erasure_requests DROP CONSTRAINT erasure_requests_filed_via_check;
ALTER TABLE erasure_requests ADD CONSTRAINT erasure_requests_filed_via_check
    CHECK (filed_via IN ('library', 'insight_page', 'population_register'));
