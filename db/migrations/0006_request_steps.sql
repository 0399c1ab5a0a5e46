ALTER TABLE "generation_requests" ADD COLUMN "steps" integer DEFAULT 20 NOT NULL;--> statement-breakpoint
-- Sampling steps were kept inside routing_params ("steps"); move them into the column and out of
-- the routing JSON. A value that is not a step count (1..100000) becomes the default, 20, as the
-- reader treated it.
UPDATE "generation_requests"
SET "steps" = CASE
      WHEN "routing_params"->>'steps' ~ '^[0-9]+(\.[0-9]+)?$'
       AND ("routing_params"->>'steps')::numeric BETWEEN 1 AND 100000
      THEN round(("routing_params"->>'steps')::numeric)::integer
      ELSE 20
    END,
    "routing_params" = "routing_params" - 'steps'
WHERE "routing_params" - 'steps' <> "routing_params";
