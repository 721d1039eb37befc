// The integration accounts as the console reads them. The pages that pick an
// account (services, system messages) list their names; the admin page reads
// each account in full, its settings included. Both are typed operations: a
// schema change that breaks them fails the console's build (codegen checks
// every graphql() document against schema.graphql).
import { print } from "graphql";
import { graphql } from "./gql";
import type { AdminAccountFieldsFragment } from "./gql/graphql";
import { request } from "./api";
import { settingsSelection, type Messenger } from "./schemaForms";

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

/**
 * What the admin page shows of an account besides its settings: a checked
 * fragment, so renaming webhookUrl or a health field fails codegen and with it
 * make console-check, and its TypeScript type follows the schema.
 */
const AdminAccountFieldsDoc = graphql(`
  fragment AdminAccountFields on IntegrationAccount {
    id
    name
    type
    status
    webhookUrl
    verifiedAt
    health { lastInboundAt lastSentAt lastSendError failing }
    lastTest { ok message }
  }
`);

/** A secret setting as the API shows it: whether it is set, and its last four. */
export interface Secret {
  isSet: boolean;
  last4?: string | null;
}

/**
 * An account as the admin page reads it. The settings' fields are the
 * schema's per messenger (read by introspection, see schemaForms.ts), so only
 * their type name is known here.
 */
export type Account = AdminAccountFieldsFragment & { settings: Record<string, unknown> & { __typename: string } };

/**
 * The admin page's account query: the checked fragment plus every
 * messenger's settings, which only the running schema knows. The text is the
 * one sent; schemaForms.test.ts validates it against the server's schema.
 */
export function adminAccountsQuery(list: Messenger[]): string {
  return `query AdminAccounts { integrationAccounts(first: 100) { edges { node {
    ...AdminAccountFields
    settings { __typename ${settingsSelection(list)} } } } } }
${print(AdminAccountFieldsDoc)}`;
}
