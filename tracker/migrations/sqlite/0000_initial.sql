CREATE TABLE `catalogue` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`url` text,
	`hours` integer NOT NULL,
	`cost` text NOT NULL,
	`month` integer,
	`competencies` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `checks` (
	`id` text PRIMARY KEY NOT NULL,
	`notebook_id` text NOT NULL,
	`competency_id` text NOT NULL,
	`level` text NOT NULL,
	`description` text NOT NULL,
	FOREIGN KEY (`notebook_id`) REFERENCES `notebooks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`competency_id`) REFERENCES `competencies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `competencies` (
	`id` text PRIMARY KEY NOT NULL,
	`area` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`levels` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `evidence` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`learner_id` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`competency_id` text,
	`level` text,
	`source` text NOT NULL,
	`date` text NOT NULL,
	`content_hash` text DEFAULT '' NOT NULL,
	`url` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`learner_id`) REFERENCES `learners`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `evidence_identity` ON `evidence` (`learner_id`,`kind`,`ref`,`content_hash`);--> statement-breakpoint
CREATE INDEX `evidence_learner` ON `evidence` (`learner_id`,`date`);--> statement-breakpoint
CREATE TABLE `goals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`learner_id` text NOT NULL,
	`target` text NOT NULL,
	`target_date` text,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`learner_id`) REFERENCES `learners`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `goals_learner` ON `goals` (`learner_id`,`status`);--> statement-breakpoint
CREATE TABLE `learners` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notebooks` (
	`id` text PRIMARY KEY NOT NULL,
	`file` text NOT NULL,
	`title` text NOT NULL,
	`hours` integer NOT NULL,
	`competencies` text NOT NULL,
	`prerequisites` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `requirements` (
	`role_id` text NOT NULL,
	`industry` text DEFAULT '' NOT NULL,
	`competency_id` text NOT NULL,
	`level` text NOT NULL,
	PRIMARY KEY(`role_id`, `industry`, `competency_id`),
	FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`competency_id`) REFERENCES `competencies`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `roles` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`description` text NOT NULL
);
