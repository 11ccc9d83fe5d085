// One subscription through the official `graphql-ws` client, unmodified. Prints one JSON line per
// event: {"connected": true}, {"next": <ExecutionResult>}, {"error": …}, {"complete": true}.
// Usage: node subscribe.mjs <ws url> <query> <variables JSON> <access token or ""> <count>
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, query, variables, token, count] = process.argv.slice(2);
const print = (value) => console.log(JSON.stringify(value));
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  lazy: false,
  retryAttempts: 0,
  connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  on: { connected: () => print({ connected: true }) },
});
let received = 0;
client.subscribe(
  { query, variables: JSON.parse(variables || "{}") },
  {
    next: (value) => {
      print({ next: value });
      received += 1;
      if (received >= Number(count)) client.dispose().then(() => process.exit(0));
    },
    error: (error) => {
      const detail = error instanceof Error ? error.message : (error.reason ?? error);
      print({ error: detail, code: error.code ?? null });
      process.exit(2);
    },
    complete: () => {
      print({ complete: true });
      client.dispose().then(() => process.exit(0));
    },
  },
);
