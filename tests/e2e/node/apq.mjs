// A query through Apollo Client's automatic persisted queries link, unmodified. Runs it `runs`
// times (each with a fresh cache) and prints one JSON line per HTTP request the link made
// ({"request": {method, hashOnly}}) and per result ({"data": …} or {"error": …}).
// Usage: node apq.mjs <http url> <query> <variables JSON> <runs>
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";

const [uri, query, variables, runs] = process.argv.slice(2);
const print = (value) => console.log(JSON.stringify(value));
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

const recordingFetch = async (url, options) => {
  const method = options?.method ?? "GET";
  const body = options?.body ? JSON.parse(options.body) : null;
  const hasQuery = method === "GET" ? new URL(url).searchParams.has("query") : Boolean(body?.query);
  print({ request: { method, hashOnly: !hasQuery } });
  return fetch(url, options);
};

for (let run = 0; run < Number(runs); run += 1) {
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri, fetch: recordingFetch }),
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  try {
    const result = await client.query({
      query: gql(query),
      variables: JSON.parse(variables || "{}"),
      fetchPolicy: "no-cache",
    });
    print({ data: result.data });
  } catch (error) {
    print({ error: error.message });
    process.exit(2);
  }
}
