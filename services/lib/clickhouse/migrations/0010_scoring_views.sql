-- The scorer's "current state" views: a session re-scored in a new revision replaces the older
-- revision's verdict and review item for analysts and reviewers (the tables keep every revision).
--   SELECT * FROM verdicts_latest(tenant = 'default') WHERE outcome = 'failed'
--   SELECT * FROM review_queue(tenant = 'default') LIMIT 20

-- The verdict of each session's newest scored revision, per objective and objective version.
CREATE VIEW IF NOT EXISTS verdicts_latest AS
SELECT *
FROM verdicts FINAL
WHERE tenant = {tenant:String}
ORDER BY objective_id, objective_version, session_key, session_revision DESC
LIMIT 1 BY objective_id, objective_version, session_key;

-- Open review items of each session's newest revision, highest priority first.
CREATE VIEW IF NOT EXISTS review_queue AS
SELECT *
FROM
(
    SELECT *
    FROM review_items FINAL
    WHERE tenant = {tenant:String}
    ORDER BY objective_id, objective_version, session_key, session_revision DESC
    LIMIT 1 BY objective_id, objective_version, session_key
)
WHERE status = 'open'
ORDER BY priority DESC, session_end_time DESC;
