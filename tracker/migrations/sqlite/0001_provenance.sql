-- Evidence gets its provenance. SQLite cannot add a NOT NULL column without a default, so the
-- column comes with DEFAULT 'imported' (the weakest course provenance; the tracker always writes
-- one), then every existing row is set by its kind: checks and notebooks were recorded before
-- anything was graded and cannot be told apart, so they are imported; catalogue evidence is
-- external; self-assessments are self-assessed.
DROP INDEX `evidence_identity`;--> statement-breakpoint
ALTER TABLE `evidence` ADD `provenance` text DEFAULT 'imported' NOT NULL;--> statement-breakpoint
UPDATE `evidence` SET `provenance` = CASE WHEN `kind` IN ('certification', 'course', 'workshop', 'conference') THEN 'external' WHEN `kind` = 'self-assessment' THEN 'self-assessed' ELSE 'imported' END;--> statement-breakpoint
CREATE UNIQUE INDEX `evidence_identity` ON `evidence` (`learner_id`,`kind`,`ref`,`provenance`,`content_hash`);
