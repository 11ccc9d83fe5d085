// The PostGraphile v5 reference server of `make bench` (bench/run.py starts and stops it).
//
//   node bench/postgraphile/server.mjs <port> <postgres connection string>
//
// Same bench database as the API, read-only: the SQL functions bench/run.py creates before this
// server starts — the ranked search of searchCourses.sql and the instructor numbers of
// instructorStats.sql (computed columns of InstructorProfile: totalCourses, totalStudents,
// reviewCount, rating) — and only the tables the catalogue and course pages read are in the
// schema (courses, categories, users + instructor_profiles, tags + course_tags,
// course_requirements, course_objectives, course_pricing_tiers, course_modules, lessons), no
// mutations, no GraphiQL, every transaction read-only. Routes: POST /graphql (grafserv), GET
// /healthz (200 once the schema is built), GET /stats ({"queries": n}: statements sent to
// PostgreSQL since start — the runner's SQL round trips per request, counted like the API's
// statement counter, at the driver).
import { createServer } from "node:http";

import pg from "pg";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { pgSmartTags } from "postgraphile/utils";

const TABLES = new Set([
  "courses",
  "categories",
  "users",
  "instructor_profiles",
  "tags",
  "course_tags",
  "course_requirements",
  "course_objectives",
  "course_pricing_tiers",
  "course_modules",
  "lessons",
]);
// never exposed, even read-only (the reference server only needs names and public data)
const HIDDEN_COLUMNS = new Set(["password_hash", "email", "phone", "token_version"]);

const FILTERED = new Set(["courses.level", "course_pricing_tiers.is_active"]);
const ORDERED = new Set(["courses.enrollment_count", "courses.review_count"]);

const [port, connectionString] = process.argv.slice(2);
if (!port || !connectionString) {
  console.error("usage: node server.mjs <port> <postgres connection string>");
  process.exit(2);
}

// Count every statement sent to PostgreSQL (pool.query and client.query both end here).
let queries = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  queries += 1;
  return query.apply(this, args);
};

const pool = new pg.Pool({
  connectionString,
  max: 10,
  // the reference server writes nothing, whatever it is asked
  options: "-c default_transaction_read_only=on",
});

const inSchema = (relation) =>
  relation.getNamespace()?.nspname === "public" && TABLES.has(relation.relname);

const OnlyCatalogTables = pgSmartTags(
  [
    // tables (and views, types) outside the list: not in the schema
    { kind: "class", match: (c) => !inSchema(c), tags: { behavior: "-*" } },
    // the listed tables: read only
    { kind: "class", match: inSchema, tags: { behavior: "-insert -update -delete" } },
    { kind: "attribute", match: (a) => HIDDEN_COLUMNS.has(a.attname), tags: { behavior: "-*" } },
    // the catalogue page filters and sorts on columns without an index of their own
    // (PostGraphile offers conditions and orders on indexed columns only)
    {
      kind: "attribute",
      match: (a) => FILTERED.has(`${a.getClass()?.relname}.${a.attname}`),
      tags: { behavior: "+filterBy" },
    },
    {
      kind: "attribute",
      match: (a) => ORDERED.has(`${a.getClass()?.relname}.${a.attname}`),
      tags: { behavior: "+orderBy" },
    },
  ],
  null,
  { name: "EasywaysBenchCatalogOnly" },
);

const preset = {
  extends: [PostGraphileAmberPreset],
  plugins: [OnlyCatalogTables],
  disablePlugins: ["MutationPlugin", "SubscriptionPlugin"],
  pgServices: [makePgService({ pool, schemas: ["public"] })],
  grafserv: { graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
  // the API sorts a missing rating as 0: last in a descending order
  schema: { pgOrderByNullsLast: true },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
await pgl.getSchema(); // build before listening: /healthz answers 200 only when ready
const graphql = serv.createHandler();

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  } else if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ queries }));
  } else {
    graphql(req, res);
  }
});

const stop = () => {
  server.close();
  Promise.resolve(pgl.release())
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

server.listen(Number(port), "127.0.0.1");
