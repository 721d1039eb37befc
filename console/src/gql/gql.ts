/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Me {\n    me { id name email role state stateReason }\n  }\n": typeof types.MeDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n": typeof types.TestConnectionDocument,
    "\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n": typeof types.SetWebhookDocument,
    "\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n": typeof types.ConnectAccountDocument,
    "\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n": typeof types.GenerateVerifyTokenDocument,
    "\n  query AdminServices {\n    chatServices { id name priority offerTimeoutSeconds accounts { id name } }\n  }\n": typeof types.AdminServicesDocument,
    "\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n": typeof types.CreateServiceDocument,
    "\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n": typeof types.ScenarioOffDocument,
    "\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity } } }\n  }\n": typeof types.AdminUsersDocument,
    "\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n": typeof types.CreateConsoleUserDocument,
    "\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID }\n    integrationAccount { id name type }\n    service { id name }\n  }\n": typeof types.AgentConversationFieldsFragmentDoc,
    "\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n": typeof types.AgentMessageFieldsFragmentDoc,
    "\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n": typeof types.MyConversationsDocument,
    "\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        history { id status createdAt }\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n": typeof types.ConversationMessagesDocument,
    "\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n": typeof types.AgentInboxDocument,
    "\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n": typeof types.SetMyStateDocument,
    "\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n": typeof types.AcceptOfferDocument,
    "\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n": typeof types.RejectOfferDocument,
    "\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n": typeof types.SendReplyDocument,
    "\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n": typeof types.CloseConversationDocument,
    "\n  mutation TransferConversation($id: ID!, $serviceId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId) { id }\n  }\n": typeof types.TransferConversationDocument,
    "\n  query ServiceNames {\n    chatServices { id name }\n  }\n": typeof types.ServiceNamesDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n": typeof types.LoginDocument,
    "\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n": typeof types.QueueLiveDocument,
    "\n  query ServiceFigures($from: Time!, $to: Time!) {\n    serviceStats(from: $from, to: $to) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n    }\n  }\n": typeof types.ServiceFiguresDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me { id name email role state stateReason }\n  }\n": types.MeDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n": types.TestConnectionDocument,
    "\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n": types.SetWebhookDocument,
    "\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n": types.ConnectAccountDocument,
    "\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n": types.GenerateVerifyTokenDocument,
    "\n  query AdminServices {\n    chatServices { id name priority offerTimeoutSeconds accounts { id name } }\n  }\n": types.AdminServicesDocument,
    "\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n": types.CreateServiceDocument,
    "\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n": types.ScenarioOffDocument,
    "\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity } } }\n  }\n": types.AdminUsersDocument,
    "\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n": types.CreateConsoleUserDocument,
    "\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID }\n    integrationAccount { id name type }\n    service { id name }\n  }\n": types.AgentConversationFieldsFragmentDoc,
    "\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n": types.AgentMessageFieldsFragmentDoc,
    "\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n": types.MyConversationsDocument,
    "\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        history { id status createdAt }\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n": types.ConversationMessagesDocument,
    "\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n": types.AgentInboxDocument,
    "\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n": types.SetMyStateDocument,
    "\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n": types.AcceptOfferDocument,
    "\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n": types.RejectOfferDocument,
    "\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n": types.SendReplyDocument,
    "\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n": types.CloseConversationDocument,
    "\n  mutation TransferConversation($id: ID!, $serviceId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId) { id }\n  }\n": types.TransferConversationDocument,
    "\n  query ServiceNames {\n    chatServices { id name }\n  }\n": types.ServiceNamesDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n": types.LoginDocument,
    "\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n": types.QueueLiveDocument,
    "\n  query ServiceFigures($from: Time!, $to: Time!) {\n    serviceStats(from: $from, to: $to) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n    }\n  }\n": types.ServiceFiguresDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id name email role state stateReason }\n  }\n"): (typeof documents)["\n  query Me {\n    me { id name email role state stateReason }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n"): (typeof documents)["\n  mutation TestConnection($id: ID!) {\n    testConnection(id: $id) { ok message }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n"): (typeof documents)["\n  mutation SetWebhook($id: ID!) {\n    setWebhook(id: $id) { ok message }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation ConnectAccount($id: ID!) {\n    connectIntegrationAccount(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n"): (typeof documents)["\n  mutation GenerateVerifyToken($id: ID!) {\n    generateWebhookVerifyToken(id: $id) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminServices {\n    chatServices { id name priority offerTimeoutSeconds accounts { id name } }\n  }\n"): (typeof documents)["\n  query AdminServices {\n    chatServices { id name priority offerTimeoutSeconds accounts { id name } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n"): (typeof documents)["\n  mutation CreateService($input: ChatServiceInput!) {\n    createChatService(input: $input) { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n"): (typeof documents)["\n  mutation ScenarioOff($id: ID!) {\n    saveScenario(serviceId: $id, input: null) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity } } }\n  }\n"): (typeof documents)["\n  query AdminUsers {\n    users(first: 100) { edges { node { id name email role active state capacity } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n"): (typeof documents)["\n  mutation CreateConsoleUser($input: CreateUserInput!) {\n    createUser(input: $input) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID }\n    integrationAccount { id name type }\n    service { id name }\n  }\n"): (typeof documents)["\n  fragment AgentConversationFields on Conversation {\n    id\n    status\n    lastMessageAt\n    assignee { id name }\n    contact { id displayName providerUserID }\n    integrationAccount { id name type }\n    service { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n"): (typeof documents)["\n  fragment AgentMessageFields on Message {\n    id\n    direction\n    status\n    text\n    createdAt\n    error\n    sender { id name }\n    attachments { type fileName mimeType downloadUrl status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n"): (typeof documents)["\n  query MyConversations($me: ID!) {\n    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {\n      edges { node { ...AgentConversationFields } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        history { id status createdAt }\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConversationMessages($id: ID!) {\n    node(id: $id) {\n      ... on Conversation {\n        id\n        history { id status createdAt }\n        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {\n          edges { node { ...AgentMessageFields } }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n"): (typeof documents)["\n  subscription AgentInbox($after: String) {\n    inboxEvents(after: $after) {\n      cursor\n      kind\n      conversation { ...AgentConversationFields }\n      message { ...AgentMessageFields }\n      offer { id status expiresAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n"): (typeof documents)["\n  mutation SetMyState($input: AgentStateInput!) {\n    setAgentState(input: $input) { id state stateReason }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n"): (typeof documents)["\n  mutation AcceptOffer($id: ID!) {\n    acceptOffer(id: $id) { ...AgentConversationFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation RejectOffer($id: ID!) {\n    rejectOffer(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n"): (typeof documents)["\n  mutation SendReply($input: SendMessageInput!) {\n    sendMessage(input: $input) { ...AgentMessageFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation CloseConversation($id: ID!) {\n    closeConversation(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TransferConversation($id: ID!, $serviceId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId) { id }\n  }\n"): (typeof documents)["\n  mutation TransferConversation($id: ID!, $serviceId: ID) {\n    transferConversation(id: $id, serviceId: $serviceId) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceNames {\n    chatServices { id name }\n  }\n"): (typeof documents)["\n  query ServiceNames {\n    chatServices { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) { token expiresAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n"): (typeof documents)["\n  subscription QueueLive {\n    queueEvents {\n      at\n      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }\n      agents { userId name state stateReason openConversations pendingOffers capacity }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceFigures($from: Time!, $to: Time!) {\n    serviceStats(from: $from, to: $to) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n    }\n  }\n"): (typeof documents)["\n  query ServiceFigures($from: Time!, $to: Time!) {\n    serviceStats(from: $from, to: $to) {\n      serviceId\n      name\n      entered\n      answered\n      abandoned\n      averageWaitSeconds\n      longestWaitSeconds\n      handled\n      averageHandleSeconds\n      waitingNow\n      averageRating\n      ratings\n      channels { channel conversations }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;