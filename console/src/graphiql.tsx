// GraphiQL on Switchboard's endpoint, built by the console's pipeline (npm,
// pinned in package-lock.json, bundled by Vite) and served from the binary at
// "/": queries and mutations over HTTP, subscriptions over graphql-ws. What
// the Headers tab holds, e.g. {"Authorization": "Bearer sb_..."}, goes with
// every HTTP request and as the websocket's connection_init payload, where
// Switchboard reads the token.
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import "graphiql/style.css";
import "./graphiql.css";

const endpoint = new URL("/query", window.location.href);
const ws = new URL(endpoint.href);
ws.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

const fetcher = createGraphiQLFetcher({ url: endpoint.href, subscriptionUrl: ws.href });

const defaultQuery = `# Switchboard's GraphQL API. Put a token in the Headers tab:
#   {"Authorization": "Bearer sb_..."}
# \`switchboard token create --role ADMIN --user admin\`
# prints one; the login mutation gives a session token.
# The web console is at /console/.

{
  me {
    id
    name
    role
  }
}
`;

createRoot(document.getElementById("graphiql")!).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={defaultQuery}
    defaultHeaders={JSON.stringify({ Authorization: "Bearer <token>" }, null, 2)}
    defaultEditorToolsVisibility="headers"
  />,
);
