// drizzle-kit: `npx drizzle-kit generate` writes a migration to tracker/migrations from the
// schema; the store applies pending migrations when it opens (tracker/store.ts).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./tracker/schema.ts",
  out: "./tracker/migrations",
  dbCredentials: { url: process.env.PARALLAB_DB ?? "tracker.db" },
});
