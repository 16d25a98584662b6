-- The residence status path (issue 20): a NON_PERMANEN resident made TETAP by an approved change
-- request counts for the stimulus from the day after this date, never before it.
ALTER TABLE persons ADD COLUMN tetap_since TEXT;
