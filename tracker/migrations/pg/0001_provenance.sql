-- Evidence gets its provenance: the column is added empty, every existing row is set by its kind
-- (checks and notebooks were recorded before anything was graded and cannot be told apart, so
-- they are imported; catalogue evidence is external; self-assessments are self-assessed), and
-- only then is it made NOT NULL, without a default: the tracker always writes one.
DROP INDEX "evidence_identity";--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "provenance" text;--> statement-breakpoint
UPDATE "evidence" SET "provenance" = CASE WHEN "kind" IN ('certification', 'course', 'workshop', 'conference') THEN 'external' WHEN "kind" = 'self-assessment' THEN 'self-assessed' ELSE 'imported' END;--> statement-breakpoint
ALTER TABLE "evidence" ALTER COLUMN "provenance" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_identity" ON "evidence" USING btree ("learner_id","kind","ref","provenance","content_hash");
