ALTER TABLE "generation_requests" ADD COLUMN "steps_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "generation_requests" ADD COLUMN "steps_total" integer;--> statement-breakpoint
ALTER TABLE "generation_requests" ADD COLUMN "evaluations_per_image" integer;