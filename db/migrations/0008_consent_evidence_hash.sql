ALTER TABLE "consents" ADD COLUMN "evidence_file_bytes" integer;--> statement-breakpoint
ALTER TABLE "consents" ADD COLUMN "evidence_file_sha256" text;--> statement-breakpoint
-- Rows granted before this migration: record the size and hash of the evidence they still hold.
UPDATE "consents" SET "evidence_file_bytes" = length("evidence_file"), "evidence_file_sha256" = encode(sha256("evidence_file"), 'hex') WHERE "evidence_file" IS NOT NULL;