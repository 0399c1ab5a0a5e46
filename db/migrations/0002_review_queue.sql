CREATE TABLE "review_adjudications" (
	"output_id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"decision" "review_decision",
	"reasons" text[] DEFAULT '{}'::text[] NOT NULL,
	"comment" text
);
--> statement-breakpoint
CREATE TABLE "review_skips" (
	"output_id" uuid NOT NULL,
	"reviewer_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "review_skips_output_id_reviewer_id_pk" PRIMARY KEY("output_id","reviewer_id")
);
--> statement-breakpoint
ALTER TABLE "review_adjudications" ADD CONSTRAINT "review_adjudications_output_id_outputs_id_fk" FOREIGN KEY ("output_id") REFERENCES "public"."outputs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_adjudications" ADD CONSTRAINT "review_adjudications_resolved_by_user_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_skips" ADD CONSTRAINT "review_skips_output_id_outputs_id_fk" FOREIGN KEY ("output_id") REFERENCES "public"."outputs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_skips" ADD CONSTRAINT "review_skips_reviewer_id_user_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."user"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_adjudications_resolved_at_index" ON "review_adjudications" USING btree ("resolved_at");--> statement-breakpoint
CREATE INDEX "review_skips_reviewer_id_index" ON "review_skips" USING btree ("reviewer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_one_live_per_reviewer" ON "reviews" USING btree ("output_id","reviewer_id") WHERE "reviews"."undone_at" is null;