// The integration accounts' names, as the pages that pick an account (services,
// system messages) list them. A typed operation: a schema change that breaks it
// fails the console's build.
import { graphql } from "./gql";
import { request } from "./api";

const AccountNamesDoc = graphql(`
  query AccountNames {
    integrationAccounts(first: 100) { edges { node { id name } } }
  }
`);

/** The tenant's accounts by ID and name (the first hundred). */
export async function accountNames(): Promise<{ id: string; name: string }[]> {
  const r = await request(AccountNamesDoc);
  return (r.integrationAccounts.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
}
