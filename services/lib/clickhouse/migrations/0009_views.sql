-- Views for the two "current state" questions whose answer is not one FINAL away. Both are
-- parameterized by tenant, so the tenant filter is applied inside, before FINAL and LIMIT BY:
--   SELECT * FROM sessions_latest(tenant = 'acme') WHERE start_time >= today() - 7

-- The newest revision of each session (the sessions table keeps every revision).
CREATE VIEW IF NOT EXISTS sessions_latest AS
SELECT *
FROM sessions FINAL
WHERE tenant = {tenant:String}
ORDER BY session_key, revision DESC
LIMIT 1 BY session_key;

-- Labels that no later label of the same tenant supersedes.
CREATE VIEW IF NOT EXISTS labels_current AS
SELECT *
FROM labels FINAL
WHERE tenant = {tenant:String}
  AND label_id NOT IN (SELECT supersedes_label_id FROM labels WHERE tenant = {tenant:String} AND supersedes_label_id != '');
