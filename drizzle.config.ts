// drizzle-kit, for either dialect: DRIZZLE_DIALECT=sqlite (the default) or postgresql picks the
// schema file and the migration folder. `npm run db:generate` writes both; the store applies the
// pending migrations of its dialect when it opens (tracker/db/).
import { defineConfig } from "drizzle-kit";

const postgres = process.env.DRIZZLE_DIALECT === "postgresql";

export default postgres
  ? defineConfig({
      dialect: "postgresql",
      schema: "./tracker/schema/pg.ts",
      out: "./tracker/migrations/pg",
      dbCredentials: { url: process.env.PARALLAB_DB ?? "postgres://localhost/parallab" },
    })
  : defineConfig({
      dialect: "sqlite",
      schema: "./tracker/schema/sqlite.ts",
      out: "./tracker/migrations/sqlite",
      dbCredentials: { url: process.env.PARALLAB_DB && !/^postgres/.test(process.env.PARALLAB_DB) ? process.env.PARALLAB_DB : "tracker.db" },
    });
